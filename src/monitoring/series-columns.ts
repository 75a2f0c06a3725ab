import type { UsageSample } from './history-types.js';
import { ValueColumn } from './value-column.js';

/**
 * The samples of one series in memory, ordered by time: times and counts as columns of doubles
 * (16 bytes a sample), the limit and the reset time as runs of equal values (they change a few
 * times a year). A year of five-minute samples is 105,120 of them: under 2 MB a series, rather
 * than an object each.
 */
export class SeriesColumns {
  private times = new Float64Array(64);
  private used = new Float64Array(64);
  private readonly limits = new ValueColumn();
  private readonly resets = new ValueColumn();
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
    return this.times.byteLength + this.used.byteLength + this.limits.bytes + this.resets.bytes;
  }

  /** Adds the sample unless one with its time is there already; whether it was added. */
  insert(at: number, used: number, limit: number | null, resetsAt: number | null): boolean {
    let index = this.size;
    // Samples arrive in time order but for retries and late batches: the usual case is an append.
    if (index > 0 && this.times[index - 1]! >= at) {
      index = this.lowerBound(at);
      if (this.times[index] === at) return false;
    }
    if (this.size === this.times.length) this.resize(Math.ceil(this.size * 1.5));
    if (index < this.size) {
      this.times.copyWithin(index + 1, index, this.size);
      this.used.copyWithin(index + 1, index, this.size);
    }
    this.times[index] = at;
    this.used[index] = used;
    this.limits.insert(index, limit ?? Number.NaN);
    this.resets.insert(index, resetsAt ?? Number.NaN);
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
    const limits = this.limits.slice(from, to);
    const resets = this.resets.slice(from, to);
    for (let i = from; i < to; i++) {
      const limit = limits.next().value!;
      const resetsAt = resets.next().value!;
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
    this.times.copyWithin(0, count, this.size);
    this.used.copyWithin(0, count, this.size);
    this.limits.dropFirst(count);
    this.resets.dropFirst(count);
    this.size -= count;
  }

  /** Gives back the spare capacity beyond a little headroom (after loading a year at once, say). */
  trim(): void {
    const capacity = Math.max(64, this.size + (this.size >> 6));
    if (capacity < this.times.length) this.resize(capacity);
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

  private resize(capacity: number): void {
    const resized = (column: Float64Array) => {
      const next = new Float64Array(capacity);
      next.set(column.subarray(0, Math.min(this.size, capacity)));
      return next;
    };
    this.times = resized(this.times);
    this.used = resized(this.used);
  }
}
