import { describe, expect, it } from 'vitest';
import { pathOfUrl } from '../../src/common/url-path.js';

describe('pathOfUrl', () => {
  it('says what new URL(url).pathname says, for the URLs a fetch Request carries', () => {
    for (const url of [
      'http://127.0.0.1:4000/graphql',
      'http://127.0.0.1:4000/graphql?query=%7B%20a%20%7D',
      'http://localhost/',
      'http://localhost',
      'http://[::1]:4000/graphql#part',
      'https://gateway.example/a/b?x=1#y',
      'http://h/graphql?next=/elsewhere',
    ]) {
      expect(pathOfUrl(url), url).toBe(new URL(url).pathname);
    }
  });
});
