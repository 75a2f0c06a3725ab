import { createHash } from 'node:crypto';

/** One cached vendor answer: what the vendor client produced after validation, and when. */
export interface CacheEntry {
  value: unknown;
  /** When the vendor's answer arrived, ms since the epoch. */
  fetchedAt: number;
}

export interface CacheWriteOptions {
  /** After this time (ms since the epoch) the entry is useless, even as stale data; drop it. */
  expiresAt: number;
  /** Rough size in bytes, for stores bounded by memory. */
  weight: number;
}

/**
 * Where vendor answers are kept between requests. Async so that a shared store (Redis, memcached)
 * can implement it later; such a store must serialise values faithfully (Dates included) and
 * keep keys as given: they already hold a credential's hash, never the credential.
 */
export interface UpstreamCache {
  get(key: string, now: number): Promise<CacheEntry | undefined>;
  set(key: string, entry: CacheEntry, options: CacheWriteOptions): Promise<void>;
}

/** Options of {@link MemoryCache}. */
export interface MemoryCacheOptions {
  /** Most entries kept; the least recently used goes first. Default 1000. */
  maxEntries?: number;
  /** Most bytes kept (sum of entry weights). Default 64 MiB. */
  maxBytes?: number;
}

interface StoredEntry {
  entry: CacheEntry;
  expiresAt: number;
  weight: number;
}

/** The embedded default: a bounded LRU in this process's memory. */
export class MemoryCache implements UpstreamCache {
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  /** A Map iterates in insertion order, so re-inserting on use keeps the LRU order for free. */
  private readonly entries = new Map<string, StoredEntry>();
  private bytes = 0;

  constructor(options: MemoryCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string, now: number): Promise<CacheEntry | undefined> {
    const stored = this.entries.get(key);
    if (stored === undefined) return undefined;
    this.remove(key, stored);
    if (now >= stored.expiresAt) return undefined;
    this.entries.set(key, stored);
    this.bytes += stored.weight;
    return stored.entry;
  }

  async set(key: string, entry: CacheEntry, options: CacheWriteOptions): Promise<void> {
    const previous = this.entries.get(key);
    if (previous !== undefined) this.remove(key, previous);
    // An entry larger than the whole cache would only evict everything else and then itself.
    if (options.weight > this.maxBytes || this.maxEntries === 0) return;
    this.entries.set(key, { entry, expiresAt: options.expiresAt, weight: options.weight });
    this.bytes += options.weight;
    for (const [oldestKey, oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.remove(oldestKey, oldest);
    }
  }

  private remove(key: string, stored: StoredEntry): void {
    this.entries.delete(key);
    this.bytes -= stored.weight;
  }
}

/**
 * A credential's identity for cache keys: a SHA-256 digest, so keys (which a shared store would
 * hold and might log) separate credentials without carrying one.
 */
export function credentialHash(credential: string): string {
  return createHash('sha256').update(credential).digest('hex');
}
