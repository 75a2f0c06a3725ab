import { describe, expect, it } from 'vitest';
import { Admission } from '../../src/upstream/admission.js';
import { ChannelEvents, type ChannelEvent } from '../../src/upstream/channel-events.js';
import { CircuitBreaker } from '../../src/upstream/circuit-breaker.js';
import { errorForStatus, UpstreamBadResponseError, UpstreamTimeoutError } from '../../src/upstream/errors.js';
import { RateBudget } from '../../src/upstream/rate-budget.js';
import { FakeClock } from '../support/fake-clock.js';

function admission(limitPerMinute = 1000) {
  const clock = new FakeClock();
  const events = new ChannelEvents();
  const seen: ChannelEvent[] = [];
  events.on((event) => seen.push(event));
  const breaker = new CircuitBreaker({ minimumCalls: 4, failureRateThreshold: 0.5, openMs: 30_000 });
  const rateBudget = new RateBudget({ limitPerMinute });
  return { gate: new Admission({ provider: 'X', breaker, rateBudget, clock, events }), clock, seen, breaker, rateBudget };
}

describe('Admission', () => {
  it('counts only the failures the table says trip the breaker, and reports each change of state once', async () => {
    const { gate, clock, seen, breaker } = admission();
    const refused = errorForStatus({ provider: 'X', httpStatus: 401, message: 'no' });
    for (let i = 0; i < 4; i += 1) gate.settle(clock.now(), await gate.admit(clock.now() + 8000, null), refused);
    expect(breaker.snapshot(clock.now())).toMatchObject({ state: 'CLOSED', failures: 0 });
    const broken = new UpstreamBadResponseError('X broke its contract', { provider: 'X' });
    for (let i = 0; i < 4; i += 1) gate.settle(clock.now(), await gate.admit(clock.now() + 8000, null), broken);
    expect(breaker.snapshot(clock.now()).state).toBe('OPEN');
    expect(seen).toEqual([{ type: 'breaker-changed', state: 'OPEN', calls: 8, failures: 4 }]);
  });

  it('refuses at once while the breaker is open, with the previous attempt\'s error when there is one', async () => {
    const { gate, clock, breaker } = admission();
    for (let i = 0; i < 4; i += 1) breaker.record(clock.now(), true, false);
    await expect(gate.admit(clock.now() + 8000, null)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 30 });
    const previous = new UpstreamTimeoutError('slow', { provider: 'X' });
    await expect(gate.admit(clock.now() + 8000, previous)).rejects.toBe(previous);
  });

  it('waits for a rate-budget slot inside the deadline; past it, refuses, frees the probe and reports it', async () => {
    const { gate, clock, seen } = admission(1);
    await gate.admit(clock.now() + 90_000, null);
    await expect(gate.admit(clock.now() + 90_000, null)).resolves.toEqual({ probe: false });
    expect(clock.sleeps).toEqual([60_000]);
    await expect(gate.admit(clock.now() + 8000, null)).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfterSeconds: 60 });
    expect(seen).toEqual([{ type: 'rate-budget-spent', limitPerMinute: 1, waitMs: 60_000 }]);
  });

  it("pauses the budget on a 429's Retry-After and on a spent `remaining`", () => {
    const { gate, clock, rateBudget } = admission();
    gate.observeResponse(clock.now(), { status: 429, headers: {}, text: '', retryAfterSeconds: 5 });
    expect(rateBudget.snapshot(clock.now()).pausedUntil).toBe(clock.now() + 5000);
    gate.observeResponse(clock.now(), { status: 200, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '9' }, text: '', retryAfterSeconds: null });
    expect(rateBudget.snapshot(clock.now()).pausedUntil).toBe(clock.now() + 9000);
  });
});
