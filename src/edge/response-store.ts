/**
 * Where the response cache keeps whole answers. The embedded default is
 * {@link MemoryResponseStore}; a shared store (Redis) serves every gateway instance, holds the
 * answer as JSON (what the client is sent anyway), and may answer asynchronously. Neither method
 * rejects: a store that fails is a miss, and an answer it could not keep is still the answer.
 */
export interface ResponseStore {
  /** The answer kept under `key` and its expiry, while `now` is before that expiry. */
  get(key: string, now: number): KeptAnswer | undefined | Promise<KeptAnswer | undefined>;
  /** Keeps `result` under `key` until `expiresAt` (ms since the epoch). */
  set(key: string, result: unknown, expiresAt: number, now: number): void | Promise<void>;
}

/** An answer a {@link ResponseStore} holds, with its expiry (ms since the epoch) for HTTP caching headers. */
export interface KeptAnswer {
  result: unknown;
  expiresAt: number;
}

/** Options of {@link MemoryResponseStore}. */
export interface MemoryResponseStoreOptions {
  /** Most answers kept; the oldest go first. Default 1000. */
  maxEntries?: number;
}

/** The embedded default: answers in this process's memory, oldest evicted first. */
export class MemoryResponseStore implements ResponseStore {
  private readonly entries = new Map<string, KeptAnswer>();
  private readonly maxEntries: number;

  constructor(options: MemoryResponseStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
  }

  get(key: string, now: number): KeptAnswer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now) return entry;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, result: unknown, expiresAt: number, now: number): void {
    const { entries } = this;
    entries.delete(key);
    entries.set(key, { result, expiresAt });
    for (const [oldest, entry] of entries) {
      if (entries.size <= this.maxEntries && entry.expiresAt > now) break;
      entries.delete(oldest);
    }
  }
}
