import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UsageSample } from '../../src/monitoring/history-types.js';

export const FIVE_MINUTES = 300_000;
export const DAY = 86_400_000;
/** A year of five-minute samples: 365 × 288. */
export const YEAR_OF_SAMPLES = 105_120;

/** A fresh DATA_DIR; `cleanup` removes it. */
export async function tempDataDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'history-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A quota sample: `used` grows with time, the limit and the reset are those of a monthly quota. */
export function quotaSample(provider: string, series: string, at: number, used = Math.floor(at / FIVE_MINUTES) % 1_000_000): UsageSample {
  return { provider, series, at, used, limit: 1_000_000, resetsAt: Date.UTC(2027, 0, 1) };
}

/** `count` five-minute samples of one series from `start`. */
export function samplesFrom(provider: string, series: string, start: number, count: number): UsageSample[] {
  return Array.from({ length: count }, (_, i) => quotaSample(provider, series, start + i * FIVE_MINUTES));
}

/** The key a sample is recorded once under. */
export function keyOf(sample: Pick<UsageSample, 'provider' | 'series' | 'at'>): string {
  return `${sample.provider}/${sample.series}/${sample.at}`;
}
