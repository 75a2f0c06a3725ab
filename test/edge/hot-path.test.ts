import { describe, expect, it } from 'vitest';
import { negotiatedMediaType } from '../../src/edge/hot-path.js';

/** The engine's choices, as the differential test sees them over HTTP; here the cases it does not send. */
describe('negotiatedMediaType', () => {
  it('answers JSON when nothing or anything is asked for', () => {
    expect(negotiatedMediaType(undefined)).toBe('application/json; charset=utf-8');
    expect(negotiatedMediaType('*/*')).toBe('application/json; charset=utf-8');
    expect(negotiatedMediaType('application/*')).toBe('application/json; charset=utf-8');
  });

  it('takes the first acceptable type of the list, as the engine does', () => {
    expect(negotiatedMediaType('application/graphql-response+json, application/json')).toBe('application/graphql-response+json; charset=utf-8');
    expect(negotiatedMediaType('application/json, application/graphql-response+json')).toBe('application/json; charset=utf-8');
    expect(negotiatedMediaType('multipart/mixed, application/json')).toBe('application/json; charset=utf-8');
  });

  it('leaves streamed types, other charsets and unknown types to the engine', () => {
    expect(negotiatedMediaType('text/event-stream')).toBeNull();
    expect(negotiatedMediaType('multipart/mixed')).toBeNull();
    expect(negotiatedMediaType('application/json; charset=latin1')).toBeNull();
    expect(negotiatedMediaType('image/png')).toBeNull();
  });
});
