/**
 * Seeded, hash-based randomness and the simulated world's clock. Every simulated number derives
 * from (seed, credential, position), so any piece of data can be computed on demand, in any order,
 * without precomputing tables.
 */

/**
 * The simulated world's fixed "now". Data is laid out relative to it (not to Date.now()) so that
 * two runs with the same seed produce the same bodies.
 */
export const SIM_NOW_MS = Date.UTC(2026, 10, 20, 12, 0, 0);

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const TWO_POW_32 = 4_294_967_296;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix32(input: number): number {
  let h = input;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit hash of a string (FNV-1a, then a murmur finalizer for avalanche). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** 32-bit hash of a tuple of non-negative integers (murmur3 block mixing; words up to 2^53). */
export function mix(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const word of words) {
    h = mixBlock(h, word >>> 0);
    h = mixBlock(h, Math.floor(word / TWO_POW_32) >>> 0);
  }
  return fmix32(h ^ words.length);
}

function mixBlock(h: number, block: number): number {
  let k = Math.imul(block, 0xcc9e2d51);
  k = rotl(k, 15);
  k = Math.imul(k, 0x1b873593);
  const next = rotl(h ^ k, 13);
  return (Math.imul(next, 5) + 0xe6546b64) | 0;
}

/** The root key of one credential's data: different seeds or credentials give unrelated data. */
export function seedKey(seed: number, credential: string, purpose: string): number {
  return hashString(`${seed}\u0000${credential}\u0000${purpose}`);
}

/** A small sequential generator (mulberry32) for data derived from one hashed key. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Float in [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** Index chosen with probability proportional to `weights`. */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let target = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      target -= weights[i] ?? 0;
      if (target < 0) return i;
    }
    return weights.length - 1;
  }

  hex(length: number): string {
    let out = '';
    while (out.length < length) out += this.int(0, 15).toString(16);
    return out;
  }

  /** A version-4-shaped UUID. */
  uuid(): string {
    const h = this.hex(32);
    const variant = ((this.int(0, 3) | 8) >>> 0).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/**
 * Splits a non-negative integer into parts proportional to `weights` that sum to it exactly
 * (cumulative flooring, so parts never go negative).
 */
export function splitInteger(total: number, weights: readonly number[]): number[] {
  let sum = 0;
  for (const w of weights) sum += w;
  if (sum <= 0) return weights.map((_, i) => (i === weights.length - 1 ? total : 0));
  const parts: number[] = [];
  let cumulative = 0;
  let previous = 0;
  for (let i = 0; i < weights.length; i++) {
    cumulative += weights[i] ?? 0;
    const upTo = i === weights.length - 1 ? total : Math.floor((total * cumulative) / sum);
    parts.push(upTo - previous);
    previous = upTo;
  }
  return parts;
}

/** ISO 8601 without milliseconds, as vendors print it (`2026-11-20T12:00:00Z`). */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Rounds to `digits` decimals, for figures vendors print with limited precision. */
export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
