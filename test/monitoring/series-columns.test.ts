import { describe, expect, it } from 'vitest';
import type { UsageSample } from '../../src/monitoring/history-types.js';
import { SeriesColumns } from '../../src/monitoring/series-columns.js';
import { ValueColumn } from '../../src/monitoring/value-column.js';

/**
 * The in-memory columns against a plain sorted array of samples, under a seeded random mix of
 * in-order appends (the usual case), late and duplicate samples, and drops of the oldest.
 */

/** mulberry32: a small seeded generator, so a failure replays. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('SeriesColumns', () => {
  for (const seed of [1, 2, 3, 42]) {
    it(`holds exactly what a sorted array of samples holds (seed ${seed})`, () => {
      const next = random(seed);
      const columns = new SeriesColumns('p', 's');
      const model: UsageSample[] = [];
      let clock = 1_000_000;
      const limits = [null, 100, 100, 100, 200];
      for (let step = 0; step < 3000; step++) {
        const roll = next();
        let at: number;
        if (roll < 0.8) at = clock += 1 + Math.floor(next() * 5);
        else if (roll < 0.95) at = clock - Math.floor(next() * 400);
        else {
          const cutoff = clock - Math.floor(next() * 300);
          columns.dropBefore(cutoff);
          model.splice(0, model.filter((sample) => sample.at < cutoff).length);
          continue;
        }
        const sample: UsageSample = {
          provider: 'p',
          series: 's',
          at,
          used: Math.floor(next() * 1000) - 500,
          limit: limits[Math.floor(next() * limits.length) % limits.length] ?? null,
          resetsAt: next() < 0.5 ? null : 5_000_000 + Math.floor(at / 100),
        };
        const fresh = !model.some((held) => held.at === at);
        expect(columns.insert(sample.at, sample.used, sample.limit, sample.resetsAt)).toBe(fresh);
        if (fresh) {
          model.push(sample);
          model.sort((a, b) => a.at - b.at);
        }
        if (step % 500 === 0) columns.trim();
      }
      expect(columns.length).toBe(model.length);
      expect(columns.range()).toEqual(model);
      const since = model[Math.floor(model.length / 3)]!.at;
      const until = model[Math.floor((2 * model.length) / 3)]!.at;
      expect(columns.range(since, until)).toEqual(model.filter((sample) => sample.at >= since && sample.at < until));
    });
  }

  it('keeps a limit that changes once a period as a few runs, not a value a sample', () => {
    const columns = new SeriesColumns('p', 's');
    for (let i = 0; i < 10_000; i++) columns.insert(i, i, i < 5000 ? 100 : 200, null);
    columns.trim();
    expect(columns.bytes).toBeLessThan(10_000 * 16 * 1.05 + 1000);
    expect(columns.range(4999, 5001).map((sample) => sample.limit)).toEqual([100, 200]);
  });
});

describe('ValueColumn', () => {
  it('reads back runs and a dense column alike, nulls (NaN) included, and drops its first values', () => {
    const column = new ValueColumn();
    const values = [Number.NaN, Number.NaN, 5, 5, 5, 7, Number.NaN, 7];
    values.forEach((value, i) => column.insert(i, value));
    expect([...column.slice(0, values.length)]).toEqual(values);
    expect(column.get(4)).toBe(5);
    column.dropFirst(3);
    expect([...column.slice(0, column.length)]).toEqual(values.slice(3));
    column.insert(1, 9);
    expect([...column.slice(0, column.length)]).toEqual([5, 9, 5, 7, Number.NaN, 7]);
    column.dropFirst(2);
    expect([...column.slice(0, column.length)]).toEqual([5, 7, Number.NaN, 7]);
  });
});
