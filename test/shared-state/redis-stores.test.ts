import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { MemoryCallerWindows } from '../../src/edge/caller-windows.js';
import { GatewayMetrics } from '../../src/observability/metrics.js';
import { startRedisSharedState, type SharedState } from '../../src/shared-state/redis-shared-state.js';
import { digest } from '../../src/shared-state/redis-connection.js';
import { credentialHash } from '../../src/upstream/cache.js';
import { CachingLayer } from '../../src/upstream/caching-layer.js';
import type { Caller, ChannelCall, Received } from '../../src/upstream/channel-call.js';
import { ChannelEvents } from '../../src/upstream/channel-events.js';
import { UpstreamTimeoutError } from '../../src/upstream/errors.js';
import { DEFAULT_POLICY } from '../../src/upstream/policy.js';
import { FakeClock } from '../support/fake-clock.js';
import { HAS_REDIS_SERVER, REDIS_SUITE, startTestRedis, type TestRedis } from '../support/redis-server.js';
import { eventually } from '../support/eventually.js';

const CREDENTIAL = 'sk_test_shared_state_credential';
const POLICY = { ...DEFAULT_POLICY, rateLimitPerMinute: 10, callerShareRatio: 1 };

interface Line {
  level: 'info' | 'warn';
  message: string;
  fields: Record<string, unknown> | undefined;
}

/** One "instance": its own Redis connection and stores, a log of its own, a clock of its own. */
async function instance(redis: TestRedis, options: { instances?: number; clock?: FakeClock; prefix?: string; url?: string } = {}) {
  const lines: Line[] = [];
  const clock = options.clock ?? new FakeClock(Date.now());
  const shared = await startRedisSharedState({
    config: { redisUrl: options.url ?? redis.url, instances: options.instances ?? 1, keyPrefix: options.prefix ?? 'test:', commandTimeoutMs: 300 },
    cacheMaxEntries: 100,
    cacheMaxBytes: 1 << 20,
    logger: {
      info: (message, fields) => lines.push({ level: 'info', message, fields }),
      warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
    },
    clock,
    connectWaitMs: 1000,
    probeIntervalMs: 100,
    settleMs: 200,
  });
  opened.push(shared);
  return { shared, lines, clock };
}

const opened: SharedState[] = [];

/** A vendor stand-in that counts its calls, answering after `delayMs` (real time). */
function vendor(clock: FakeClock, answer: () => unknown, delayMs = 0) {
  let calls = 0;
  return {
    calls: () => calls,
    async call<T>(): Promise<Received<T>> {
      calls += 1;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const value = answer();
      if (value instanceof Error) throw value;
      return { value: value as T, receivedAt: clock.now(), weight: 64 };
    },
  } satisfies Caller & Record<string, unknown>;
}

function cachingLayer(shared: SharedState, clock: FakeClock, next: Caller) {
  return new CachingLayer({
    provider: 'SHARPE',
    credential: CREDENTIAL,
    cache: shared.cache,
    flights: shared.flights,
    policy: { cacheTtlMs: 30_000, staleIfErrorMs: 600_000, timeoutMs: 2000 },
    clock,
    events: new ChannelEvents(),
    next,
  });
}

const usageCall = (path = '/v1/usage'): ChannelCall<unknown> => ({
  url: new URL(`http://vendor.test${path}`),
  headers: {},
  interpret: () => {
    throw new Error('never interpreted here');
  },
});

describe('configuration of the shared state', () => {
  it('without REDIS_URL nothing is shared; GATEWAY_INSTANCES defaults to 1', () => {
    expect(loadConfig({}).sharedState).toEqual({ redisUrl: null, instances: 1, keyPrefix: 'usage-gateway:', commandTimeoutMs: 500 });
  });

  it('refuses a REDIS_URL that is not redis:// or rediss://, naming the variable and never echoing its password', () => {
    for (const bad of ['http://:hunter2-secret@redis:6379', 'hunter2-secret@redis:6379', 'redis://:hunter2-secret@/0', 'redis://:hunter2-secret@redis:6379/db/x']) {
      let error: unknown;
      try {
        loadConfig({ REDIS_URL: bad, GATEWAY_INSTANCES: '0' });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toContain('REDIS_URL: expected a redis:// or rediss:// URL');
      expect(message).toContain('GATEWAY_INSTANCES: expected a whole number from 1 to 1000');
      expect(message).not.toContain('hunter2-secret');
    }
    expect(loadConfig({ REDIS_URL: 'rediss://:pw-pw-pw@redis.internal:6380/2', GATEWAY_INSTANCES: '3' }).sharedState).toMatchObject({
      redisUrl: 'rediss://:pw-pw-pw@redis.internal:6380/2',
      instances: 3,
    });
  });
});

describe.skipIf(!HAS_REDIS_SERVER)(`shared state in Redis (${REDIS_SUITE})`, () => {
  let redis: TestRedis;
  let raw: Redis;
  beforeAll(async () => {
    redis = await startTestRedis();
    raw = new Redis(redis.url);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((shared) => shared.close()));
    if (raw.status === 'ready') await raw.flushall();
  });
  afterAll(async () => {
    raw.disconnect();
    await redis?.close();
  });

  it('shares vendor answers between instances (Dates kept), never a raw credential, and serves them stale when the vendor fails', async () => {
    const a = await instance(redis);
    const b = await instance(redis);
    const answer = { plan: 'pro', resetsAt: new Date('2026-02-01T00:00:00.000Z'), big: 2 ** 40 };
    const vendorA = vendor(a.clock, () => answer);
    const vendorB = vendor(b.clock, () => new UpstreamTimeoutError('slow', { provider: 'SHARPE' }));
    const first = await cachingLayer(a.shared, a.clock, vendorA).fetch(usageCall());
    const fromB = await cachingLayer(b.shared, b.clock, vendorB).fetch(usageCall());
    expect(vendorA.calls() + vendorB.calls()).toBe(1);
    expect(fromB.value).toEqual(answer);
    expect((fromB.value as typeof answer).resetsAt).toBeInstanceOf(Date);
    expect(fromB.fetchedAt).toEqual(first.fetchedAt);
    expect(fromB.staleReason).toBeNull();

    // Past the TTL B asks its vendor, which times out: the shared answer is served, stale.
    b.clock.advance(31_000);
    const stale = await cachingLayer(b.shared, b.clock, vendorB).fetch(usageCall());
    expect(vendorB.calls()).toBe(1);
    expect(stale.staleReason?.code).toBe('UPSTREAM_TIMEOUT');
    expect(stale.value).toEqual(answer);
    // Past the stale-if-error window too: the failure is the answer.
    b.clock.advance(600_000);
    await expect(cachingLayer(b.shared, b.clock, vendorB).fetch(usageCall())).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });

    const keys = await raw.keys('*');
    expect(keys.some((key) => key.startsWith('test:cache:SHARPE'))).toBe(true);
    const dump = (await Promise.all(keys.map((key) => raw.type(key).then((type) => (type === 'string' ? raw.get(key) : ''))))).join('\n');
    expect(keys.join('\n') + dump).not.toContain(CREDENTIAL);
    // The entry expires in Redis with the stale-if-error window, not before.
    const ttl = await raw.pttl(keys.find((key) => key.startsWith('test:cache:'))!);
    expect(ttl).toBeGreaterThan(30_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
  });

  it('single-flight across instances: 3 instances x 50 concurrent callers cost the vendor one call', async () => {
    const instances = await Promise.all([instance(redis), instance(redis), instance(redis)]);
    const vendors = instances.map(({ clock }) => vendor(clock, () => ({ n: 1 }), 150));
    const layers = instances.map(({ shared, clock }, i) => cachingLayer(shared, clock, vendors[i]!));
    const answers = await Promise.all(layers.flatMap((layer) => Array.from({ length: 50 }, () => layer.fetch(usageCall()))));
    expect(answers).toHaveLength(150);
    expect(answers.every((answer) => (answer.value as { n: number }).n === 1)).toBe(true);
    expect(vendors.reduce((sum, v) => sum + v.calls(), 0)).toBe(1);
  });

  it("a holder that crashed blocks nobody past its lease's deadline", async () => {
    const b = await instance(redis);
    // The lease an instance took for this call just before it died: never released, 500 ms to live.
    const cacheKey = `SHARPE\u0000${credentialHash(CREDENTIAL)}\u0000${usageCall().url.href}`;
    expect(await raw.set(`test:lease:${digest(cacheKey)}`, 'crashed-holder', 'PX', 500, 'NX')).toBe('OK');
    const waiting = vendor(b.clock, () => ({ n: 2 }));
    const answer = await cachingLayer(b.shared, b.clock, waiting).fetch(usageCall());
    expect(answer.value).toEqual({ n: 2 });
    // It waited for the lease to expire, then led the call itself: once.
    expect(waiting.calls()).toBe(1);
    expect(await raw.exists(`test:lease:${digest(cacheKey)}`)).toBe(0);
  });

  it('the Lua budget never passes the limit, summed over instances calling at once', async () => {
    const instances = await Promise.all([1, 2, 3].map(() => instance(redis)));
    const budgets = instances.map(({ shared }) => shared.rateBudgetFor('SHARPE', CREDENTIAL, POLICY));
    const now = Date.now();
    const waits = await Promise.all(budgets.flatMap((budget) => Array.from({ length: 20 }, () => budget.tryAcquire(now))));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(10);
    // Those refused are told to wait about a minute, never less than 1 ms.
    expect(Math.min(...waits.filter((wait) => wait > 0))).toBeGreaterThan(50_000);
    expect(budgets[0]!.snapshot(now)).toMatchObject({ limitPerMinute: 10, remaining: 0 });
    // Background calls leave a quarter to foreground ones: on a fresh budget at most 7 of 10.
    const other = budgets.map((budget, i) => instances[i]!.shared.rateBudgetFor('FARADAY', CREDENTIAL, POLICY));
    const background = await Promise.all(other.flatMap((budget) => Array.from({ length: 5 }, () => budget.tryAcquire(now, 'background'))));
    expect(background.filter((wait) => wait === 0)).toHaveLength(10 - Math.floor(10 * 0.25));
  });

  it('shares a 429 pause and a reported lower limit; one caller keeps to its share across instances', async () => {
    const [a, b] = await Promise.all([instance(redis), instance(redis)]);
    const budgetA = a.shared.rateBudgetFor('SHARPE', CREDENTIAL, POLICY);
    const budgetB = b.shared.rateBudgetFor('SHARPE', CREDENTIAL, POLICY);
    budgetA.observeRateLimited(a.clock.now(), 5);
    await eventually(async () => (await budgetB.tryAcquire(b.clock.now())) > 0, { withinMs: 10_000, everyMs: 20 });
    const wait = await budgetB.tryAcquire(b.clock.now());
    expect(wait).toBeGreaterThan(3000);
    expect(wait).toBeLessThanOrEqual(5000);

    const limitA = a.shared.rateBudgetFor('ANYLAYER', CREDENTIAL, POLICY);
    const limitB = b.shared.rateBudgetFor('ANYLAYER', CREDENTIAL, POLICY);
    limitA.observeHeaders(a.clock.now(), { 'x-ratelimit-limit': '3' });
    await eventually(async () => (await raw.hget(`test:budget:{ANYLAYER:${credentialHash(CREDENTIAL)}}:meta`, 'reported')) === '3', { withinMs: 10_000, everyMs: 20 });
    const admitted = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? limitA : limitB).tryAcquire(Date.now())));
    expect(admitted.filter((w) => w === 0)).toHaveLength(3);
    expect(limitB.snapshot(Date.now())).toMatchObject({ limitPerMinute: 3, reportedLimitPerMinute: 3 });

    const halfShare = { ...POLICY, callerShareRatio: 0.5 };
    const shareA = a.shared.rateBudgetFor('FARADAY', CREDENTIAL, halfShare);
    const shareB = b.shared.rateBudgetFor('FARADAY', CREDENTIAL, halfShare);
    const byOne = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? shareA : shareB).tryAcquire(Date.now(), 'foreground', 'api-key:dashboard')));
    expect(byOne.filter((w) => w === 0)).toHaveLength(5);
    expect(await shareB.tryAcquire(Date.now(), 'foreground', 'api-key:other')).toBe(0);
  });

  it('counts a caller across instances (no address or name in Redis)', async () => {
    const [a, b] = await Promise.all([instance(redis), instance(redis)]);
    const takes = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).shared.callerWindows.take('address:10.1.2.3', Date.now(), 4)));
    expect(takes.filter((wait) => wait === 0)).toHaveLength(4);
    expect(Math.min(...takes.filter((wait) => wait > 0))).toBeGreaterThan(50_000);
    expect((await raw.keys('*')).join(' ')).not.toContain('10.1.2.3');
    // Whole answers are shared too.
    const expiresAt = Date.now() + 1000;
    await a.shared.responseStore.set('query-key', { data: { n: 1 } }, expiresAt, Date.now());
    // With its expiry, from which each instance's Cache-Control max-age is computed.
    expect(await b.shared.responseStore.get('query-key', Date.now())).toEqual({ result: { data: { n: 1 } }, expiresAt });
    expect(await b.shared.responseStore.get('query-key', expiresAt)).toBeUndefined();
  });

  it('Redis stopped: no throw, 1/GATEWAY_INSTANCES of the budget after a blind minute, metric 0, one log line; back when restarted, local calls handed back', async () => {
    const clock = new FakeClock(Date.now());
    const a = await instance(redis, { instances: 3, clock });
    const metrics = new GatewayMetrics({ processMetrics: false });
    metrics.watchSharedState(() => a.shared.up);
    const gauge = async () => /usage_gateway_shared_state_up (\d)/.exec((await metrics.exposition()).body)?.[1];
    const budget = a.shared.rateBudgetFor('SHARPE', CREDENTIAL, { ...POLICY, rateLimitPerMinute: 30 });
    expect(await budget.tryAcquire(clock.now())).toBe(0);
    expect(await gauge()).toBe('1');
    expect(a.lines.map((line) => line.level)).toEqual(['info']);

    await redis.stop();
    await eventually(() => !a.shared.up, { withinMs: 10_000, everyMs: 20 });
    expect(await gauge()).toBe('0');
    // Requests go on during the outage, none throws, and only one line says so.
    const waits: number[] = [];
    for (let i = 0; i < 50; i += 1) waits.push(await budget.tryAcquire(clock.now()));
    expect(waits.every((wait) => wait > 0)).toBe(true);
    clock.advance(60_000);
    for (let i = 0; i < 50; i += 1) waits.push(await budget.tryAcquire(clock.now()));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(30 / 3);
    expect(budget.snapshot(clock.now())).toMatchObject({ limitPerMinute: 10, remaining: 0 });
    await a.shared.cache.get('anything', clock.now());
    await a.shared.callerWindows.take('someone', clock.now(), 9);
    const warnings = a.lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('GATEWAY_INSTANCES=3');

    await redis.start();
    await eventually(() => a.shared.up, { withinMs: 10_000, everyMs: 20 });
    expect(await gauge()).toBe('1');
    expect(a.lines.map((line) => line.level)).toEqual(['info', 'warn', 'info']);
    // Redis came back empty (no persistence): the ten calls made locally were handed back before
    // the state turned shared again (the one made before the outage is a minute old by now).
    const [sent] = await raw.keys('test:budget:*:sent');
    expect(await raw.zcard(sent!)).toBe(10);
    expect(budget.snapshot(clock.now())).toMatchObject({ limitPerMinute: 30 });
    expect(await budget.tryAcquire(clock.now())).toBe(0);
    expect(await raw.zcard(sent!)).toBe(11);
  });

  it('a hung Redis (SIGSTOP) fails commands within the timeout instead of hanging, and comes back when resumed', async () => {
    const a = await instance(redis);
    const budget = a.shared.rateBudgetFor('SHARPE', CREDENTIAL, POLICY);
    redis.pause();
    try {
      const started = Date.now();
      expect(await budget.tryAcquire(Date.now())).toBeGreaterThan(0);
      await expect(a.shared.cache.get('some-key', Date.now())).resolves.toBeUndefined();
      // Bounded by the command timeout (300 ms), far below any request deadline.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(a.shared.up).toBe(false);
    } finally {
      redis.resume();
    }
    await eventually(() => a.shared.up, { withinMs: 10_000, everyMs: 20 });
  });

  it("never writes REDIS_URL's password in a log line, also when Redis refuses it", async () => {
    // The already authenticated raw connection keeps working while the password is set.
    await raw.config('SET', 'requirepass', 'the-right-password');
    const url = redis.url.replace('redis://', 'redis://:not-the-password-5ecret@');
    const a = await instance(redis, { url }).finally(() => raw.config('SET', 'requirepass', ''));
    expect(a.shared.up).toBe(false);
    expect(JSON.stringify(a.lines)).not.toContain('not-the-password-5ecret');
    expect(a.lines).toHaveLength(1);
    expect(a.lines[0]!.fields).toMatchObject({ redis: `redis://127.0.0.1:${redis.port}/0` });
  });
});

// The embedded store the shared one falls back to keeps the old behaviour exactly.
describe('MemoryCallerWindows', () => {
  it('counts up to the limit and says when the oldest request leaves the minute', () => {
    const windows = new MemoryCallerWindows();
    expect([0, 1, 2].map((i) => windows.take('a', 1000 + i, 2))).toEqual([0, 0, 59_998]);
  });
});
