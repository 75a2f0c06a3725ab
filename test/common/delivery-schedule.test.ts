import { describe, expect, it } from 'vitest';
import {
  ATTEMPT_DEADLINE_MS,
  DeliveryAttemptError,
  MAX_ATTEMPTS,
  MIN_RETRY_DELAY_MS,
  nextAttempt,
  RETRY_AFTER_CAP_MS,
  RETRY_DELAYS_MS,
  retryAfterMs,
  type NextAttempt,
} from '../../src/common/delivery-schedule.js';

const NOW = Date.UTC(2025, 2, 14, 9, 0, 0);
const S = 1_000;
const MIN = 60 * S;
const H = 60 * MIN;

/** A jitter source that always draws `value`, counting its draws. */
function fixedRandom(value: number) {
  const source = () => {
    source.draws += 1;
    return value;
  };
  source.draws = 0;
  return source;
}

const almostOne = 1 - Number.EPSILON;

describe('the retry schedule', () => {
  it('is the documented table: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 8 h, within a day', () => {
    expect(RETRY_DELAYS_MS).toEqual([5 * S, 30 * S, 2 * MIN, 10 * MIN, 30 * MIN, 1 * H, 2 * H, 4 * H, 8 * H, 8 * H]);
    expect(MAX_ATTEMPTS).toBe(11);
    const total = RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);
    expect(total).toBe(23 * H + 42 * MIN + 35 * S);
    expect(total).toBeLessThanOrEqual(24 * H);
    expect(ATTEMPT_DEADLINE_MS).toBeGreaterThanOrEqual(15 * S);
    expect(ATTEMPT_DEADLINE_MS).toBeLessThanOrEqual(30 * S);
    expect(Object.isFrozen(RETRY_DELAYS_MS)).toBe(true);
  });

  it('with the top jitter draw, waits the ceiling of each step, and gives up after the last attempt', () => {
    const waits: number[] = [];
    let now = NOW;
    let decision: NextAttempt = { kind: 'retry', at: NOW, attempt: 1 };
    for (let attempt = 1; decision.kind === 'retry'; attempt += 1) {
      expect(decision.attempt).toBe(attempt);
      now = decision.at;
      decision = nextAttempt({ attempt, status: 503, now, random: () => almostOne });
      if (decision.kind === 'retry') waits.push(decision.at - now);
    }
    expect(decision).toEqual({ kind: 'give-up' });
    expect(waits).toEqual(RETRY_DELAYS_MS.map((ceiling) => ceiling - 1));
    expect(waits).toHaveLength(MAX_ATTEMPTS - 1);
  });

  it('jitter spreads each wait uniformly below its ceiling (full jitter), never under the floor', () => {
    RETRY_DELAYS_MS.forEach((ceiling, index) => {
      const attempt = index + 1;
      const at = (draw: number) => {
        const decision = nextAttempt({ attempt, networkError: true, now: NOW, random: () => draw });
        if (decision.kind !== 'retry') throw new Error(`expected a retry after attempt ${attempt}`);
        return decision.at - NOW;
      };
      expect(at(0)).toBe(MIN_RETRY_DELAY_MS);
      expect(at(0.5)).toBe(Math.max(MIN_RETRY_DELAY_MS, ceiling / 2));
      expect(at(almostOne)).toBeLessThan(ceiling);
      expect(at(almostOne)).toBeGreaterThanOrEqual(ceiling - 1);
      for (let draw = 0; draw < 1; draw += 0.05) {
        expect(at(draw)).toBeGreaterThanOrEqual(MIN_RETRY_DELAY_MS);
        expect(at(draw)).toBeLessThan(ceiling);
      }
    });
  });

  it('keeps a misbehaving jitter source inside the ceiling', () => {
    for (const draw of [1, 7, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const decision = nextAttempt({ attempt: 4, status: 500, now: NOW, random: () => draw });
      expect(decision.kind).toBe('retry');
      if (decision.kind !== 'retry') continue;
      expect(decision.at - NOW).toBeGreaterThanOrEqual(MIN_RETRY_DELAY_MS);
      expect(decision.at - NOW).toBeLessThan(RETRY_DELAYS_MS[3]!);
    }
  });

  it('the receiver answering 500, 500, 200: three attempts, the message delivered', () => {
    const answers = [500, 500, 200];
    const random = fixedRandom(0.5);
    const attemptsAt: number[] = [NOW];
    let decision: NextAttempt | undefined;
    for (let attempt = 1; ; attempt += 1) {
      const status = answers[attempt - 1]!;
      decision = nextAttempt({ attempt, status, now: attemptsAt.at(-1)! + 120, random });
      if (decision.kind !== 'retry') break;
      expect(decision.attempt).toBe(attempt + 1);
      attemptsAt.push(decision.at);
    }
    expect(decision).toEqual({ kind: 'delivered' });
    expect(attemptsAt).toHaveLength(3);
    expect(attemptsAt[1]! - attemptsAt[0]!).toBe(120 + 2_500);
    expect(attemptsAt[2]! - attemptsAt[1]!).toBe(120 + 15_000);
    expect(random.draws).toBe(2);
  });
});

describe('status codes', () => {
  const decide = (status: number, attempt = 1) => nextAttempt({ attempt, status, now: NOW, random: () => 0.5 });

  it('2xx is delivered, on any attempt', () => {
    for (const status of [200, 201, 202, 204, 299]) expect(decide(status)).toEqual({ kind: 'delivered' });
    expect(decide(200, MAX_ATTEMPTS)).toEqual({ kind: 'delivered' });
  });

  it('410 Gone disables the endpoint, even on the last attempt', () => {
    expect(decide(410)).toEqual({ kind: 'disable' });
    expect(decide(410, MAX_ATTEMPTS)).toEqual({ kind: 'disable' });
  });

  it('3xx (never followed), every other 4xx and 5xx are failures retried on the schedule', () => {
    for (const status of [199, 300, 301, 302, 307, 308, 400, 401, 403, 404, 408, 409, 413, 425, 429, 500, 502, 503, 504]) {
      expect(decide(status), String(status)).toEqual({ kind: 'retry', at: NOW + 2_500, attempt: 2 });
    }
  });

  it('a network failure (refused, reset, past the deadline) is retried like a 5xx', () => {
    expect(nextAttempt({ attempt: 2, networkError: true, now: NOW, random: () => 0.5 })).toEqual({
      kind: 'retry',
      at: NOW + 15_000,
      attempt: 3,
    });
  });

  it('failure of the last attempt, or of one past it, gives up', () => {
    expect(decide(500, MAX_ATTEMPTS)).toEqual({ kind: 'give-up' });
    expect(decide(429, MAX_ATTEMPTS + 3)).toEqual({ kind: 'give-up' });
    expect(nextAttempt({ attempt: MAX_ATTEMPTS, networkError: true, now: NOW, random: () => 0 })).toEqual({
      kind: 'give-up',
    });
  });

  it('an attempt number that is not a whole number from 1 is a typed error', () => {
    for (const attempt of [0, -1, 1.5, Number.NaN]) {
      expect(() => decide(500, attempt)).toThrow(DeliveryAttemptError);
    }
    expect(() => decide(500, 0)).toThrow(expect.objectContaining({ code: 'DELIVERY_ATTEMPT_INVALID' }));
  });
});

describe('Retry-After', () => {
  const retryAfter = (header: string, attempt = 1, draw = 0.5) =>
    nextAttempt({ attempt, status: 429, retryAfter: header, now: NOW, random: () => draw });

  it('delta-seconds holds the retry back that long when longer than the jittered wait', () => {
    expect(retryAfter('120')).toEqual({ kind: 'retry', at: NOW + 120 * S, attempt: 2 });
    expect(retryAfter(' 60 ')).toEqual({ kind: 'retry', at: NOW + 60 * S, attempt: 2 });
  });

  it('never brings a retry forward: a shorter Retry-After leaves the schedule', () => {
    expect(retryAfter('1', 6)).toEqual({ kind: 'retry', at: NOW + 30 * MIN, attempt: 7 });
    expect(retryAfter('0')).toEqual({ kind: 'retry', at: NOW + 2_500, attempt: 2 });
  });

  it('an HTTP date is read in GMT in each of its three forms; a date already past asks for nothing', () => {
    const inTenMinutes = new Date(NOW + 10 * MIN);
    expect(retryAfter(inTenMinutes.toUTCString())).toEqual({ kind: 'retry', at: NOW + 10 * MIN, attempt: 2 });
    expect(retryAfterMs('Friday, 14-Mar-25 09:10:00 GMT', NOW)).toBe(10 * MIN);
    expect(retryAfterMs('Fri Mar 14 09:10:00 2025', NOW)).toBe(10 * MIN);
    expect(retryAfterMs('Fri Mar  7 09:00:00 2025', NOW)).toBe(0);
    expect(retryAfter(new Date(NOW - H).toUTCString())).toEqual({ kind: 'retry', at: NOW + 2_500, attempt: 2 });
  });

  it('is capped, in seconds and as a date, so that a receiver cannot park a message for days', () => {
    expect(RETRY_AFTER_CAP_MS).toBe(H);
    expect(retryAfter('86400')).toEqual({ kind: 'retry', at: NOW + RETRY_AFTER_CAP_MS, attempt: 2 });
    expect(retryAfter(new Date(NOW + 30 * 24 * H).toUTCString())).toEqual({
      kind: 'retry',
      at: NOW + RETRY_AFTER_CAP_MS,
      attempt: 2,
    });
    // A late step's own wait is longer than the cap: the schedule stands.
    expect(retryAfter('86400', 9, 0.5)).toEqual({ kind: 'retry', at: NOW + 4 * H, attempt: 10 });
  });

  it('does not revive a message past its last attempt, nor an endpoint that answered 410', () => {
    expect(retryAfter('30', MAX_ATTEMPTS)).toEqual({ kind: 'give-up' });
    expect(nextAttempt({ attempt: 1, status: 410, retryAfter: '30', now: NOW, random: () => 0.5 })).toEqual({
      kind: 'disable',
    });
  });

  it('text that is neither delta-seconds nor an HTTP date is ignored', () => {
    for (const header of ['', '  ', '-5', '1.5', '12abc', 'soon', '2025-03-14T09:10:00Z', 'Fri, 14 Mar 2025 09:10:00']) {
      expect(retryAfterMs(header, NOW), JSON.stringify(header)).toBeUndefined();
      expect(retryAfter(header)).toEqual({ kind: 'retry', at: NOW + 2_500, attempt: 2 });
    }
    expect(retryAfterMs(undefined, NOW)).toBeUndefined();
    expect(retryAfterMs(null, NOW)).toBeUndefined();
  });
});
