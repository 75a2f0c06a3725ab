import type { UsageSample } from '../../src/monitoring/history-types.js';

/** Five minutes, the finest resolution history is told at. */
export const FIVE_MINUTES_MS = 300_000;
export const DAY_MS = 86_400_000;

/**
 * One UTC day of five-minute samples of `seriesCount` monthly quotas of one vendor, as a sampler
 * would have written them: each counter climbs through its calendar month at its own pace (with
 * a daily rhythm) and restarts at the month's first instant, its reset time announced. Deterministic,
 * so runs compare.
 */
export function dayOfQuotaSamples(day: number, seriesCount: number, provider = 'BENCH'): UsageSample[] {
  const samples: UsageSample[] = [];
  for (let step = 0; step < DAY_MS / FIVE_MINUTES_MS; step += 1) {
    const at = day + step * FIVE_MINUTES_MS;
    const date = new Date(at);
    const monthStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    const resetsAt = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    const elapsedSteps = (at - monthStart) / FIVE_MINUTES_MS;
    for (let series = 0; series < seriesCount; series += 1) {
      const perStep = 10 + series;
      // A busier daytime: 1.5× the pace between 08:00 and 20:00 UTC, counted step by step so the counter never goes down.
      const daySteps = Math.floor(elapsedSteps / 288) * 288;
      const stepsToday = elapsedSteps - daySteps;
      const busyToday = Math.max(0, Math.min(stepsToday, 240) - 96);
      const used = Math.round(perStep * (elapsedSteps + 0.5 * ((daySteps / 288) * 144 + busyToday)));
      samples.push({ provider, series: `quota:bench_${String(series).padStart(2, '0')}`, at, used, limit: 10_000_000, resetsAt });
    }
  }
  return samples;
}

/** The 50th percentile of `values` (the lower middle of an even count), null when empty. */
export function p50(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}
