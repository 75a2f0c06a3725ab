/**
 * Events of a few kinds over a sliding time window: the one bookkeeping shared by the retry
 * budget, the rate budget and the circuit breaker. Memory is bounded by the events inside the
 * window, since older ones are dropped whenever the window is read or written.
 */
export class SlidingWindow<Kind extends string> {
  private readonly events: { at: number; kind: Kind }[] = [];
  /** Index of the first live event; the array is compacted lazily so pruning stays O(1) amortised. */
  private head = 0;

  constructor(readonly windowMs: number) {}

  record(now: number, kind: Kind): void {
    this.prune(now);
    this.events.push({ at: now, kind });
  }

  /** How many events of `kind` (or of every kind) happened in the last `windowMs`. */
  count(now: number, kind?: Kind): number {
    this.prune(now);
    if (kind === undefined) return this.events.length - this.head;
    let total = 0;
    for (let i = this.head; i < this.events.length; i += 1) if (this.events[i]!.kind === kind) total += 1;
    return total;
  }

  /** Time of the oldest live event of `kind` (or of any kind), or null. */
  oldest(now: number, kind?: Kind): number | null {
    this.prune(now);
    for (let i = this.head; i < this.events.length; i += 1) {
      const event = this.events[i]!;
      if (kind === undefined || event.kind === kind) return event.at;
    }
    return null;
  }

  clear(): void {
    this.events.length = 0;
    this.head = 0;
  }

  private prune(now: number): void {
    const horizon = now - this.windowMs;
    while (this.head < this.events.length && this.events[this.head]!.at <= horizon) this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events.splice(0, this.head);
      this.head = 0;
    }
  }
}
