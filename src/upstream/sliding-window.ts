/**
 * Events of a few kinds over a sliding time window: the one bookkeeping shared by the retry
 * budget, the rate budget and the circuit breaker. Memory is bounded by the events inside the
 * window, since older ones are dropped whenever the window is read or written.
 */
export class SlidingWindow<Kind extends string> {
  // Two parallel arrays rather than an object per event: a caller window under load holds a
  // minute of requests (hundreds of thousands), which as objects would each be a heap object
  // promoted to the old generation; times are stored unboxed and kinds are shared strings.
  private readonly times: number[] = [];
  private readonly kinds: Kind[] = [];
  /** Index of the first live event; the arrays are compacted lazily so pruning stays O(1) amortised. */
  private head = 0;

  constructor(readonly windowMs: number) {}

  record(now: number, kind: Kind): void {
    this.prune(now);
    this.times.push(now);
    this.kinds.push(kind);
  }

  /** How many events of `kind` (or of every kind) happened in the last `windowMs`. */
  count(now: number, kind?: Kind): number {
    this.prune(now);
    if (kind === undefined) return this.times.length - this.head;
    let total = 0;
    for (let i = this.head; i < this.kinds.length; i += 1) if (this.kinds[i] === kind) total += 1;
    return total;
  }

  /** Time of the oldest live event of `kind` (or of any kind), or null. */
  oldest(now: number, kind?: Kind): number | null {
    this.prune(now);
    for (let i = this.head; i < this.times.length; i += 1) {
      if (kind === undefined || this.kinds[i] === kind) return this.times[i]!;
    }
    return null;
  }

  clear(): void {
    this.times.length = 0;
    this.kinds.length = 0;
    this.head = 0;
  }

  private prune(now: number): void {
    const horizon = now - this.windowMs;
    while (this.head < this.times.length && this.times[this.head]! <= horizon) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.kinds.splice(0, this.head);
      this.head = 0;
    }
  }
}
