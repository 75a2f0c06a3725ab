import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/upstream/cache.js';
import { CircuitBreaker } from '../../src/upstream/circuit-breaker.js';
import { errorForStatus, UpstreamTimeoutError, UpstreamUnavailableError, type UpstreamError } from '../../src/upstream/errors.js';
import { RateBudget } from '../../src/upstream/rate-budget.js';
import { parseRetryAfter } from '../../src/upstream/retry-after.js';
import { RetryBudget } from '../../src/upstream/retry-budget.js';
import { decideRetry, fullJitterBackoff, type RetryQuestion } from '../../src/upstream/retry-policy.js';
import { SingleFlight } from '../../src/upstream/single-flight.js';

const T0 = 1_700_000_000_000;

describe('decideRetry', () => {
  /** The attempt's outcome as the channel reports it: the vendor's status and the error it means. */
  const answered = (code: number, retryAfterSeconds: number | null = null) => ({
    error: errorForStatus({ provider: 'X', httpStatus: code, message: 'no', retryAfterSeconds }),
    status: code,
    retryAfterSeconds,
  });
  const base: RetryQuestion = {
    method: 'GET',
    outcome: answered(503),
    retriesSoFar: 0,
    maxRetries: 2,
    backoffMs: 40,
    remainingMs: 5000,
    budgetAllows: true,
  };
  const status = (code: number, retryAfterSeconds: number | null = null) => ({ ...base, outcome: answered(code, retryAfterSeconds) });
  /** A transport failure: no status reached us. */
  const unanswered = (error: UpstreamError) => ({ ...base, outcome: { error, status: null, retryAfterSeconds: null } });

  it.each([429, 502, 503, 504])('retries a GET answered %i after the jittered backoff', (code) => {
    expect(decideRetry(status(code))).toEqual({ retry: true, delayMs: 40 });
  });

  it.each([400, 401, 403, 404, 500, 501, 422, 200])('never retries %i', (code) => {
    expect(decideRetry(status(code))).toEqual({ retry: false, reason: 'not-retryable' });
  });

  it('retries connection failures but not timeouts', () => {
    const refused = new UpstreamUnavailableError('refused', { provider: 'X' });
    const fiveHundred = new UpstreamUnavailableError('503', { provider: 'X', httpStatus: 503 });
    const timeout = new UpstreamTimeoutError('slow', { provider: 'X' });
    expect(decideRetry(unanswered(refused))).toEqual({ retry: true, delayMs: 40 });
    expect(decideRetry(unanswered(fiveHundred)).retry).toBe(false);
    expect(decideRetry(unanswered(timeout))).toEqual({ retry: false, reason: 'not-retryable' });
  });

  it('only retries GETs', () => {
    expect(decideRetry({ ...base, method: 'POST' })).toEqual({ retry: false, reason: 'not-idempotent' });
  });

  it('stops after two retries', () => {
    expect(decideRetry({ ...base, retriesSoFar: 1 }).retry).toBe(true);
    expect(decideRetry({ ...base, retriesSoFar: 2 })).toEqual({ retry: false, reason: 'exhausted' });
  });

  it('honours Retry-After exactly, and refuses at once when it would pass the deadline', () => {
    expect(decideRetry(status(429, 3))).toEqual({ retry: true, delayMs: 3000 });
    expect(decideRetry({ ...status(429, 5), remainingMs: 5000 })).toEqual({ retry: false, reason: 'past-deadline' });
    expect(decideRetry({ ...base, backoffMs: 6000 })).toEqual({ retry: false, reason: 'past-deadline' });
  });

  it('gives up when the retry budget is spent', () => {
    expect(decideRetry({ ...base, budgetAllows: false })).toEqual({ retry: false, reason: 'budget-spent' });
  });
});

describe('fullJitterBackoff', () => {
  it('is uniform below min(cap, base * 2^retry)', () => {
    expect(fullJitterBackoff(0, 100, 2000, () => 0.999)).toBe(99);
    expect(fullJitterBackoff(1, 100, 2000, () => 0.5)).toBe(100);
    expect(fullJitterBackoff(10, 100, 2000, () => 0.5)).toBe(1000);
    expect(fullJitterBackoff(3, 100, 2000, () => 0)).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('17')).toBe(17);
    expect(parseRetryAfter(new Date(T0 + 4500).toUTCString(), T0)).toBe(4);
    expect(parseRetryAfter(new Date(T0 - 4500).toUTCString(), T0)).toBe(0);
    expect(parseRetryAfter('soon')).toBeNull();
  });
});

describe('RetryBudget', () => {
  it('keeps retries at most 20 % of requests over a sliding minute', () => {
    const budget = new RetryBudget({ ratio: 0.2 });
    expect(budget.canRetry(T0)).toBe(false);
    for (let i = 0; i < 10; i += 1) budget.recordRequest(T0);
    let retries = 0;
    while (budget.canRetry(T0)) {
      budget.recordRetry(T0);
      retries += 1;
    }
    expect(retries).toBe(2);
    const { requests } = budget.snapshot(T0);
    expect(retries / requests).toBeLessThanOrEqual(0.2);
    // A minute later the window has emptied.
    expect(budget.snapshot(T0 + 60_001)).toEqual({ ratio: 0.2, requests: 0, retries: 0 });
  });
});

describe('CircuitBreaker', () => {
  const breaker = () => new CircuitBreaker({ failureRateThreshold: 0.5, minimumCalls: 20, windowMs: 10_000, openMs: 30_000 });

  it('stays closed under 20 calls, whatever fails', () => {
    const b = breaker();
    for (let i = 0; i < 19; i += 1) b.record(T0, true, false);
    expect(b.snapshot(T0).state).toBe('CLOSED');
  });

  it('opens at 50 % failures over 20 calls in 10 s, refuses for 30 s, then lets one probe decide', () => {
    const b = breaker();
    for (let i = 0; i < 10; i += 1) b.record(T0, false, false);
    for (let i = 0; i < 9; i += 1) b.record(T0, true, false);
    expect(b.snapshot(T0).state).toBe('CLOSED');
    b.record(T0, true, false);
    expect(b.snapshot(T0)).toMatchObject({ state: 'OPEN', calls: 20, failures: 10, failureRate: 0.5, openUntil: T0 + 30_000 });
    expect(b.acquire(T0 + 29_999)).toEqual({ allowed: false, retryAfterMs: 1 });
    expect(b.snapshot(T0 + 30_000).state).toBe('HALF_OPEN');
    expect(b.acquire(T0 + 30_000)).toEqual({ allowed: true, probe: true });
    expect(b.acquire(T0 + 30_001).allowed).toBe(false);
    b.record(T0 + 30_002, true, true);
    expect(b.snapshot(T0 + 30_002)).toMatchObject({ state: 'OPEN', openUntil: T0 + 60_002 });
    expect(b.acquire(T0 + 60_002)).toEqual({ allowed: true, probe: true });
    b.record(T0 + 60_003, false, true);
    expect(b.snapshot(T0 + 60_003)).toMatchObject({ state: 'CLOSED', calls: 0 });
  });

  it('forgets failures older than its window', () => {
    const b = breaker();
    for (let i = 0; i < 15; i += 1) b.record(T0, true, false);
    for (let i = 0; i < 5; i += 1) b.record(T0 + 10_001, true, false);
    expect(b.snapshot(T0 + 10_001)).toMatchObject({ state: 'CLOSED', calls: 5 });
  });

  it('a released probe permit lets the next call probe', () => {
    const b = breaker();
    for (let i = 0; i < 20; i += 1) b.record(T0, true, false);
    expect(b.acquire(T0 + 30_000)).toEqual({ allowed: true, probe: true });
    b.release(true);
    expect(b.acquire(T0 + 30_000)).toEqual({ allowed: true, probe: true });
  });
});

describe('RateBudget', () => {
  it('never grants more than the limit per sliding minute, and says how long to wait', () => {
    const budget = new RateBudget({ limitPerMinute: 3 });
    expect([budget.tryAcquire(T0), budget.tryAcquire(T0 + 10), budget.tryAcquire(T0 + 20)]).toEqual([0, 0, 0]);
    expect(budget.tryAcquire(T0 + 30)).toBe(60_000 - 30);
    expect(budget.snapshot(T0 + 30)).toMatchObject({ used: 3, remaining: 0 });
    expect(budget.tryAcquire(T0 + 60_000)).toBe(0);
  });

  it('tightens to a lower limit the vendor reports, never loosens past the configured one', () => {
    const budget = new RateBudget({ limitPerMinute: 60 });
    budget.observeLimit(500);
    expect(budget.limit).toBe(60);
    budget.observeLimit(2);
    expect(budget.limit).toBe(2);
    expect(budget.snapshot(T0)).toMatchObject({ limitPerMinute: 2, configuredLimitPerMinute: 60, reportedLimitPerMinute: 2 });
  });

  it('pauses after a 429 for its Retry-After, and on remaining 0 until the reset', () => {
    const budget = new RateBudget({ limitPerMinute: 60 });
    budget.observeRateLimited(T0, 7);
    expect(budget.tryAcquire(T0 + 1000)).toBe(6000);
    expect(budget.tryAcquire(T0 + 7000)).toBe(0);
    const headers = new RateBudget({ limitPerMinute: 60 });
    headers.observeHeaders(T0, { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '5' });
    expect(headers.snapshot(T0)).toMatchObject({ limitPerMinute: 10, pausedUntil: T0 + 5000 });
    const draft = new RateBudget({ limitPerMinute: 60 });
    draft.observeHeaders(T0, { 'ratelimit-limit': '20;w=60' });
    expect(draft.limit).toBe(20);
  });
});

describe('MemoryCache', () => {
  it('evicts the least recently used entry past maxEntries, and expired ones on read', async () => {
    const cache = new MemoryCache({ maxEntries: 2 });
    const write = (key: string) => cache.set(key, { value: key, fetchedAt: T0 }, { expiresAt: T0 + 1000, weight: 1 });
    await write('a');
    await write('b');
    expect(await cache.get('a', T0)).toBeDefined();
    await write('c');
    expect(await cache.get('b', T0)).toBeUndefined();
    expect(await cache.get('a', T0)).toBeDefined();
    expect(await cache.get('a', T0 + 1000)).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('is bounded by bytes too, and refuses an entry larger than the whole cache', async () => {
    const cache = new MemoryCache({ maxEntries: 100, maxBytes: 100 });
    await cache.set('a', { value: 1, fetchedAt: T0 }, { expiresAt: T0 + 1000, weight: 60 });
    await cache.set('b', { value: 2, fetchedAt: T0 }, { expiresAt: T0 + 1000, weight: 60 });
    expect(await cache.get('a', T0)).toBeUndefined();
    await cache.set('huge', { value: 3, fetchedAt: T0 }, { expiresAt: T0 + 1000, weight: 101 });
    expect(await cache.get('huge', T0)).toBeUndefined();
    expect(await cache.get('b', T0)).toBeDefined();
  });
});

describe('SingleFlight', () => {
  it('shares one promise among concurrent callers, and forgets it once settled', async () => {
    const flight = new SingleFlight<number>();
    let starts = 0;
    let release!: (value: number) => void;
    const start = () => {
      starts += 1;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const all = Promise.all(Array.from({ length: 50 }, () => flight.run('k', start)));
    release(7);
    expect(await all).toEqual(Array(50).fill(7));
    expect(starts).toBe(1);
    expect(flight.size).toBe(0);
    await flight.run('k', async () => {
      starts += 1;
      return 8;
    });
    expect(starts).toBe(2);
  });
});
