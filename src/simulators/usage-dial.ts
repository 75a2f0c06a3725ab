import { DAY_MS } from './prng.js';
import type { UsageSetting } from './types.js';

/**
 * Counters that move with a simulator's clock (demo mode), and the setting a test puts on them
 * through `POST /__sim/usage`. A counter follows its model until a test sets it; from then on it
 * keeps the model's pace from the value set, until the model's period ends.
 */

/** Thrown when a usage setting (from code or from the admin route) is not one the simulator can apply. */
export class InvalidUsageError extends Error {
  override readonly name = 'InvalidUsageError';
}

/** How a counter moves with time when nobody sets it. */
export interface CounterModel {
  /** The counter at `at`. */
  value(at: number): number;
  /** Start of the period `at` falls in: the counter restarts there. 0 for a counter that never resets. */
  periodStart(at: number): number;
}

/** A counter that does not move (the default without a clock: bodies stay the same run after run). */
export function steady(value: number): CounterModel {
  return { value: () => value, periodStart: () => 0 };
}

export function utcMonthStart(at: number): number {
  const date = new Date(at);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

export function nextUtcMonthStart(at: number): number {
  const date = new Date(at);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/**
 * A counter that restarts at each UTC month and reaches `perMonth` at the month's end, at a pace
 * that follows a daily cycle (busier half the day, quieter the other, never still), so that
 * consecutive readings differ as real traffic does. `cap`, when given, is never passed (a vendor
 * that stops counting at the limit). `phase` shifts the cycle, so vendors do not peak together.
 */
export function monthlyPace(perMonth: number, options: { cap?: number; phase?: number } = {}): CounterModel {
  const phase = options.phase ?? 0;
  // Elapsed time warped by a daily cycle: its rate is 1 + 0.5·cos(...), between 0.5 and 1.5, never 0.
  const warped = (elapsed: number) => elapsed + ((0.5 * DAY_MS) / (2 * Math.PI)) * (Math.sin((2 * Math.PI * elapsed) / DAY_MS + phase) - Math.sin(phase));
  return {
    value(at) {
      const start = utcMonthStart(at);
      const length = nextUtcMonthStart(at) - start;
      const value = Math.max(0, Math.round((perMonth * warped(at - start)) / length));
      return options.cap === undefined ? value : Math.min(options.cap, value);
    },
    periodStart: utcMonthStart,
  };
}

/** A counter on its model, with what a test set on it. */
export class LiveCounter {
  private set: { at: number; used: number; periodStart: number; perMinute: number | null } | null = null;
  private limitSet: number | null = null;

  constructor(
    private readonly model: CounterModel,
    private readonly baseLimit: number | null = null,
  ) {}

  /** The counter at `at`. */
  used(at: number): number {
    const set = this.set;
    if (set === null || at < set.at || this.model.periodStart(at) !== set.periodStart) return this.model.value(at);
    if (set.perMinute !== null) {
      const ramped = set.used + Math.floor(((at - set.at) * set.perMinute) / 60_000);
      const limit = this.limit();
      return limit === null ? ramped : Math.max(set.used, Math.min(limit, ramped));
    }
    return Math.max(0, set.used + this.model.value(at) - this.model.value(set.at));
  }

  /** The limit: the one set, else the vendor's own. */
  limit(): number | null {
    return this.limitSet ?? this.baseLimit;
  }

  /**
   * From `at` on the counter reads `used` and grows from there at its pace, or `perMinute` a minute
   * up to its limit when given; `limit` replaces the limit when given.
   */
  setUsage(at: number, used: number, limit?: number, perMinute?: number): void {
    this.set = { at, used, periodStart: this.model.periodStart(at), perMinute: perMinute ?? null };
    if (limit !== undefined) this.limitSet = limit;
  }
}

/** The counters of one credential by the name a test sets them with. */
export class CounterBoard {
  constructor(private readonly counters: ReadonlyMap<string, LiveCounter>) {}

  get(name: string): LiveCounter | undefined {
    return this.counters.get(name);
  }

  /** Applies a setting; an unknown name is an InvalidUsageError listing the known ones. */
  apply(setting: UsageSetting, at: number): void {
    const counter = this.counters.get(setting.quota);
    if (counter === undefined) {
      const known = [...this.counters.keys()];
      throw new InvalidUsageError(`no counter ${JSON.stringify(setting.quota)}; ${known.length === 0 ? 'this vendor reports none' : `known: ${known.join(', ')}`}`);
    }
    counter.setUsage(at, setting.used, setting.limit, setting.perMinute);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates a usage setting received as untyped JSON (`{ quota, used, limit?, perMinute? }`); returns a clean copy. */
export function parseUsageSetting(value: unknown): UsageSetting {
  if (!isRecord(value)) throw new InvalidUsageError('body must be a JSON object {quota, used, limit?, perMinute?}');
  if (typeof value.quota !== 'string' || value.quota === '') throw new InvalidUsageError('`quota` must be a non-empty string');
  const count = (what: string, raw: unknown): number => {
    if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) throw new InvalidUsageError(`\`${what}\` must be a non-negative integer`);
    return raw;
  };
  const used = count('used', value.used);
  return {
    quota: value.quota,
    used,
    ...(value.limit === undefined ? {} : { limit: count('limit', value.limit) }),
    ...(value.perMinute === undefined ? {} : { perMinute: count('perMinute', value.perMinute) }),
  };
}
