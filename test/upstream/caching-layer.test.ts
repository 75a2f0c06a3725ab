import { describe, expect, it } from 'vitest';
import { MemoryCache, type UpstreamCache } from '../../src/upstream/cache.js';
import { CachingLayer } from '../../src/upstream/caching-layer.js';
import type { Caller, ChannelCall, Received } from '../../src/upstream/channel-call.js';
import { ChannelEvents, type ChannelEvent } from '../../src/upstream/channel-events.js';
import type { FlightCoordinator } from '../../src/upstream/single-flight.js';
import { UpstreamAuthFailedError, UpstreamTimeoutError, type UpstreamError } from '../../src/upstream/errors.js';
import { FakeClock } from '../support/fake-clock.js';

const CREDENTIAL = 'sk_test_caching_layer_credential';

/**
 * A `next` layer that answers from a script (a value, or an error to throw) and counts its calls;
 * `hold` keeps its answers back until `release`, so calls can be made to overlap.
 */
function scriptedCaller(clock: FakeClock, script: ({ n: number } | UpstreamError)[]) {
  let calls = 0;
  let gate = Promise.resolve();
  let open = () => {};
  return {
    calls: () => calls,
    hold: () => {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    release: () => open(),
    async call<T>(): Promise<Received<T>> {
      calls += 1;
      await gate;
      const step = script.shift() ?? { n: 0 };
      if (step instanceof Error) throw step;
      return { value: step as T, receivedAt: clock.now(), weight: 8 };
    },
  } satisfies Caller & Record<string, unknown>;
}

const call = (path = '/v1/usage', extra: Partial<ChannelCall<{ n: number }>> = {}): ChannelCall<{ n: number }> => ({
  url: new URL(`http://vendor.test${path}`),
  headers: {},
  interpret: () => {
    throw new Error('the caching layer never interprets');
  },
  ...extra,
});

function layer(script: ({ n: number } | UpstreamError)[], options: { cache?: UpstreamCache; cacheTtlMs?: number; staleIfErrorMs?: number; flights?: FlightCoordinator } = {}) {
  const clock = new FakeClock();
  const events = new ChannelEvents();
  const seen: ChannelEvent[] = [];
  events.on((event) => seen.push(event));
  const next = scriptedCaller(clock, script);
  const caching = new CachingLayer({
    provider: 'X',
    credential: CREDENTIAL,
    cache: options.cache ?? new MemoryCache(),
    policy: { cacheTtlMs: options.cacheTtlMs ?? 30_000, staleIfErrorMs: options.staleIfErrorMs ?? 600_000 },
    clock,
    events,
    next,
    ...(options.flights === undefined ? {} : { flights: options.flights }),
  });
  return { caching, next, clock, seen };
}

const timeout = () => new UpstreamTimeoutError('X did not answer', { provider: 'X' });

describe('CachingLayer', () => {
  it('serves a fresh answer from cache until the TTL, then asks the next layer again', async () => {
    const { caching, next, clock } = layer([{ n: 1 }, { n: 2 }]);
    const first = await caching.fetch(call());
    expect(first).toEqual({ value: { n: 1 }, fetchedAt: new Date(clock.now()), staleReason: null });
    clock.advance(29_999);
    expect(await caching.fetch(call())).toEqual(first);
    clock.advance(1);
    expect(await caching.fetch(call())).toMatchObject({ value: { n: 2 }, staleReason: null });
    expect(next.calls()).toBe(2);
  });

  it('shares one call among concurrent identical fetches, and none among different URLs', async () => {
    const { caching, next } = layer([{ n: 1 }, { n: 2 }]);
    next.hold();
    const same = [caching.fetch(call()), caching.fetch(call()), caching.fetch(call())];
    const other = caching.fetch(call('/other'));
    // Every microtask has run: the calls that will be made are all in flight, none answered.
    await new Promise((resolve) => setImmediate(resolve));
    expect(next.calls()).toBe(2);
    next.release();
    const results = await Promise.all(same);
    expect(new Set(results.map((result) => result.value)).size).toBe(1);
    expect((await other).value).not.toBe(results[0]!.value);
    expect(next.calls()).toBe(2);
  });

  it('serves the last good answer, with the failure, when the failure table allows it and the answer is young enough', async () => {
    const failure = timeout();
    const { caching, clock, seen } = layer([{ n: 1 }, failure, timeout()], { cacheTtlMs: 1000, staleIfErrorMs: 60_000 });
    const fresh = await caching.fetch(call());
    clock.advance(42_000);
    expect(await caching.fetch(call())).toEqual({ value: { n: 1 }, fetchedAt: fresh.fetchedAt, staleReason: failure });
    expect(seen).toContainEqual({ type: 'served-stale', path: '/v1/usage', error: failure, ageSeconds: 42 });
    clock.advance(18_001);
    await expect(caching.fetch(call())).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
  });

  it('never serves stale after a failure the table marks definite (a refused credential)', async () => {
    const refused = new UpstreamAuthFailedError('X answered 401', { provider: 'X', httpStatus: 401 });
    const { caching, clock } = layer([{ n: 1 }, refused], { cacheTtlMs: 1000 });
    await caching.fetch(call());
    clock.advance(1000);
    await expect(caching.fetch(call())).rejects.toBe(refused);
  });

  it('caches nothing the call marks uncacheable, and background calls neither read nor fill it', async () => {
    const { caching, next } = layer([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    await caching.fetch(call('/head', { cacheable: () => false }));
    expect((await caching.fetch(call('/head'))).value).toEqual({ n: 2 });
    expect((await caching.fetch(call('/head', { priority: 'background' }))).value).toEqual({ n: 3 });
    expect((await caching.fetch(call('/head'))).value).toEqual({ n: 2 });
    expect(next.calls()).toBe(3);
  });

  it('treats a failing store as a miss and says so in an event, never failing the call', async () => {
    const broken: UpstreamCache = {
      get: async () => Promise.reject(new Error('store down')),
      set: async () => Promise.reject(new Error('store down')),
    };
    const { caching, seen } = layer([{ n: 1 }], { cache: broken });
    await expect(caching.fetch(call())).resolves.toMatchObject({ value: { n: 1 } });
    expect(seen.map((event) => event.type === 'cache-failed' && event.operation)).toEqual(['read', 'write']);
  });

  it('with a shared coordinator, looks at the cache again once it holds the lease: an answer another instance cached meanwhile costs no vendor call', async () => {
    const shared = new MemoryCache();
    // Every lease granted at once: the other instance has already released its own.
    const flights: FlightCoordinator = { lead: async () => ({ release: async () => {} }) };
    const other = layer([{ n: 1 }], { cache: shared, flights });
    await other.caching.fetch(call());
    // This instance's first look came before the other's write: a miss; later looks see the store.
    let looks = 0;
    const lateView: UpstreamCache = { get: (key, now) => (++looks === 1 ? Promise.resolve(undefined) : shared.get(key, now)), set: (key, entry, options) => shared.set(key, entry, options) };
    const mine = layer([{ n: 2 }], { cache: lateView, flights });
    expect((await mine.caching.fetch(call())).value).toEqual({ n: 1 });
    expect(looks).toBe(2);
    expect(mine.next.calls()).toBe(0);
  });

  it('keys entries by a digest of the credential, never the credential', async () => {
    const keys: string[] = [];
    const memory = new MemoryCache();
    const spy: UpstreamCache = { get: (key, now) => memory.get(key, now), set: (key, entry, options) => (keys.push(key), memory.set(key, entry, options)) };
    const { caching } = layer([{ n: 1 }], { cache: spy });
    await caching.fetch(call());
    expect(keys).toHaveLength(1);
    expect(keys[0]).toContain('http://vendor.test/v1/usage');
    expect(keys[0]).not.toContain(CREDENTIAL);
  });
});
