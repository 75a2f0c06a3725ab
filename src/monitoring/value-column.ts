/**
 * A column of nullable numbers that mostly repeat (a quota's limit, the time its period resets):
 * kept as runs of equal values while samples arrive in time order, a handful of entries for a
 * year; dense (8 bytes a value) from the first insertion in the middle, which only a late or
 * retried sample causes. A null is NaN.
 */
export class ValueColumn {
  /** Index where each run starts, ascending; the first is 0. Unused once dense. */
  private runStarts: number[] = [];
  private runValues: number[] = [];
  private dense: Float64Array | null = null;
  private size = 0;

  get length(): number {
    return this.size;
  }

  get bytes(): number {
    return this.dense?.byteLength ?? this.runStarts.length * 16;
  }

  /** The value at `index` (< length); NaN for null. */
  get(index: number): number {
    if (this.dense !== null) return this.dense[index]!;
    let low = 0;
    let high = this.runStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.runStarts[mid]! <= index) low = mid;
      else high = mid - 1;
    }
    return this.runValues[low]!;
  }

  /** Values `from` to `to` (exclusive), in order, without a search per value. */
  *slice(from: number, to: number): Generator<number> {
    if (this.dense !== null) {
      for (let i = from; i < to; i++) yield this.dense[i]!;
      return;
    }
    let run = 0;
    while (run + 1 < this.runStarts.length && this.runStarts[run + 1]! <= from) run++;
    for (let i = from; i < to; i++) {
      while (run + 1 < this.runStarts.length && this.runStarts[run + 1]! <= i) run++;
      yield this.runValues[run]!;
    }
  }

  /** Inserts `value` at `index` (<= length), shifting the values after it. */
  insert(index: number, value: number): void {
    if (this.dense === null && index === this.size) {
      const last = this.runValues.length - 1;
      if (last < 0 || !same(this.runValues[last]!, value)) {
        this.runStarts.push(index);
        this.runValues.push(value);
      }
      this.size += 1;
      return;
    }
    const dense = this.densify(this.size + 1);
    dense.copyWithin(index + 1, index, this.size);
    dense[index] = value;
    this.size += 1;
  }

  /** Drops the first `count` values. */
  dropFirst(count: number): void {
    if (count <= 0) return;
    if (this.dense !== null) {
      this.dense.copyWithin(0, count, this.size);
    } else {
      // The run holding the first value kept starts it; runs wholly before it go.
      let first = 0;
      while (first + 1 < this.runStarts.length && this.runStarts[first + 1]! <= count) first++;
      this.runStarts = this.runStarts.slice(first).map((start) => Math.max(0, start - count));
      this.runValues = this.runValues.slice(first);
    }
    this.size = Math.max(0, this.size - count);
    if (this.size === 0) this.clear();
  }

  private clear(): void {
    this.runStarts = [];
    this.runValues = [];
    this.dense = null;
  }

  private densify(capacity: number): Float64Array {
    if (this.dense !== null && this.dense.length >= capacity) return this.dense;
    const next = new Float64Array(Math.max(capacity, Math.ceil((this.dense?.length ?? this.size) * 1.5), 16));
    if (this.dense !== null) next.set(this.dense.subarray(0, this.size));
    else for (let i = 0, values = this.slice(0, this.size); i < this.size; i++) next[i] = values.next().value!;
    this.dense = next;
    return next;
  }
}

function same(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
