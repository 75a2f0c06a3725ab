/**
 * Counter groups `(key, calls, discoveries, tweets)` chained into per-user lists, held in chunked
 * typed arrays. 100,000 users with a few endpoints and dozens of days each make about a million
 * groups: as JS arrays they would be a million small heap objects that the garbage collector walks
 * and sizes its heap by; here they are a few dozen flat buffers outside the V8 heap.
 */

const CHUNK_BITS = 15;
const CHUNK_GROUPS = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_GROUPS - 1;
const COUNTERS = 4;

/** The end of a list. */
export const NONE = -1;

export class GroupArena {
  /** `[key, calls, discoveries, tweets]` per group. */
  private readonly values: Float64Array[] = [];
  /** The next group of the same list, or NONE. */
  private readonly links: Int32Array[] = [];
  private size = 0;

  /** Adds a group that ends a list; returns its index. */
  add(key: number, calls: number, discoveries: number, tweets: number): number {
    if (this.size === this.values.length * CHUNK_GROUPS) {
      this.values.push(new Float64Array(CHUNK_GROUPS * COUNTERS));
      this.links.push(new Int32Array(CHUNK_GROUPS).fill(NONE));
    }
    const group = this.size++;
    const values = this.values[group >>> CHUNK_BITS]!;
    const at = (group & CHUNK_MASK) * COUNTERS;
    values[at] = key;
    values[at + 1] = calls;
    values[at + 2] = discoveries;
    values[at + 3] = tweets;
    return group;
  }

  key(group: number): number {
    return this.values[group >>> CHUNK_BITS]![(group & CHUNK_MASK) * COUNTERS]!;
  }

  /** Counter 0 (calls), 1 (discoveries) or 2 (tweets) of a group. */
  counter(group: number, which: 0 | 1 | 2): number {
    return this.values[group >>> CHUNK_BITS]![(group & CHUNK_MASK) * COUNTERS + 1 + which]!;
  }

  /** Adds to a group's counters; returns the largest of its new counters. */
  addTo(group: number, calls: number, discoveries: number, tweets: number): number {
    const values = this.values[group >>> CHUNK_BITS]!;
    const at = (group & CHUNK_MASK) * COUNTERS;
    return Math.max((values[at + 1]! += calls), (values[at + 2]! += discoveries), (values[at + 3]! += tweets));
  }

  next(group: number): number {
    return this.links[group >>> CHUNK_BITS]![group & CHUNK_MASK]!;
  }

  link(group: number, next: number): void {
    this.links[group >>> CHUNK_BITS]![group & CHUNK_MASK] = next;
  }

  /** A list from its head, flattened as `[key, calls, discoveries, tweets]` repeated. */
  flatten(head: number): number[] {
    const flat: number[] = [];
    for (let group = head; group !== NONE; group = this.next(group)) {
      flat.push(this.key(group), this.counter(group, 0), this.counter(group, 1), this.counter(group, 2));
    }
    return flat;
  }
}
