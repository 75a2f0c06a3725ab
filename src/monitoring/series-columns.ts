import type { UsageSample } from './history-types.js';

/**
 * The samples of one series in memory, as columns of doubles ordered by time: 16 bytes a sample,
 * plus 8 for each of `limit` and `resetsAt` once the series has any (a null is NaN). A year of
 * five-minute samples is 105,120 of them: 1.7 to 3.4 MB a series, rather than an object each.
 */
export class SeriesColumns {
  private times = new Float64Array(64);
  private used = new Float64Array(64);
  private limits: Float64Array | null = null;
  private resets: Float64Array | null = null;
  private size = 0;

  constructor(
    readonly provider: string,
    readonly series: string,
  ) {}

  get length(): number {
    return this.size;
  }

  /** Bytes held by the columns (their capacity, not only the samples in use). */
  get bytes(): number {
    return this.times.byteLength + this.used.byteLength + (this.limits?.byteLength ?? 0) + (this.resets?.byteLength ?? 0);
  }

  /** Adds the sample unless one with its time is there already; whether it was added. */
  insert(at: number, used: number, limit: number | null, resetsAt: number | null): boolean {
    let index = this.size;
    // Samples arrive in time order but for retries and late batches: the usual case is an append.
    if (index > 0 && this.times[index - 1]! >= at) {
      index = this.lowerBound(at);
      if (this.times[index] === at) return false;
    }
    if (this.size === this.times.length) this.grow();
    if (limit !== null && this.limits === null) this.limits = new Float64Array(this.times.length).fill(Number.NaN);
    if (resetsAt !== null && this.resets === null) this.resets = new Float64Array(this.times.length).fill(Number.NaN);
    for (const column of this.columns()) {
      if (index < this.size) column.copyWithin(index + 1, index, this.size);
    }
    this.times[index] = at;
    this.used[index] = used;
    if (this.limits !== null) this.limits[index] = limit ?? Number.NaN;
    if (this.resets !== null) this.resets[index] = resetsAt ?? Number.NaN;
    this.size += 1;
    return true;
  }

  has(at: number): boolean {
    const index = this.lowerBound(at);
    return index < this.size && this.times[index] === at;
  }

  /** The samples with `since <= at < until`, in time order. */
  range(since = -Infinity, until = Infinity): UsageSample[] {
    const from = this.lowerBound(since);
    const to = this.lowerBound(until);
    const out: UsageSample[] = new Array(Math.max(0, to - from));
    const { limits, resets } = this;
    for (let i = from; i < to; i++) {
      const limit = limits === null ? Number.NaN : limits[i]!;
      const resetsAt = resets === null ? Number.NaN : resets[i]!;
      out[i - from] = {
        provider: this.provider,
        series: this.series,
        at: this.times[i]!,
        used: this.used[i]!,
        limit: Number.isNaN(limit) ? null : limit,
        resetsAt: Number.isNaN(resetsAt) ? null : resetsAt,
      };
    }
    return out;
  }

  /** Drops the samples before `cutoff`. */
  dropBefore(cutoff: number): void {
    const count = this.lowerBound(cutoff);
    if (count === 0) return;
    for (const column of this.columns()) column.copyWithin(0, count, this.size);
    this.size -= count;
  }

  /** First index whose time is >= `at` (`length` when none). */
  private lowerBound(at: number): number {
    let low = 0;
    let high = this.size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.times[mid]! < at) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private *columns(): Generator<Float64Array> {
    yield this.times;
    yield this.used;
    if (this.limits !== null) yield this.limits;
    if (this.resets !== null) yield this.resets;
  }

  private grow(): void {
    // Growth by half rather than doubling: a year-long series overshoots by at most a third.
    const capacity = Math.ceil(this.times.length * 1.5);
    const grown = (column: Float64Array) => {
      const next = new Float64Array(capacity).fill(Number.NaN, column.length);
      next.set(column);
      return next;
    };
    this.times = grown(this.times);
    this.used = grown(this.used);
    if (this.limits !== null) this.limits = grown(this.limits);
    if (this.resets !== null) this.resets = grown(this.resets);
  }
}
