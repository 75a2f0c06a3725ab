import { SlidingWindow } from './sliding-window.js';

const MINUTE_MS = 60_000;

/** Whether a request serves a client now (`foreground`) or a job that can wait (`background`). */
export type RequestPriority = 'foreground' | 'background';

/** Share of every rate budget that background requests leave to foreground ones. */
export const BACKGROUND_RESERVE = 0.25;

/** Options of a {@link RateBudget}. */
export interface RateBudgetOptions {
  /** Requests per minute the gateway may send; the vendor's documented tier. Required. */
  limitPerMinute: number;
  /** Pause after a 429 that names no Retry-After, ms. Default 1000. */
  defaultPauseMs?: number;
  /**
   * Largest share of the limit (0 to 1] that foreground requests of one caller may use over the
   * minute, so that one caller cannot spend what everybody else needs. Default 1: no reserve.
   */
  callerShare?: number;
}

export interface RateBudgetSnapshot {
  /** The limit in force: the configured one, or lower when the vendor reported lower. */
  limitPerMinute: number;
  configuredLimitPerMinute: number;
  /** What the vendor last reported (body or headers), when it did. */
  reportedLimitPerMinute: number | null;
  /** Requests sent in the last minute. */
  used: number;
  remaining: number;
  /** While set, nothing is sent: the vendor said (429, remaining 0) to wait until then. */
  pausedUntil: number | null;
}

/**
 * What admission and health need of a vendor credential's rate budget. {@link RateBudget} is the
 * embedded default (this process's memory); a shared store (Redis) implements it too, and its
 * `tryAcquire` may then answer asynchronously. Everything else stays synchronous: observations
 * are applied locally at once and shared in the background; the snapshot is the latest known.
 */
export interface VendorRateBudget {
  /** The limit in force: the configured one, or lower when the vendor reported lower. */
  readonly limit: number;
  /** Most requests one caller's foreground requests may use over the minute. */
  readonly callerLimit: number;
  /** 0 when a slot was taken (send now); otherwise ms until one may free up (nothing taken). */
  tryAcquire(now: number, priority?: RequestPriority, caller?: string | null): number | Promise<number>;
  observeLimit(perMinute: number): void;
  pauseUntil(until: number): void;
  observeRateLimited(now: number, retryAfterSeconds: number | null): void;
  observeHeaders(now: number, headers: Record<string, string | string[] | undefined>): void;
  snapshot(now: number): RateBudgetSnapshot;
}

/**
 * The most requests per sliding minute the gateway sends one vendor credential: configured, and
 * tightened by what the vendor reports (a lower limit, a 429's Retry-After, remaining 0 until a
 * reset). A request that finds no room is told how long to wait; it is never sent early.
 */
export class RateBudget implements VendorRateBudget {
  readonly configuredLimit: number;
  private readonly defaultPauseMs: number;
  private reportedLimit: number | null = null;
  private pausedUntil = 0;
  private readonly sent = new SlidingWindow<'sent'>(MINUTE_MS);
  private readonly callerShare: number;
  /** Each caller's requests of the last minute; a caller without any is dropped at the next sweep. */
  private readonly byCaller = new Map<string, SlidingWindow<'sent'>>();
  private sweepAt = 64;

  constructor(options: RateBudgetOptions) {
    this.configuredLimit = options.limitPerMinute;
    this.defaultPauseMs = options.defaultPauseMs ?? 1000;
    this.callerShare = options.callerShare ?? 1;
  }

  get limit(): number {
    return this.reportedLimit === null ? this.configuredLimit : Math.min(this.configuredLimit, this.reportedLimit);
  }

  /**
   * Most requests one caller's foreground requests may use over the minute: its share of the
   * limit, never below one (a caller must be able to ask at all).
   */
  get callerLimit(): number {
    return Math.max(1, Math.floor(this.limit * this.callerShare));
  }

  /**
   * Takes one request's slot when there is one (returns 0, and the request must then be sent);
   * otherwise returns how many ms until one frees up, and takes nothing. A background request
   * leaves BACKGROUND_RESERVE of the limit to foreground ones, so a ledger catching up never
   * spends the budget user queries need; a foreground request of `caller` also stays within
   * `callerLimit`, so one caller never spends what the others need.
   */
  tryAcquire(now: number, priority: RequestPriority = 'foreground', caller: string | null = null): number {
    if (now < this.pausedUntil) return this.pausedUntil - now;
    const usable = priority === 'background' ? this.limit - Math.floor(this.limit * BACKGROUND_RESERVE) : this.limit;
    const own = priority === 'background' || caller === null ? undefined : this.windowOf(caller, now);
    const waitMs = Math.max(waitFor(this.sent, usable, now), own === undefined ? 0 : waitFor(own, this.callerLimit, now));
    if (waitMs > 0) return waitMs;
    this.sent.record(now, 'sent');
    own?.record(now, 'sent');
    return 0;
  }

  private windowOf(caller: string, now: number): SlidingWindow<'sent'> {
    let window = this.byCaller.get(caller);
    if (window === undefined) {
      // Every caller kept has a request within the minute, so the map stays about as small as the
      // limit; sweeping only when it doubled keeps that cheap.
      if (this.byCaller.size >= this.sweepAt) {
        for (const [id, held] of this.byCaller) if (held.count(now) === 0) this.byCaller.delete(id);
        this.sweepAt = Math.max(64, 2 * this.byCaller.size);
      }
      this.byCaller.set(caller, (window = new SlidingWindow<'sent'>(MINUTE_MS)));
    }
    return window;
  }

  /** The vendor's own statement of its per-minute limit (e.g. Sharpe's `rate_limit`). */
  observeLimit(perMinute: number): void {
    if (Number.isFinite(perMinute) && perMinute >= 1) this.reportedLimit = Math.floor(perMinute);
  }

  /** Nothing more is sent until `until` (a 429's Retry-After, or a reset with remaining 0). */
  pauseUntil(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }

  /** A 429: pause for its Retry-After, or briefly when it named none. */
  observeRateLimited(now: number, retryAfterSeconds: number | null): void {
    this.pauseUntil(now + (retryAfterSeconds === null ? this.defaultPauseMs : retryAfterSeconds * 1000));
  }

  /**
   * Reads the common rate-limit headers (`x-ratelimit-*`, IETF draft `ratelimit-*`). The limit is
   * taken as per minute, which is what the vendors we read document; a `remaining` of 0 pauses
   * until `reset` (seconds from now, or a Unix time when larger than a year of seconds).
   */
  observeHeaders(now: number, headers: Record<string, string | string[] | undefined>): void {
    const { limit, pauseUntil } = readRateLimitHeaders(now, headers);
    if (limit !== null) this.observeLimit(limit);
    if (pauseUntil !== null) this.pauseUntil(pauseUntil);
  }

  snapshot(now: number): RateBudgetSnapshot {
    const used = this.sent.count(now);
    return {
      limitPerMinute: this.limit,
      configuredLimitPerMinute: this.configuredLimit,
      reportedLimitPerMinute: this.reportedLimit,
      used,
      remaining: Math.max(0, this.limit - used),
      pausedUntil: now < this.pausedUntil ? this.pausedUntil : null,
    };
  }
}

/** Ms until `window` holds fewer than `usable` requests; 0 when it already does. */
function waitFor(window: SlidingWindow<'sent'>, usable: number, now: number): number {
  if (window.count(now) < usable) return 0;
  const oldest = window.oldest(now) ?? now;
  return Math.max(1, oldest + MINUTE_MS - now);
}

/**
 * What the common rate-limit headers (`x-ratelimit-*`, IETF draft `ratelimit-*`) say: the limit,
 * taken as per minute (what the vendors we read document), and, when `remaining` is 0, the time
 * to pause until (`reset`: seconds from now, or a Unix time when larger than a year of seconds).
 */
export function readRateLimitHeaders(now: number, headers: Record<string, string | string[] | undefined>): { limit: number | null; pauseUntil: number | null } {
  const read = (name: string): number | null => {
    const raw = headers[`x-ratelimit-${name}`] ?? headers[`ratelimit-${name}`];
    const text = Array.isArray(raw) ? raw[0] : raw;
    // Structured forms such as `60;w=60` carry the number first.
    const match = text === undefined ? null : /^\s*(\d+)/.exec(text);
    return match?.[1] === undefined ? null : Number(match[1]);
  };
  const remaining = read('remaining');
  const reset = read('reset');
  const pauseUntil = remaining === 0 && reset !== null ? (reset > 365 * 24 * 3600 ? reset * 1000 : now + reset * 1000) : null;
  return { limit: read('limit'), pauseUntil };
}
