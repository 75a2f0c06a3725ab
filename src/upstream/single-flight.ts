/**
 * Shares one in-flight promise among concurrent callers with the same key: fifty identical
 * requests arriving together cost the vendor one call. The key is forgotten once the promise
 * settles, so later callers start afresh (the cache, not this, serves them).
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, start: () => Promise<T>): Promise<T> {
    const existing = this.inFlight.get(key);
    if (existing !== undefined) return existing;
    const promise = start().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  get size(): number {
    return this.inFlight.size;
  }
}
