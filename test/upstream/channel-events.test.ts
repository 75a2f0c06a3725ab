import { describe, expect, it } from 'vitest';
import { ChannelEvents } from '../../src/upstream/channel-events.js';
import { HealthRecorder } from '../../src/upstream/channel-health.js';
import { logChannelEvents } from '../../src/upstream/channel-log.js';
import { CircuitBreaker } from '../../src/upstream/circuit-breaker.js';
import { UpstreamTimeoutError } from '../../src/upstream/errors.js';
import { RateBudget } from '../../src/upstream/rate-budget.js';
import { RetryBudget } from '../../src/upstream/retry-budget.js';

const T0 = 1_700_000_000_000;
const slow = new UpstreamTimeoutError('X did not answer', { provider: 'X' });

describe('HealthRecorder', () => {
  it('learns the last failure and the last success from events, beside the breaker and budgets', () => {
    const recorder = new HealthRecorder({ breaker: new CircuitBreaker(), rateBudget: new RateBudget({ limitPerMinute: 60 }), retryBudget: new RetryBudget() });
    const events = new ChannelEvents();
    events.on(recorder.listener);
    expect(recorder.snapshot(T0)).toMatchObject({ lastError: null, lastSuccessAt: null, breaker: { state: 'CLOSED', openUntil: null } });
    events.emit({ type: 'attempt-succeeded', at: T0 });
    events.emit({ type: 'attempt-failed', error: slow, at: T0 + 5 });
    events.emit({ type: 'retrying', error: slow, retry: 1, delayMs: 50 });
    expect(recorder.snapshot(T0 + 10)).toMatchObject({
      lastError: { error: slow, at: new Date(T0 + 5) },
      lastSuccessAt: new Date(T0),
      rateBudget: { limitPerMinute: 60, pausedUntil: null },
      retryBudget: { ratio: 0.2, requests: 0, retries: 0 },
    });
  });
});

describe('logChannelEvents', () => {
  function logged() {
    const lines: [string, string, Record<string, unknown> | undefined][] = [];
    const logger = {
      debug: (message: string, fields?: Record<string, unknown>) => lines.push(['debug', message, fields]),
      info: (message: string, fields?: Record<string, unknown>) => lines.push(['info', message, fields]),
      warn: (message: string, fields?: Record<string, unknown>) => lines.push(['warn', message, fields]),
    };
    const events = new ChannelEvents();
    events.on(logChannelEvents('X', logger));
    return { events, lines };
  }

  it('logs what an operator acts on, each line naming the vendor', () => {
    const { events, lines } = logged();
    events.emit({ type: 'breaker-changed', state: 'OPEN', calls: 20, failures: 12 });
    events.emit({ type: 'breaker-changed', state: 'CLOSED', calls: 0, failures: 0 });
    events.emit({ type: 'rate-budget-spent', limitPerMinute: 60, waitMs: 900 });
    events.emit({ type: 'served-stale', path: '/v1/usage', error: slow, ageSeconds: 42 });
    events.emit({ type: 'cache-failed', operation: 'write', error: new Error('store down') });
    expect(lines.map(([level, message]) => `${level} ${message}`)).toEqual([
      'warn circuit breaker opened: calls to this vendor fail fast',
      'info circuit breaker closed: vendor answering again',
      'warn vendor rate budget spent; request not sent',
      'info vendor failed; serving its last good answer, marked stale',
      'warn upstream cache write failed',
    ]);
    expect(lines.every(([, , fields]) => fields?.['provider'] === 'X')).toBe(true);
    expect(lines[3]![2]).toMatchObject({ path: '/v1/usage', code: 'UPSTREAM_TIMEOUT', ageSeconds: 42 });
  });

  it('keeps attempts and final answers out of the log; retries and cut-short retries go to debug', () => {
    const { events, lines } = logged();
    events.emit({ type: 'attempt-succeeded', at: T0 });
    events.emit({ type: 'attempt-failed', error: slow, at: T0 });
    events.emit({ type: 'not-retrying', error: slow, reason: 'not-retryable' });
    expect(lines).toEqual([]);
    events.emit({ type: 'retrying', error: slow, retry: 1, delayMs: 50 });
    events.emit({ type: 'not-retrying', error: slow, reason: 'budget-spent' });
    expect(lines.map(([level, message, fields]) => [level, message, fields?.['reason'] ?? fields?.['delayMs']])).toEqual([
      ['debug', 'retrying a failed vendor call', 50],
      ['debug', 'not retrying a failed vendor call', 'budget-spent'],
    ]);
  });
});
