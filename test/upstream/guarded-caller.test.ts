import { describe, expect, it } from 'vitest';
import { Admission } from '../../src/upstream/admission.js';
import type { ChannelCall } from '../../src/upstream/channel-call.js';
import { ChannelEvents, type ChannelEvent } from '../../src/upstream/channel-events.js';
import { CircuitBreaker } from '../../src/upstream/circuit-breaker.js';
import { errorForStatus, UpstreamUnavailableError } from '../../src/upstream/errors.js';
import { GuardedCaller } from '../../src/upstream/guarded-caller.js';
import type { UpstreamRequest, UpstreamResponse } from '../../src/upstream/http.js';
import { RateBudget } from '../../src/upstream/rate-budget.js';
import { RetryBudget } from '../../src/upstream/retry-budget.js';
import { FakeClock } from '../support/fake-clock.js';

type Step = { status: number; body?: string; retryAfter?: number; takesMs?: number } | 'refused';

/** A transport that answers from a script, taking `takesMs` of fake time, and records what it was asked. */
function scriptedTransport(clock: FakeClock, script: Step[]) {
  const requests: UpstreamRequest[] = [];
  return {
    requests,
    async get(request: UpstreamRequest): Promise<UpstreamResponse> {
      requests.push(request);
      const step = script.shift() ?? { status: 200, body: '{"n":1}' };
      if (step === 'refused') throw new UpstreamUnavailableError('X could not be reached: ECONNREFUSED', { provider: 'X' });
      clock.advance(step.takesMs ?? 0);
      return { status: step.status, headers: {}, text: step.body ?? '{}', retryAfterSeconds: step.retryAfter ?? null };
    },
  };
}

const call: ChannelCall<{ n: number }> = {
  url: new URL('http://vendor.test/v1/usage'),
  headers: { authorization: 'Bearer sk_guarded' },
  interpret: (response) => {
    if (response.status !== 200) throw errorForStatus({ provider: 'X', httpStatus: response.status, message: 'no', retryAfterSeconds: response.retryAfterSeconds });
    return JSON.parse(response.text) as { n: number };
  },
};

function guarded(script: Step[], policy: Partial<{ timeoutMs: number; maxRetries: number }> = {}) {
  const clock = new FakeClock();
  const events = new ChannelEvents();
  const seen: ChannelEvent[] = [];
  events.on((event) => seen.push(event));
  const breaker = new CircuitBreaker({ minimumCalls: 1000 });
  const admission = new Admission({ provider: 'X', breaker, rateBudget: new RateBudget({ limitPerMinute: 1000 }), clock, events });
  const http = scriptedTransport(clock, script);
  const caller = new GuardedCaller({
    provider: 'X',
    credential: 'sk_guarded',
    http,
    policy: { timeoutMs: 8000, maxRetries: 2, retryBaseDelayMs: 100, retryMaxDelayMs: 2000, ...policy },
    admission,
    retryBudget: new RetryBudget({ ratio: 1 }),
    clock,
    events,
  });
  return { caller, http, clock, seen, breaker };
}

describe('GuardedCaller', () => {
  it('reports each attempt, each retry and its delay as events, in order', async () => {
    const { caller, seen, clock } = guarded(['refused', { status: 503 }, { status: 200, body: '{"n":3}' }]);
    const start = clock.now();
    await expect(caller.call(call)).resolves.toMatchObject({ value: { n: 3 }, receivedAt: start + 150, weight: 7 });
    expect(seen.map((event) => (event.type === 'retrying' ? `${event.type}:${event.retry}:${event.delayMs}` : event.type))).toEqual([
      'attempt-failed',
      'retrying:1:50',
      'attempt-failed',
      'retrying:2:100',
      'attempt-succeeded',
    ]);
  });

  it('gives up when the backoff would pass the deadline, with the attempt\'s own failure', async () => {
    const { caller, http, seen } = guarded([{ status: 503, takesMs: 7990 }], { timeoutMs: 8000 });
    await expect(caller.call(call)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', httpStatus: 503 });
    // 10 ms were left, and the backoff of 50 ms would pass the deadline: no second attempt.
    expect(http.requests.map((request) => request.timeoutMs)).toEqual([8000]);
    expect(seen.at(-1)).toMatchObject({ type: 'not-retrying', reason: 'past-deadline' });
  });

  it('gives each attempt only the time left before the one deadline of the call', async () => {
    const { caller, http } = guarded([{ status: 503, takesMs: 1000 }, { status: 200, body: '{"n":2}' }], { timeoutMs: 8000 });
    await caller.call(call);
    // 1000 ms on the first attempt, 50 ms of backoff.
    expect(http.requests.map((request) => request.timeoutMs)).toEqual([8000, 6950]);
  });

  it('carries the credential to the transport as a secret to redact', async () => {
    const { caller, http } = guarded([]);
    await caller.call(call);
    expect(http.requests[0]).toMatchObject({ provider: 'X', secrets: ['sk_guarded'], headers: call.headers });
  });

  it('rethrows a bug in interpret as it is, and hands back the breaker probe it held', async () => {
    const { caller, breaker, clock } = guarded([]);
    for (let i = 0; i < 1000; i += 1) breaker.record(clock.now(), true, false);
    clock.advance(30_000);
    const bug = new TypeError('cannot read n of undefined');
    await expect(caller.call({ ...call, interpret: () => { throw bug; } })).rejects.toBe(bug);
    // The probe is free again: the next call is let through as the probe.
    expect(breaker.acquire(clock.now())).toEqual({ allowed: true, probe: true });
  });

  it('tells the rate budget what the value reports', async () => {
    const clock = new FakeClock();
    const events = new ChannelEvents();
    const rateBudget = new RateBudget({ limitPerMinute: 100 });
    const admission = new Admission({ provider: 'X', breaker: new CircuitBreaker(), rateBudget, clock, events });
    const caller = new GuardedCaller({
      provider: 'X',
      credential: 'sk',
      http: scriptedTransport(clock, []),
      policy: { timeoutMs: 8000, maxRetries: 0, retryBaseDelayMs: 100, retryMaxDelayMs: 2000 },
      admission,
      retryBudget: new RetryBudget(),
      clock,
      events,
    });
    await caller.call({ ...call, reportedRateLimit: () => 7 });
    expect(rateBudget.limit).toBe(7);
  });
});
