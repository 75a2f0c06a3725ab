/**
 * Synthetic usage history for the usage math's tests: counters sampled on a fixed interval with
 * seeded, reproducible noise, so a test knows the true rate behind the noise.
 */
import type { UsageSample } from '../../src/usage/history.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** A deterministic uniform PRNG on [0, 1) (mulberry32): the same seed gives the same series. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Poisson count with mean `mean` (Knuth's method; fine for the small means used here). */
export function poisson(random: () => number, mean: number): number {
  const threshold = Math.exp(-mean);
  let count = 0;
  let product = random();
  while (product > threshold) {
    count++;
    product *= random();
  }
  return count;
}

export interface CounterSeriesOptions {
  /** Time of the first sample (epoch ms). */
  start: number;
  intervalMs: number;
  /** The counter at the first sample. */
  initial?: number;
  /** Increments between consecutive samples, one per interval (count + 1 samples in all). */
  increments: readonly number[];
  limit?: number | null;
  resetsAt?: number | null;
}

/** A running counter sampled every `intervalMs`, rising by `increments`. */
export function counterSeries(options: CounterSeriesOptions): UsageSample[] {
  const limit = options.limit === undefined ? null : options.limit;
  const resetsAt = options.resetsAt === undefined ? null : options.resetsAt;
  let used = options.initial ?? 0;
  const samples: UsageSample[] = [{ at: options.start, used, limit, resetsAt }];
  options.increments.forEach((increment, i) => {
    used += increment;
    samples.push({ at: options.start + (i + 1) * options.intervalMs, used, limit, resetsAt });
  });
  return samples;
}

/** `count` seeded Poisson increments with mean `mean` each. */
export function poissonIncrements(seed: number, count: number, mean: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => poisson(random, mean));
}
