import { SpanKind } from '@opentelemetry/api';
import { activeTracer, failSpan } from '../common/instrumentation.js';
import type { Logger } from '../common/logger.js';
import { ARRAYS_MAX_COUNT, ARRAYS_STREAM_START, compareCursors, cursorMs, isCursor } from './stream-cursor.js';
import type { Fresh, PartnerUsagePage } from '../usage/model.js';
import type { PartnerUsageRows } from '../usage/packed-partner-usage.js';
import { LedgerBadPageError, isLedgerError, isLedgerStorageError, type LedgerStorageErrorCode } from './errors.js';
import type { LedgerCommit, LedgerStore } from './store.js';
import { cursorDay, DAY_MS } from './utc-day.js';

/**
 * Reads one page of the Arrays stream: at most `count` entries after `fromCursor`. A page with
 * has_more=true never changes (the stream is append-only) and may come from a cache; one with
 * has_more=false must be fresh.
 */
export type PageSource = (fromCursor: string, count: number) => Promise<Fresh<LedgerPage>>;

/** A stream page as the follower reads it: its users as an array or packed (`fetchPackedPartnerPage`). */
export interface LedgerPage extends Omit<PartnerUsagePage, 'entries'> {
  entries: PartnerUsageRows;
}

/** The last failure of the follower, as `partnerLedger.lastError` shows it. */
export interface LedgerErrorInfo {
  code: string;
  message: string;
  at: Date;
}

export interface FollowerStatus {
  /** True when this gateway follows the stream; false when another process holds the ledger's lock. */
  following: boolean;
  /** The last poll reached the head of the stream and everything up to it is committed. */
  caughtUp: boolean;
  /** The newest stream cursor any page has shown the follower. */
  headCursor: string | null;
  /** When the follower last had an answer from Arrays. */
  lastPollAt: Date | null;
  lastError: LedgerErrorInfo | null;
  /** Failures since the last successful step; 0 when healthy. */
  consecutiveFailures: number;
  /**
   * True from a commit that failed for the disk's sake (full, read-only, permission; see
   * `LedgerStorageError`) until a commit succeeds again: the totals stop advancing, those
   * committed are served, and the follower retries the same page on its own.
   */
  stalled: boolean;
}

/** Hears what the follower does, for the metrics; each call must return at once and never throw. */
export interface LedgerObserver {
  /** A page of `entries` stream entries was committed; the store took `durationMs` to make it durable. */
  committed(entries: number, durationMs: number): void;
  /** A step failed with `code` (as `partnerLedger.lastError` shows it); nothing of its page was committed. */
  failed(code: string): void;
  /** The ledger stalled on its disk with `code`, or (null) resumed writing; called once per change. */
  stalled(code: LedgerStorageErrorCode | null): void;
}

/** Options of the stream follower. */
export interface LedgerFollowerOptions {
  source: PageSource;
  store: LedgerStore;
  logger: Logger;
  /** Wait between polls once the head of the stream is reached, ms. Default 15000. */
  pollIntervalMs?: number;
  /** Entries asked per page, 1 to 5000 (Arrays' maximum). Default 5000. */
  pageSize?: number;
  /** Wait after the first failure, ms; doubles per consecutive failure, with jitter. Default 1000. */
  backoffBaseMs?: number;
  /** Longest wait after failures, ms. Default 60000. */
  backoffMaxMs?: number;
  /** Source of jitter in [0, 1). Default Math.random. */
  random?: () => number;
  /** Default: none. */
  observer?: LedgerObserver;
}

const DEFAULTS = { pollIntervalMs: 15_000, pageSize: ARRAYS_MAX_COUNT, backoffBaseMs: 1000, backoffMaxMs: 60_000 };

/**
 * Follows the Arrays stream from the ledger's committed cursor and commits it page by page. Each
 * committed page lies within one UTC day (so daily buckets are exact) and its entry count is known
 * exactly; a page the follower cannot vouch for is rejected whole and retried after a backoff.
 * Exactly once: reading the same cursor again yields the same page, and the store commits a page
 * atomically with the cursor after it, so resuming from the committed cursor neither skips nor
 * repeats an entry.
 */
export class LedgerFollower {
  private readonly options: LedgerFollowerOptions & typeof DEFAULTS;
  private readonly state: FollowerStatus = {
    following: true,
    caughtUp: false,
    headCursor: null,
    lastPollAt: null,
    lastError: null,
    consecutiveFailures: 0,
    stalled: false,
  };
  /** The storage condition the ledger is stalled on, so that each change is said once. */
  private stalledOn: LedgerStorageErrorCode | null = null;
  /** Null until read from the store, and again after a failed commit (the store decides). */
  private cursor: string | null = null;
  /** Entries per ms of stream time on the last page whose count Arrays told us: a first guess for counting the next short page. */
  private density: number | null = null;
  /** The next step's first read, started while this step's commit is being made durable. */
  private prefetch: { from: string; page: Promise<Fresh<LedgerPage>> } | null = null;
  private running: Promise<void> | null = null;
  private committing: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(options: LedgerFollowerOptions) {
    this.options = { ...DEFAULTS, ...options };
    if (!Number.isInteger(this.options.pageSize) || this.options.pageSize < 1 || this.options.pageSize > ARRAYS_MAX_COUNT) {
      throw new RangeError(`pageSize must be an integer from 1 to ${ARRAYS_MAX_COUNT}; got ${this.options.pageSize}`);
    }
  }

  status(): FollowerStatus {
    return { ...this.state };
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Stops polling; resolves once a commit in flight has finished. A page being read is dropped uncommitted. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.committing?.catch(() => undefined);
  }

  /** Resolves when the loop has ended (after `stop`, once any read in flight has returned). */
  async finished(): Promise<void> {
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let wait: number;
      try {
        const more = await this.step();
        this.state.consecutiveFailures = 0;
        wait = more ? 0 : this.options.pollIntervalMs;
      } catch (error) {
        if (this.stopped) return;
        this.state.consecutiveFailures += 1;
        wait = this.backoff(error);
        this.state.lastError = describe(error);
        this.options.observer?.failed(this.state.lastError.code);
        const fields = { code: this.state.lastError.code, error, consecutiveFailures: this.state.consecutiveFailures, retryInMs: wait };
        if (isLedgerStorageError(error)) this.stall(error.code, fields);
        else if (isLedgerError(error)) this.options.logger.error('partner ledger: page rejected, nothing of it committed', fields);
        else this.options.logger.warn('partner ledger: reading the Arrays stream failed', fields);
      }
      if (wait > 0 && !this.stopped) await this.sleep(wait);
    }
  }

  /** Reads, narrows, counts and commits one page; true when the stream has more right now. */
  private async step(): Promise<boolean> {
    this.cursor ??= (await this.options.store.position()).cursor;
    const from = this.cursor;
    const probe = new PageProbe(this.options.source, from, (page) => this.observe(page));
    const size = this.options.pageSize;
    if (this.prefetch?.from === from) probe.seed(size, this.prefetch.page);
    this.prefetch = null;
    const full = await probe.page(size);
    if (full.entries.length === 0) {
      this.state.caughtUp = true;
      return false;
    }
    const count = await probe.countWithinOneDay(size, this.density);
    const page = await probe.page(count);
    const entries = page.hasMore ? count : await probe.countEntries(count, this.density);
    if (this.stopped) return false;
    // Not awaited here: this frame, and the pages it holds, end now rather than after the fsync.
    return this.commit({ cursorBefore: from, cursorAfter: page.nextCursor, entries, users: page.entries }, page.hasMore);
  }

  /** Commits a page; true when the stream has more after it. */
  private async commit(commit: LedgerCommit, hasMore: boolean): Promise<boolean> {
    const { cursorBefore: from, cursorAfter: next, entries } = commit;
    const startedAt = performance.now();
    // Started by hand, not around a closure: one holding `commit` would keep the page in memory
    // through the fsync, which the store takes care to let go of.
    const span = activeTracer()?.startSpan('ledger commit', { kind: SpanKind.INTERNAL, attributes: { 'gateway.ledger.entries': entries, 'gateway.ledger.has_more': hasMore } });
    this.committing = this.options.store.commit(commit);
    if (hasMore) {
      // The vendor prepares the next page while the fsync runs; a read that fails is retried by the next step.
      const read = this.options.source(next, this.options.pageSize);
      read.catch(() => undefined);
      this.prefetch = { from: next, page: read };
    }
    try {
      await this.committing;
    } catch (error) {
      if (span !== undefined) failSpan(span, error);
      this.cursor = null;
      this.prefetch = null;
      throw error;
    } finally {
      span?.end();
      this.committing = null;
    }
    this.options.observer?.committed(entries, performance.now() - startedAt);
    if (this.stalledOn !== null) this.resume(entries);
    this.cursor = next;
    const spanMs = (cursorMs(next) ?? 0) - (cursorMs(from) ?? 0);
    if (hasMore && from !== ARRAYS_STREAM_START && spanMs > 0) this.density = entries / spanMs;
    this.state.caughtUp = !hasMore;
    return hasMore;
  }

  /**
   * A disk condition stops the totals, possibly for hours (until someone frees space): said once
   * when it starts or changes, not at every retry, whose backoff would otherwise fill the log.
   */
  private stall(code: LedgerStorageErrorCode, fields: Record<string, unknown>): void {
    this.state.stalled = true;
    if (this.stalledOn === code) return;
    this.stalledOn = code;
    this.options.observer?.stalled(code);
    this.options.logger.warn('partner ledger: stalled, its files in DATA_DIR cannot be written; serving the totals committed so far and retrying the same page until they can', fields);
  }

  private resume(entries: number): void {
    this.options.logger.info('partner ledger: writing again, resumed following the Arrays stream', { stalledOn: this.stalledOn, entries });
    this.stalledOn = null;
    this.state.stalled = false;
    this.options.observer?.stalled(null);
  }

  private observe({ value: page, fetchedAt }: Fresh<LedgerPage>): void {
    this.state.lastPollAt = fetchedAt;
    const head = this.state.headCursor;
    if (head === null || compareCursors(page.nextCursor, head) > 0) this.state.headCursor = page.nextCursor;
  }

  /** Exponential backoff with equal jitter, never shorter than the vendor's Retry-After. */
  private backoff(error: unknown): number {
    const { backoffBaseMs, backoffMaxMs } = this.options;
    const ceiling = Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.min(this.state.consecutiveFailures - 1, 30));
    const jittered = ceiling / 2 + (ceiling / 2) * (this.options.random ?? Math.random)();
    const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    return Math.max(jittered, typeof retryAfter === 'number' ? Math.min(retryAfter * 1000, backoffMaxMs) : 0);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function describe(error: unknown): LedgerErrorInfo {
  const code = (error as { code?: unknown }).code;
  return {
    code: typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : 'INTERNAL_SERVER_ERROR',
    message: error instanceof Error ? error.message : String(error),
    at: new Date(),
  };
}

/** Throws unless `page`, read after `from`, is one the ledger can commit or recognise as the head. */
export function checkPage(from: string, page: LedgerPage): void {
  const bad = (why: string) => new LedgerBadPageError(`Arrays page after ${from}: ${why}`);
  if (page.fromCursor !== from) throw bad(`it was read from ${page.fromCursor}`);
  if (!isCursor(page.nextCursor)) throw bad(`next cursor ${JSON.stringify(page.nextCursor)} is not a stream id <unix-ms>-<seq>`);
  const order = compareCursors(page.nextCursor, from);
  if (order < 0) throw bad(`next cursor ${page.nextCursor} goes backwards`);
  if (order === 0) {
    if (page.entries.length > 0 || page.hasMore) throw bad(`next cursor ${page.nextCursor} does not advance although the page ${page.hasMore ? 'has more' : 'reports usage'}`);
    return;
  }
  if (page.entries.length === 0) throw bad(`next cursor ${page.nextCursor} advances but the page reports no usage`);
}

/**
 * The pages one step reads, all from the same cursor and each checked. Arrays aggregates a page
 * per user, so the first k entries of the stream after the cursor are only visible as page(k);
 * the searches below find the k they need in a few such reads. page(k) is the same whenever it
 * is read, for every k up to the stream's length, which keeps the searches sound while the stream grows.
 */
class PageProbe {
  private readonly pages = new Map<number, Promise<LedgerPage>>();

  constructor(
    private readonly source: PageSource,
    readonly from: string,
    private readonly observe: (answer: Fresh<LedgerPage>) => void,
  ) {}

  page(count: number): Promise<LedgerPage> {
    return this.pages.get(count) ?? this.seed(count, this.source(this.from, count));
  }

  /** Takes a read of page(count) already under way. */
  seed(count: number, read: Promise<Fresh<LedgerPage>>): Promise<LedgerPage> {
    const page = read.then((answer) => {
      checkPage(this.from, answer.value);
      this.observe(answer);
      return answer.value;
    });
    // A failed read is remembered only for this step: the next step starts a fresh probe.
    this.pages.set(count, page);
    return page;
  }

  /** Stream time of entry k (k = 0: the cursor itself); null for cursor `0`. */
  private async msAt(k: number): Promise<number | null> {
    return cursorMs(k === 0 ? this.from : (await this.page(k)).nextCursor) ?? null;
  }

  /**
   * The largest k <= size such that the first k entries lie within one UTC day: size itself unless
   * the page crosses a midnight. The search costs a handful of reads, once per day of stream.
   */
  async countWithinOneDay(size: number, density: number | null): Promise<number> {
    const lastDay = cursorDay((await this.page(size)).nextCursor);
    let day = cursorDay(this.from);
    let low = 0;
    if (day === null) {
      // Cursor `0` has no time: the first entry's day comes from a one-entry page.
      day = cursorDay((await this.page(1)).nextCursor);
      low = 1;
    }
    if (day === lastDay) return size;
    let count = await this.lastInDay(low, size, day!, density);
    if (count === 0) {
      // The first entry after the cursor is already on a later day than the cursor.
      day = cursorDay((await this.page(1)).nextCursor);
      if (day === lastDay) return size;
      count = await this.lastInDay(1, size, day!, density);
    }
    return count;
  }

  /**
   * Largest k in [low, high) whose entry is on `day`, given entry `low` is and entry `high` is not.
   * Entries come at a fairly steady pace, so the stream's recent density (entries per ms), or else
   * interpolation between the two ends, guesses where midnight falls.
   */
  private async lastInDay(low: number, high: number, day: number, density: number | null): Promise<number> {
    const midnight = (day + 1) * DAY_MS;
    const lowMs = await this.msAt(low);
    const highMs = await this.msAt(high);
    let estimate: number | undefined;
    if (lowMs !== null && density !== null) estimate = low + Math.floor(density * (midnight - 1 - lowMs));
    else if (lowMs !== null && highMs !== null && highMs > lowMs) estimate = low + Math.floor(((high - low) * (midnight - 1 - lowMs)) / (highMs - lowMs));
    // Clamped inside the range: a cursor that is the last entry of its day (where the previous page
    // was cut) then costs one read, not a bisection down to it.
    const guess = estimate === undefined ? undefined : Math.min(high - 1, Math.max(low + 1, estimate));
    return lastTrue(low, high, async (k) => cursorDay((await this.page(k)).nextCursor) === day, guess);
  }

  /**
   * Entries in page(count), which reached the head (has_more false) and so may hold fewer than
   * `count`: the smallest k whose page ends at the same cursor. `density` (entries per ms) guesses it.
   */
  async countEntries(count: number, density: number | null): Promise<number> {
    const end = (await this.page(count)).nextCursor;
    const fromMs = cursorMs(this.from);
    const endMs = cursorMs(end);
    const guess = density !== null && fromMs != null && endMs != null ? Math.round(density * (endMs - fromMs)) : undefined;
    return 1 + (await lastTrue(0, count, async (k) => k === 0 || compareCursors((await this.page(k)).nextCursor, end) < 0, guess));
  }
}

/**
 * Largest k in [low, high) with `test(k)`, given test(low) holds, test(high) does not and the test
 * is monotone. Gallops out from a guess, when there is one, then bisects.
 */
export async function lastTrue(low: number, high: number, test: (k: number) => Promise<boolean>, guess?: number): Promise<number> {
  let lo = low;
  let hi = high;
  if (guess !== undefined && guess > lo && guess < hi) {
    if (await test(guess)) {
      lo = guess;
      for (let step = 1; lo + step < hi; step *= 2) {
        if (!(await test(lo + step))) {
          hi = lo + step;
          break;
        }
        lo += step;
      }
    } else {
      hi = guess;
      for (let step = 1; hi - step > lo; step *= 2) {
        if (await test(hi - step)) {
          lo = hi - step;
          break;
        }
        hi -= step;
      }
    }
  }
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (await test(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
