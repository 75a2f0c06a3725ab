import { describe, expect, it } from 'vitest';
import { endpointUrl } from '../../src/providers/provider.js';

describe('endpointUrl', () => {
  it('joins a base URL, with or without trailing slashes, and an endpoint path', () => {
    expect(endpointUrl('https://vendor.example/api', '/v1/usage').href).toBe('https://vendor.example/api/v1/usage');
    expect(endpointUrl('https://vendor.example/api///', '/v1/usage', { a: '1' }).href).toBe('https://vendor.example/api/v1/usage?a=1');
    expect(endpointUrl('https://vendor.example', '/v1/usage').href).toBe('https://vendor.example/v1/usage');
  });

  it('trims in linear time: 100,000 slashes that do not end the base URL are no work', () => {
    const base = `https://vendor.example/${'/'.repeat(100_000)}x`;
    const started = performance.now();
    const url = endpointUrl(base, '/v1/usage');
    // A backtracking /\/+$/ retries the run of slashes from each of its positions: about 5e9 steps here.
    expect(performance.now() - started).toBeLessThan(1000);
    expect(url.pathname.endsWith('/x/v1/usage')).toBe(true);
  }, 120_000);
});
