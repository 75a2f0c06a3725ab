import type { SeriesKey, UsageSample } from './history-types.js';
import { SeriesColumns } from './series-columns.js';

/** Every series of the embedded store in memory, by provider then series. */
export class HistoryIndex {
  private readonly byProvider = new Map<string, Map<string, SeriesColumns>>();

  /** Whether a sample with this key is held. */
  has(sample: UsageSample): boolean {
    return this.byProvider.get(sample.provider)?.get(sample.series)?.has(sample.at) ?? false;
  }

  /** Adds the sample unless its key is held already; whether it was added. */
  add(sample: UsageSample): boolean {
    let series = this.byProvider.get(sample.provider);
    if (series === undefined) this.byProvider.set(sample.provider, (series = new Map()));
    let columns = series.get(sample.series);
    if (columns === undefined) series.set(sample.series, (columns = new SeriesColumns(sample.provider, sample.series)));
    return columns.insert(sample.at, sample.used, sample.limit, sample.resetsAt);
  }

  read(key: SeriesKey, since?: number, until?: number): UsageSample[] {
    return this.byProvider.get(key.provider)?.get(key.series)?.range(since, until) ?? [];
  }

  keys(provider?: string): SeriesKey[] {
    const keys: SeriesKey[] = [];
    for (const [name, series] of this.byProvider) {
      if (provider !== undefined && name !== provider) continue;
      for (const [seriesName, columns] of series) if (columns.length > 0) keys.push({ provider: name, series: seriesName });
    }
    return keys.sort((a, b) => compareNames(a.provider, b.provider) || compareNames(a.series, b.series));
  }

  /** Drops every sample before `cutoff`, and the series left empty. */
  dropBefore(cutoff: number): void {
    for (const [provider, series] of this.byProvider) {
      for (const [name, columns] of series) {
        columns.dropBefore(cutoff);
        if (columns.length === 0) series.delete(name);
      }
      if (series.size === 0) this.byProvider.delete(provider);
    }
  }

  /** Gives back the columns' spare capacity: after a load, before the steady trickle of appends. */
  trim(): void {
    for (const series of this.byProvider.values()) for (const columns of series.values()) columns.trim();
  }

  /** Samples held, and the bytes of their columns. */
  size(): { samples: number; bytes: number } {
    let samples = 0;
    let bytes = 0;
    for (const series of this.byProvider.values()) {
      for (const columns of series.values()) {
        samples += columns.length;
        bytes += columns.bytes;
      }
    }
    return { samples, bytes };
  }
}

/** Code-unit order, as PostgreSQL's COLLATE "C" orders ASCII names (the names the gateway uses). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
