import { describe, expect, it } from 'vitest';
import { Admission } from '../../src/upstream/admission.js';
import { ChannelEvents } from '../../src/upstream/channel-events.js';
import { CircuitBreaker } from '../../src/upstream/circuit-breaker.js';
import { UpstreamUnavailableError } from '../../src/upstream/errors.js';
import { GuardedCaller } from '../../src/upstream/guarded-caller.js';
import type { UpstreamResponse } from '../../src/upstream/http.js';
import { resolvePolicy } from '../../src/upstream/policy.js';
import { RateBudget } from '../../src/upstream/rate-budget.js';
import { createRequestScope, currentRequestScope, runInRequestScope } from '../../src/common/request-scope.js';
import { RetryBudget } from '../../src/upstream/retry-budget.js';
import { FakeClock } from '../support/fake-clock.js';

const T0 = 1_700_000_000_000;

describe("a caller's share of a vendor's rate budget", () => {
  it('keeps the rest of the minute for other callers, and for nobody in particular', () => {
    const budget = new RateBudget({ limitPerMinute: 4, callerShare: 0.5 });
    expect(budget.callerLimit).toBe(2);
    expect([budget.tryAcquire(T0, 'foreground', 'a'), budget.tryAcquire(T0 + 10, 'foreground', 'a')]).toEqual([0, 0]);
    // a's share is spent until its first request leaves the minute; b still gets through.
    expect(budget.tryAcquire(T0 + 20, 'foreground', 'a')).toBe(60_000 - 20);
    expect(budget.tryAcquire(T0 + 30, 'foreground', 'b')).toBe(0);
    expect(budget.tryAcquire(T0 + 40, 'foreground', null)).toBe(0);
    // The whole budget is now spent, for everyone.
    expect(budget.tryAcquire(T0 + 50, 'foreground', 'c')).toBe(60_000 - 50);
    expect(budget.tryAcquire(T0 + 60_000, 'foreground', 'a')).toBe(0);
  });

  it('never falls below one request, and background calls count against no caller', () => {
    const budget = new RateBudget({ limitPerMinute: 1, callerShare: 0.5 });
    expect(budget.callerLimit).toBe(1);
    const wide = new RateBudget({ limitPerMinute: 8, callerShare: 0.5 });
    for (let i = 0; i < 6; i += 1) expect(wide.tryAcquire(T0 + i, 'background', null)).toBe(0);
    expect(wide.tryAcquire(T0 + 10, 'foreground', 'a')).toBe(0);
    expect(wide.tryAcquire(T0 + 11, 'foreground', 'a')).toBe(0);
    expect(wide.tryAcquire(T0 + 12, 'foreground', 'b')).toBeGreaterThan(0);
  });
});

describe('the request scope', () => {
  it('counts every attempt that left for the vendor, retries included, and names the caller to admission', async () => {
    const clock = new FakeClock(T0);
    const events = new ChannelEvents();
    const rateBudget = new RateBudget({ limitPerMinute: 100, callerShare: 0.02 });
    const admission = new Admission({ provider: 'X', breaker: new CircuitBreaker(), rateBudget, clock, events });
    const statuses = [503, 200];
    const http = {
      get: async (): Promise<UpstreamResponse> => ({ status: statuses.shift()!, headers: {}, text: '{}', retryAfterSeconds: null }) as UpstreamResponse,
    };
    const caller = new GuardedCaller({
      provider: 'X',
      credential: 'secret',
      http,
      policy: resolvePolicy({ maxRetries: 2, retryBaseDelayMs: 1 }),
      admission,
      retryBudget: new RetryBudget({ ratio: 1 }),
      clock,
      events,
    });
    const call = {
      url: new URL('http://vendor.test/usage'),
      headers: {},
      interpret: (response: UpstreamResponse) => {
        if (response.status !== 200) throw new UpstreamUnavailableError('X answered 503', { provider: 'X', httpStatus: 503 });
        return 'ok';
      },
    };
    const scope = createRequestScope('a');
    expect(currentRequestScope()).toBeUndefined();
    const answer = await runInRequestScope(scope, () => caller.call(call));
    expect(answer.value).toBe('ok');
    expect(scope.vendorCalls).toBe(2);
    // Both attempts were a's, and a's share of this budget is two requests.
    await expect(runInRequestScope(createRequestScope('a'), () => caller.call(call))).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED' });
    const background = createRequestScope('a');
    statuses.push(200);
    await runInRequestScope(background, () => caller.call({ ...call, priority: 'background' }));
    expect(background.vendorCalls).toBe(0);
  });
});
