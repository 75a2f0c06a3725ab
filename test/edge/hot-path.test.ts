import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/common/logger.js';
import { createHotPath, negotiatedMediaType } from '../../src/edge/hot-path.js';

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

describe('createHotPath with a shared response store', () => {
  it('hands every request on without asking the store, which the engine asks anyway', () => {
    let lookups = 0;
    const hotPath = createHotPath({
      graphqlEndpoint: '/graphql',
      allowsHost: null,
      corsOrigin: () => false,
      authenticator: null,
      callerRateLimit: { take: () => 0 },
      responseCache: { immediate: false, lookup: () => ((lookups += 1), Promise.resolve(undefined)) },
      persistedOperations: { resolve: (request) => ({ query: String(request.query), extensions: undefined }) },
      cacheControl: { cacheControlOf: () => 'no-store', vary: 'Accept' },
      logger: createLogger({ level: 'silent' }),
    });
    const handed: unknown[] = [];
    const req = { method: 'GET', url: '/graphql?query=%7B__typename%7D', headers: { 'x-graphql-yoga-csrf': '1' } } as unknown as IncomingMessage;
    const res = {} as ServerResponse;
    hotPath.wrap((request, response) => handed.push(request, response))(req, res);
    expect(handed).toEqual([req, res]);
    expect(lookups).toBe(0);
    expect(hotPath.served).toBe(0);
  });
});
