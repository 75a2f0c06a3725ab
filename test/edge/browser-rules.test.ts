import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { corsFor, CSRF_HEADERS, hostRule, useCsrfPrevention, useHostCheck } from '../../src/edge/browser-rules.js';
import { graphqlRequest } from '../support/graphql-request.js';
import { tinyYoga } from '../support/tiny-yoga.js';

const ORIGIN = 'https://app.example';

describe('corsFor', () => {
  const yoga = (credentials: boolean) =>
    createYoga({ schema: createSchema({ typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } }), cors: corsFor([ORIGIN], credentials), logging: false });
  const preflight = (origin: string, credentials = false) =>
    yoga(credentials).fetch('http://yoga/graphql', {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-api-key' },
    });

  it('answers a listed origin with that origin, a max-age, the allowed headers and no credentials', async () => {
    const listed = await preflight(ORIGIN);
    expect(listed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(listed.headers.get('access-control-max-age')).toBe('600');
    expect(listed.headers.get('access-control-allow-credentials')).toBeNull();
    const allowed = listed.headers.get('access-control-allow-headers')!.split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['content-type', 'authorization', 'x-api-key', 'x-request-id', ...CSRF_HEADERS]));
  });

  it('allows credentials only when told to', async () => {
    expect((await preflight(ORIGIN, true)).headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('gives an unlisted origin no CORS header at all (never a reflection of it)', async () => {
    for (const origin of ['https://evil.example', `${ORIGIN}.evil.example`, 'null']) {
      const evil = await preflight(origin);
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();
      expect(evil.headers.get('access-control-allow-credentials')).toBeNull();
    }
    const { headers } = await graphqlRequest(yoga(false), { query: '{ ok }', headers: { origin: 'https://evil.example' } });
    expect(headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('useCsrfPrevention', () => {
  const { yoga, resolverCalls } = tinyYoga([useCsrfPrevention()]);

  it('refuses a form-encoded POST and a GET without a CSRF header, before anything executes', async () => {
    const form = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${encodeURIComponent('{ accounts { id } }')}`,
    });
    expect(form.status).toBe(403);
    const get = await graphqlRequest(yoga, { method: 'GET', query: '{ accounts { id } }' });
    expect(get.status).toBe(403);
    expect(get.body.errors![0]!.message).toMatch(/CSRF/);
    expect(resolverCalls()).toBe(0);
  });

  it('answers JSON POSTs, and GETs carrying any one of the CSRF headers', async () => {
    expect((await graphqlRequest(yoga, { query: '{ accounts { id } }' })).status).toBe(200);
    for (const header of CSRF_HEADERS) {
      const allowed = await graphqlRequest(yoga, { method: 'GET', query: '{ accounts { id } }', headers: { [header]: 'true' } });
      expect(allowed.status, header).toBe(200);
      expect(allowed.body.data).toEqual({ accounts: [{ id: '1' }, { id: '2' }] });
    }
  });
});

describe('hostRule', () => {
  it('bound to loopback with no list: loopback names only, with or without a port', () => {
    const allows = hostRule(null, true)!;
    for (const host of ['localhost', 'localhost:4000', '127.0.0.1:4000', '127.1.2.3', '[::1]:4000', 'LOCALHOST']) expect(allows(host), host).toBe(true);
    for (const host of ['evil.example', 'evil.example:4000', 'localhost.evil.example', '127.0.0.1.evil.example', '10.0.0.1']) expect(allows(host), host).toBe(false);
  });

  it('with a list: exactly its names, or its name:port entries', () => {
    const allows = hostRule(['usage.example', 'api.example:8443'], true)!;
    expect(allows('usage.example')).toBe(true);
    expect(allows('Usage.Example:4000')).toBe(true);
    expect(allows('api.example:8443')).toBe(true);
    expect(allows('api.example:9000')).toBe(false);
    expect(allows('localhost')).toBe(false);
  });

  it('bound elsewhere with no list: no rule (any Host)', () => {
    expect(hostRule(null, false)).toBeNull();
  });
});

describe('useHostCheck', () => {
  const { yoga, resolverCalls } = tinyYoga([useHostCheck(hostRule(null, true))]);
  const post = (host: string, url = 'http://yoga/graphql') => graphqlRequest(yoga, { url, query: '{ accounts { id } }', headers: { host } });

  it('answers 403 HOST_NOT_ALLOWED to a foreign Host (DNS rebinding) before anything executes', async () => {
    const foreign = await post('evil.example');
    expect(foreign.status).toBe(403);
    expect(foreign.body.errors![0]!.extensions!.code).toBe('HOST_NOT_ALLOWED');
    expect(resolverCalls()).toBe(0);
  });

  it('answers loopback names', async () => {
    for (const host of ['localhost:4000', '127.0.0.1:4000']) expect((await post(host)).status, host).toBe(200);
  });

  it('with no rule, answers any Host', async () => {
    expect((await graphqlRequest(tinyYoga([useHostCheck(null)]).yoga, { query: '{ accounts { id } }', headers: { host: 'evil.example' } })).status).toBe(200);
  });
});
