import { describe, expect, it } from 'vitest';
import { MemoryCache, type CacheEntry, type CacheWriteOptions, type UpstreamCache } from '../../src/upstream/cache.js';
import { errorForStatus, UpstreamBadResponseError, UpstreamUnavailableError } from '../../src/upstream/errors.js';
import type { UpstreamRequest, UpstreamResponse } from '../../src/upstream/http.js';
import { resolvePolicy, type VendorPolicyOverrides } from '../../src/upstream/policy.js';
import { VendorChannel, type ChannelCall } from '../../src/upstream/vendor-channel.js';
import { FakeClock } from '../support/fake-clock.js';

const CREDENTIAL = 'sk_test_channel_credential_42';
type Step = { status: number; body?: string; retryAfter?: number } | 'refused';

/** A transport that answers from a script and records what it was asked. */
function scriptedTransport(script: Step[], fallback: Step = { status: 200, body: '{"n":1}' }) {
  const requests: UpstreamRequest[] = [];
  return {
    requests,
    async get(request: UpstreamRequest): Promise<UpstreamResponse> {
      requests.push(request);
      const step = script.shift() ?? fallback;
      if (step === 'refused') throw new UpstreamUnavailableError('X could not be reached: ECONNREFUSED', { provider: 'X' });
      return { status: step.status, headers: {}, text: step.body ?? '{}', retryAfterSeconds: step.retryAfter ?? null };
    },
  };
}

/** What a vendor client does: 2xx is data, anything else its typed error. */
const call = (path = '/v1/usage'): ChannelCall<{ n: number }> => ({
  url: new URL(`http://vendor.test${path}`),
  headers: { authorization: `Bearer ${CREDENTIAL}` },
  interpret: (response) => {
    if (response.status !== 200) {
      throw errorForStatus({ provider: 'X', httpStatus: response.status, message: 'no', retryAfterSeconds: response.retryAfterSeconds });
    }
    const body = JSON.parse(response.text) as { n?: unknown };
    if (typeof body.n !== 'number') throw new UpstreamBadResponseError('X broke its contract: n', { provider: 'X' });
    return { n: body.n };
  },
});

function channel(transport: ReturnType<typeof scriptedTransport>, overrides: VendorPolicyOverrides = {}, extra: { cache?: UpstreamCache; credential?: string } = {}) {
  const clock = new FakeClock();
  const policy = resolvePolicy({ retryBudgetRatio: 1, rateLimitPerMinute: 1000, ...overrides });
  const vendor = new VendorChannel({ provider: 'X', credential: extra.credential ?? CREDENTIAL, http: transport, policy, clock, cache: extra.cache ?? new MemoryCache() });
  return { vendor, clock };
}

describe('VendorChannel retries', () => {
  it('retries 503 twice with full-jitter backoff, then reports the third failure', async () => {
    const transport = scriptedTransport([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 200 }]);
    const { vendor, clock } = channel(transport);
    await expect(vendor.fetch(call())).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', httpStatus: 503 });
    expect(transport.requests).toHaveLength(3);
    // random() = 0.5: half of 100 ms, then half of 200 ms.
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it('recovers when a retry succeeds, and retries a refused connection', async () => {
    const transport = scriptedTransport(['refused', { status: 502 }, { status: 200, body: '{"n":5}' }]);
    const { vendor } = channel(transport);
    await expect(vendor.fetch(call())).resolves.toMatchObject({ value: { n: 5 }, staleReason: null });
    expect(transport.requests).toHaveLength(3);
  });

  it.each([400, 401, 403, 404])('never retries %i', async (status) => {
    const transport = scriptedTransport([{ status }]);
    const { vendor } = channel(transport);
    await expect(vendor.fetch(call())).rejects.toMatchObject({ httpStatus: status });
    expect(transport.requests).toHaveLength(1);
  });

  it('waits exactly the Retry-After, and refuses at once when it would pass the deadline', async () => {
    const waited = scriptedTransport([{ status: 429, retryAfter: 2 }, { status: 200, body: '{"n":2}' }]);
    const first = channel(waited);
    await expect(first.vendor.fetch(call())).resolves.toMatchObject({ value: { n: 2 } });
    expect(first.clock.sleeps).toEqual([2000]);

    const refused = scriptedTransport([{ status: 429, retryAfter: 9 }]);
    const second = channel(refused, { timeoutMs: 8000 });
    await expect(second.vendor.fetch(call())).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfterSeconds: 9 });
    expect(refused.requests).toHaveLength(1);
    expect(second.clock.sleeps).toEqual([]);
    // The 429 paused the budget: the next call is not sent either.
    await expect(second.vendor.fetch(call('/other'))).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfterSeconds: 9 });
    expect(refused.requests).toHaveLength(1);
  });

  it('a spent retry budget stops retries', async () => {
    const transport = scriptedTransport([], { status: 503 });
    const { vendor } = channel(transport, { retryBudgetRatio: 0.2, breaker: { minimumCalls: 1_000 } });
    for (let i = 0; i < 20; i += 1) await vendor.fetch(call(`/c${i}`)).catch(() => {});
    const { retries, requests } = vendor.health().retryBudget;
    expect(requests).toBe(transport.requests.length);
    expect(retries).toBeGreaterThan(0);
    expect(retries / requests).toBeLessThanOrEqual(0.2);
  });
});

describe('VendorChannel breaker', () => {
  it('opens after 20 failing calls, then answers UPSTREAM_UNAVAILABLE without calling; one probe closes it', async () => {
    const transport = scriptedTransport([], { status: 503 });
    const { vendor, clock } = channel(transport, { maxRetries: 0 });
    for (let i = 0; i < 20; i += 1) await vendor.fetch(call(`/c${i}`)).catch(() => {});
    expect(vendor.health().breaker.state).toBe('OPEN');
    expect(transport.requests).toHaveLength(20);
    await expect(vendor.fetch(call('/x'))).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 30 });
    expect(transport.requests).toHaveLength(20);
    expect(vendor.health().lastError).toMatchObject({ error: { httpStatus: 503 } });

    clock.advance(30_000);
    expect(vendor.health().breaker.state).toBe('HALF_OPEN');
    const closing = scriptedTransport([{ status: 200, body: '{"n":9}' }]);
    transport.get = closing.get;
    await expect(vendor.fetch(call('/probe'))).resolves.toMatchObject({ value: { n: 9 } });
    expect(vendor.health().breaker.state).toBe('CLOSED');
    expect(vendor.health().lastSuccessAt).toEqual(new Date(clock.now()));
  });

  it('counts malformed bodies as failures, but not 401 or 429', async () => {
    const transport = scriptedTransport([], { status: 200, body: '{"m":1}' });
    const { vendor } = channel(transport, { maxRetries: 0 });
    for (let i = 0; i < 20; i += 1) await vendor.fetch(call(`/c${i}`)).catch(() => {});
    expect(vendor.health().breaker.state).toBe('OPEN');
    const auth = scriptedTransport([], { status: 401 });
    const second = channel(auth, { maxRetries: 0 });
    for (let i = 0; i < 25; i += 1) await second.vendor.fetch(call(`/c${i}`)).catch(() => {});
    expect(second.vendor.health().breaker).toMatchObject({ state: 'CLOSED', failures: 0 });
  });
});

describe('VendorChannel rate budget', () => {
  it('waits inside the deadline for a slot; past it, fails at once without sending', async () => {
    const transport = scriptedTransport([]);
    const { vendor, clock } = channel(transport, { rateLimitPerMinute: 1, timeoutMs: 90_000, cacheTtlMs: 0, staleIfErrorMs: 0 });
    await vendor.fetch(call());
    await vendor.fetch(call());
    expect(clock.sleeps).toEqual([60_000]);
    expect(transport.requests).toHaveLength(2);

    const tight = scriptedTransport([]);
    const short = channel(tight, { rateLimitPerMinute: 1, timeoutMs: 8000, cacheTtlMs: 0, staleIfErrorMs: 0 });
    await short.vendor.fetch(call());
    await expect(short.vendor.fetch(call())).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfterSeconds: 60 });
    expect(tight.requests).toHaveLength(1);
    expect(short.clock.sleeps).toEqual([]);
  });

  it('over budget, serves the cached answer marked stale instead of sending', async () => {
    const transport = scriptedTransport([]);
    const { vendor } = channel(transport, { rateLimitPerMinute: 1, cacheTtlMs: 0 });
    await vendor.fetch(call());
    const second = await vendor.fetch(call());
    expect(second.staleReason).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED' });
    expect(second.value).toEqual({ n: 1 });
    expect(transport.requests).toHaveLength(1);
  });

  it("tightens to the vendor's reported limit", async () => {
    const transport = scriptedTransport([]);
    const { vendor } = channel(transport, { rateLimitPerMinute: 100 });
    await vendor.fetch({ ...call(), reportedRateLimit: () => 7 });
    expect(vendor.health().rateBudget).toMatchObject({ limitPerMinute: 7, configuredLimitPerMinute: 100, used: 1, remaining: 6 });
  });
});

describe('VendorChannel cache', () => {
  it('serves within the TTL, calls again after it, and serves stale (with the error) within the stale window', async () => {
    const transport = scriptedTransport([{ status: 200, body: '{"n":1}' }], { status: 503 });
    const { vendor, clock } = channel(transport, { cacheTtlMs: 30_000, staleIfErrorMs: 600_000 });
    const fresh = await vendor.fetch(call());
    clock.advance(29_999);
    expect(await vendor.fetch(call())).toEqual(fresh);
    expect(transport.requests).toHaveLength(1);
    clock.advance(1);
    const stale = await vendor.fetch(call());
    expect(stale).toMatchObject({ value: { n: 1 }, fetchedAt: fresh.fetchedAt, staleReason: { code: 'UPSTREAM_UNAVAILABLE' } });
    clock.advance(600_000);
    await expect(vendor.fetch(call())).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('never caches a failed validation, nor what the client calls uncacheable', async () => {
    const transport = scriptedTransport([{ status: 200, body: '{"m":1}' }]);
    const { vendor } = channel(transport);
    await expect(vendor.fetch(call())).rejects.toBeInstanceOf(UpstreamBadResponseError);
    await expect(vendor.fetch(call())).resolves.toMatchObject({ value: { n: 1 } });
    const head = scriptedTransport([]);
    const second = channel(head);
    await second.vendor.fetch({ ...call(), cacheable: () => false });
    await second.vendor.fetch({ ...call(), cacheable: () => false });
    expect(head.requests).toHaveLength(2);
  });

  it('keys by a hash of the credential: two credentials never share an entry, and no key holds one', async () => {
    const keys: string[] = [];
    const memory = new MemoryCache();
    const spy: UpstreamCache = {
      get: (key, now) => memory.get(key, now),
      set: (key: string, entry: CacheEntry, options: CacheWriteOptions) => {
        keys.push(key);
        return memory.set(key, entry, options);
      },
    };
    const a = scriptedTransport([{ status: 200, body: '{"n":1}' }]);
    const b = scriptedTransport([{ status: 200, body: '{"n":2}' }]);
    const other = 'sk_test_other_credential_77';
    const first = channel(a, {}, { cache: spy });
    const second = channel(b, {}, { cache: spy, credential: other });
    expect((await first.vendor.fetch(call())).value).toEqual({ n: 1 });
    expect((await second.vendor.fetch(call())).value).toEqual({ n: 2 });
    expect(b.requests).toHaveLength(1);
    expect(new Set(keys).size).toBe(2);
    for (const key of keys) {
      expect(key).not.toContain(CREDENTIAL);
      expect(key).not.toContain(other);
    }
  });

  it('single-flight: concurrent identical calls share one request', async () => {
    const transport = scriptedTransport([]);
    const { vendor } = channel(transport);
    const results = await Promise.all(Array.from({ length: 50 }, () => vendor.fetch(call())));
    expect(transport.requests).toHaveLength(1);
    expect(new Set(results.map((result) => result.value)).size).toBe(1);
  });
});

describe('VendorChannel background calls (the ledger follower)', () => {
  it('leave a quarter of the rate budget to foreground calls', async () => {
    const transport = scriptedTransport([]);
    const { vendor } = channel(transport, { rateLimitPerMinute: 8, timeoutMs: 1000 });
    for (let sent = 0; sent < 6; sent += 1) await vendor.fetch({ ...call(`/p${sent}`), priority: 'background' });
    await expect(vendor.fetch({ ...call('/p6'), priority: 'background' })).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED' });
    expect(transport.requests).toHaveLength(6);
    // The reserved two slots are still there for user queries.
    await vendor.fetch(call('/user-1'));
    await vendor.fetch(call('/user-2'));
    await expect(vendor.fetch(call('/user-3'))).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED' });
    expect(transport.requests).toHaveLength(8);
  });

  it('neither read nor fill the cache, but count in the breaker like every call', async () => {
    const transport = scriptedTransport([{ status: 200, body: '{"n":1}' }, { status: 200, body: '{"n":2}' }, { status: 200, body: '{"n":3}' }]);
    const { vendor } = channel(transport);
    await expect(vendor.fetch(call())).resolves.toMatchObject({ value: { n: 1 } });
    // A foreground answer is cached, yet the background call asks the vendor again...
    await expect(vendor.fetch({ ...call(), priority: 'background' })).resolves.toMatchObject({ value: { n: 2 } });
    // ...and does not replace what foreground calls are served.
    await expect(vendor.fetch(call())).resolves.toMatchObject({ value: { n: 1 } });
    expect(transport.requests).toHaveLength(2);
    expect(vendor.health().breaker).toMatchObject({ calls: 2 });
  });
});

describe('VendorChannel composition', () => {
  it("wires the layers' events to the logger it is given", async () => {
    const lines: string[] = [];
    const logger = { debug: () => {}, info: (message: string) => lines.push(message), warn: (message: string) => lines.push(message) };
    const transport = scriptedTransport([{ status: 200, body: '{"n":1}' }], { status: 503 });
    const clock = new FakeClock();
    const policy = resolvePolicy({ maxRetries: 0, cacheTtlMs: 1000, breaker: { minimumCalls: 2 } });
    const vendor = new VendorChannel({ provider: 'X', credential: CREDENTIAL, http: transport, policy, clock, logger });
    await vendor.fetch(call());
    clock.advance(1000);
    await expect(vendor.fetch(call())).resolves.toMatchObject({ staleReason: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(lines).toEqual(['circuit breaker opened: calls to this vendor fail fast', 'vendor failed; serving its last good answer, marked stale']);
  });
});
