import { afterEach, describe, expect, it } from 'vitest';
import { DeclaredClient } from '../../../src/providers/declared/declared-client.js';
import { declaredVendor } from '../../../src/providers/declared/declared-vendor.js';
import { compileVendorFile } from '../../../src/providers/declared/load-vendor-file.js';
import { mapAccount } from '../../../src/providers/declared/account-mapping.js';
import type { UpstreamRequest, UpstreamResponse } from '../../../src/upstream/http.js';
import { UpstreamHttp } from '../../../src/upstream/http.js';
import { MemoryCache } from '../../../src/upstream/cache.js';
import { PASS_THROUGH_POLICY } from '../../../src/upstream/policy.js';
import { VendorChannel } from '../../../src/upstream/vendor-channel.js';
import type { SimulatorHandle } from '../../../src/simulators/types.js';
import { acmeFile } from './fixtures.js';

const CREDENTIAL = 'acme_demo_key_0001';

/** A transport that answers from a list and records every request as sent on the wire. */
function scriptedHttp(answer: (request: UpstreamRequest, index: number) => Partial<UpstreamResponse> & { body?: unknown }) {
  const sent: UpstreamRequest[] = [];
  return {
    sent,
    http: {
      get: async (request: UpstreamRequest): Promise<UpstreamResponse> => {
        sent.push(request);
        const { body, ...rest } = answer(request, sent.length - 1);
        return { status: 200, headers: {}, text: JSON.stringify(body ?? {}), retryAfterSeconds: null, ...rest };
      },
    },
  };
}

function clientOver(text: string, http: { get(request: UpstreamRequest): Promise<UpstreamResponse> }, options: { credential?: string; now?: () => number } = {}) {
  const vendor = compileVendorFile(text, 'acme.yaml');
  const credential = options.credential ?? CREDENTIAL;
  const channel = new VendorChannel({ provider: 'ACME', credential, http, policy: { ...PASS_THROUGH_POLICY, cacheTtlMs: 60_000 }, cache: new MemoryCache() });
  return { vendor, client: new DeclaredClient(vendor, { baseUrl: 'https://api.acme.test/api', credential, channel }, options.now) };
}

const PAGED_CALLS = (pagination: string) => `  usage:
    path: /v2/usage
    pagination: { ${pagination} }`;
const PAGED_MAPPING = `  quotas:
    - each: usage.items
      name: name
      used: used`;
const pagedFile = (pagination: string) =>
  acmeFile({ calls: PAGED_CALLS(pagination), mapping: PAGED_MAPPING }).replace(
    '          account: { plan: growth }',
    '          account: { plan: growth }\n          items: [{ name: a, used: 1 }]\n          next: c1\n          next_url: /api/v2/usage?page=2',
  );
const page = (names: string[], extra: Record<string, unknown> = {}) => ({ body: { ok: true, items: names.map((name) => ({ name, used: 1 })), ...extra } });
const quotaNames = async (client: DeclaredClient) => (await client.fetchAccount()).value.quotas.map((quota) => quota.name);

describe('a declared vendor\'s client', () => {
  it('calls the declared path with its query and relative times, the credential where the auth puts it', async () => {
    const { http, sent } = scriptedHttp(() => ({ body: compileVendorFile(acmeFile(), 'x').file.examples[0]!.responses.usage!.body }));
    const now = Date.UTC(2026, 2, 17, 15, 30);
    const { client, vendor } = clientOver(acmeFile(), http, { now: () => now });
    const account = await client.fetchAccount();
    expect(account.value).toEqual(mapAccount('ACME', vendor.mapping, { usage: vendor.file.examples[0]!.responses.usage!.body }));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url.href).toBe(`https://api.acme.test/api/v2/usage?since=${Date.UTC(2026, 2, 1) / 1000}&team=core`);
    expect(sent[0]!.headers).toEqual({ authorization: `Bearer ${CREDENTIAL}` });
  });

  it.each([
    ['header', '  kind: header\n  name: X-Acme-Key', (request: UpstreamRequest) => expect(request.headers).toEqual({ 'x-acme-key': CREDENTIAL })],
    ['basic', '  kind: basic', (request: UpstreamRequest) => expect(request.headers).toEqual({ authorization: `Basic ${Buffer.from(CREDENTIAL).toString('base64')}` })],
    ['query', '  kind: query\n  name: api_key', (request: UpstreamRequest) => expect(request.url.searchParams.get('api_key')).toBe(CREDENTIAL)],
  ])('%s auth', async (_kind, auth, check) => {
    const body = compileVendorFile(acmeFile(), 'x').file.examples[0]!.responses.usage!.body;
    const { http, sent } = scriptedHttp(() => ({ body }));
    await clientOver(acmeFile({ auth }), http).client.fetchAccount();
    check(sent[0]!);
  });

  it('keeps a query credential out of the URL that keys the cache and names the call', async () => {
    const body = compileVendorFile(acmeFile(), 'x').file.examples[0]!.responses.usage!.body;
    const { http } = scriptedHttp(() => ({ body }));
    const vendor = compileVendorFile(acmeFile({ auth: '  kind: query\n  name: api_key' }), 'acme.yaml');
    const keys: string[] = [];
    class RecordingCache extends MemoryCache {
      override get(key: string, now: number) {
        keys.push(key);
        return super.get(key, now);
      }
    }
    const recording = new RecordingCache();
    const channel = new VendorChannel({ provider: 'ACME', credential: CREDENTIAL, http, policy: { ...PASS_THROUGH_POLICY, cacheTtlMs: 60_000 }, cache: recording });
    await new DeclaredClient(vendor, { baseUrl: 'https://api.acme.test/api', credential: CREDENTIAL, channel }).fetchAccount();
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).not.toContain(CREDENTIAL);
  });

  it('classifies answers by the file\'s rules: a 2xx that says it failed', async () => {
    const { http } = scriptedHttp(() => ({ body: { ok: false, error: { code: 'OOPS', message: 'broken' } } }));
    await expect(clientOver(acmeFile(), http).client.fetchAccount()).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', vendorCode: 'OOPS', httpStatus: 200 });
  });

  it('reads an error status the file has no rule for as the gateway does, quoting the body redacted', async () => {
    const { http } = scriptedHttp(() => ({ status: 429, retryAfterSeconds: 7, body: { ok: false, error: { code: 'SLOW', message: `slow down ${CREDENTIAL}` } } }));
    const failure = (await clientOver(acmeFile(), http).client.fetchAccount().catch((error: unknown) => error)) as Error & Record<string, unknown>;
    expect(failure).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfterSeconds: 7, vendorCode: 'SLOW' });
    expect(failure.message).toBe('ACME answered 429: slow down [REDACTED]');
  });

  it('a body that breaks the mapping is UPSTREAM_BAD_RESPONSE naming the vendor path as a built-in contract does, with the request id it carried', async () => {
    const body = { ok: true, account: { plan: 'x' }, limits: { seats: { used: 'many', max: '1', reset: 1 } }, alerts: [], generated: 1, request: 'r-17' };
    const { http } = scriptedHttp(() => ({ body }));
    const mapping = `  upstreamRequestId: usage.request
  quotas:
    - eachEntry: usage.limits
      name: '@key'
      used: { path: used, as: number }`;
    const text = acmeFile({ mapping }).replace('          generated: 1772366400000', '          generated: 1772366400000\n          request: r-1');
    await expect(clientOver(text, http).client.fetchAccount()).rejects.toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      message: 'ACME GET /v2/usage broke its contract: limits.seats.used: expected an integer in a string',
      upstreamRequestId: 'r-17',
    });
  });

  it('a value read by index that breaks the mapping is UPSTREAM_BAD_RESPONSE naming the model field', async () => {
    const { http } = scriptedHttp(() => ({ body: { ok: true, tiers: [5], request: 'r-18' } }));
    const mapping = `  upstreamRequestId: usage.request
  plan:
    tier: usage.tiers[0]`;
    const text = acmeFile({ mapping }).replace('          generated: 1772366400000', '          generated: 1772366400000\n          tiers: [growth]\n          request: r-1');
    await expect(clientOver(text, http).client.fetchAccount()).rejects.toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      message: 'ACME answer broke its declared mapping: account.plan.tier: expected a string',
      upstreamRequestId: 'r-18',
    });
  });

  describe('pagination', () => {
    it('follows a cursor and adds up the pages\' items', async () => {
      const { http, sent } = scriptedHttp((_request, index) => (index === 0 ? page(['a'], { next: 'c1' }) : index === 1 ? page(['b'], { next: 'c2' }) : page(['c'], { next: null })));
      const { client } = clientOver(pagedFile('kind: cursor, items: items, next: next, param: cursor, maxPages: 5'), http);
      expect(await quotaNames(client)).toEqual(['a', 'b', 'c']);
      expect(sent.map((request) => request.url.search)).toEqual(['', '?cursor=c1', '?cursor=c2']);
    });

    it('stops at the page cap', async () => {
      const { http, sent } = scriptedHttp((_request, index) => page([`q${index}`], { next: `c${index + 1}` }));
      const { client } = clientOver(pagedFile('kind: cursor, items: items, next: next, param: cursor, maxPages: 3'), http);
      expect(await quotaNames(client)).toEqual(['q0', 'q1', 'q2']);
      expect(sent).toHaveLength(3);
    });

    it('a repeated cursor is UPSTREAM_BAD_RESPONSE, never a loop', async () => {
      const { http, sent } = scriptedHttp(() => page(['a'], { next: 'same' }));
      const { client } = clientOver(pagedFile('kind: cursor, items: items, next: next, param: cursor, maxPages: 50'), http);
      await expect(client.fetchAccount()).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', message: 'ACME pagination stopped: it pointed back at a page already read' });
      expect(sent).toHaveLength(2);
    });

    it('offset pages until a short page', async () => {
      const { http, sent } = scriptedHttp((_request, index) => page(index < 2 ? ['x', 'y'] : ['z']));
      const { client } = clientOver(pagedFile('kind: offset, items: items, param: offset, pageSize: 2, maxPages: 9'), http);
      expect(await quotaNames(client)).toEqual(['x', 'y', 'x', 'y', 'z']);
      expect(sent.map((request) => request.url.search)).toEqual(['', '?offset=2', '?offset=4']);
    });

    it('follows a Link header on the same origin', async () => {
      const { http, sent } = scriptedHttp((_request, index) =>
        index === 0 ? { ...page(['a']), headers: { link: '<https://api.acme.test/api/v2/usage?page=2>; rel="next", <https://api.acme.test/api/v2/usage?page=9>; rel="last"' } } : page(['b']),
      );
      const { client } = clientOver(pagedFile('kind: linkHeader, items: items, maxPages: 5'), http);
      expect(await quotaNames(client)).toEqual(['a', 'b']);
      expect(sent[1]!.url.href).toBe('https://api.acme.test/api/v2/usage?page=2');
    });

    it.each([
      ['a next URL in the body', 'kind: nextUrl, items: items, next: next_url, maxPages: 5', (index: number) => page(['a'], { next_url: index === 0 ? 'https://evil.test/steal' : null })],
      ['a Link header', 'kind: linkHeader, items: items, maxPages: 5', () => ({ ...page(['a']), headers: { link: '<https://api.acme.test.evil.test/v2/usage?page=2>; rel="next"' } })],
    ])('never sends the credential to another origin, even by %s', async (_name, pagination, answer) => {
      const { http, sent } = scriptedHttp((_request, index) => answer(index));
      const { client } = clientOver(pagedFile(pagination), http);
      await expect(client.fetchAccount()).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', message: 'ACME pagination stopped: its next page is on another origin, where the credential is never sent' });
      expect(sent.map((request) => request.url.origin)).toEqual(['https://api.acme.test']);
    });
  });
});

describe('a declared vendor\'s simulator, built from its examples', () => {
  let simulator: SimulatorHandle | undefined;
  afterEach(async () => {
    await simulator?.close();
    simulator = undefined;
  });

  const start = async (text = acmeFile()) => {
    const vendor = compileVendorFile(text, 'acme.yaml');
    const module = declaredVendor(vendor);
    simulator = await module.startSimulator({});
    const http = new UpstreamHttp();
    const client = (credential: string) => module.createClient({ baseUrl: simulator!.baseUrl, credential, http });
    return { vendor, client };
  };

  it('serves the first successful example to the declared credential over real HTTP', async () => {
    const { vendor, client } = await start();
    const account = await client(CREDENTIAL).fetchAccount();
    expect(account.value).toEqual(mapAccount('ACME', vendor.mapping, { usage: vendor.file.examples[0]!.responses.usage!.body }));
    expect(simulator!.hits('/api/v2/usage')).toBe(1);
  });

  it('refuses another credential with its 401 example', async () => {
    const { client } = await start();
    await expect(client('acme_wrong_key_9999').fetchAccount()).rejects.toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', vendorCode: 'BAD_KEY', httpStatus: 401 });
  });

  it.each(['start', 'middle', 'end'] as const)('keeps the credential out of the error when the vendor echoes it at the %s', async (at) => {
    const { client } = await start();
    simulator!.setFault({ fault: { mode: 'echo', status: 401, at } });
    const failure = (await client(CREDENTIAL).fetchAccount().catch((error: unknown) => error)) as Error & Record<string, unknown>;
    expect(failure).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED' });
    expect(failure.message).toContain('[REDACTED]');
    expect(JSON.stringify({ ...failure, message: failure.message, cause: String(failure.cause) })).not.toContain(CREDENTIAL);
  });

  it.each([
    ['html', 'UPSTREAM_BAD_RESPONSE'],
    ['malformed-json', 'UPSTREAM_BAD_RESPONSE'],
    ['drift', 'UPSTREAM_BAD_RESPONSE'],
  ] as const)('the shared %s fault applies to it', async (mode, code) => {
    const { client } = await start();
    simulator!.setFault({ fault: { mode } });
    await expect(client(CREDENTIAL).fetchAccount()).rejects.toMatchObject({ code });
  });

  it('enforces the demo rate limit with 429 and Retry-After', async () => {
    const { client } = await start(acmeFile().replace('rateLimit: { default: 60, demo: 600 }', 'rateLimit: { default: 60, demo: 2 }'));
    await client(CREDENTIAL).fetchAccount();
    await client(CREDENTIAL).fetchAccount();
    const failure = (await client(CREDENTIAL).fetchAccount().catch((error: unknown) => error)) as Record<string, unknown>;
    expect(failure).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', httpStatus: 429 });
    expect(failure.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });
});
