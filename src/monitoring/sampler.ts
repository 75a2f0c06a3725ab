import type { Logger } from '../common/logger.js';
import type { VendorClient } from '../providers/provider.js';
import { samplesOfAccount } from './account-samples.js';
import { isHistoryError } from './history-errors.js';
import type { HistoryCondition, HistoryStore, UsageSample } from './history-types.js';

/** When the sampler runs next: injected so that tests drive ticks without waiting. */
export interface SamplerTimers {
  /** Calls `run` once after `ms`; the returned function cancels it. */
  schedule(run: () => void, ms: number): () => void;
}

/** The process's own timers; unref'd, so that a pending tick never keeps a process alive. */
export const systemTimers: SamplerTimers = {
  schedule(run, ms) {
    const timer = setTimeout(run, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** The sampler's state, as `/ready` and the metrics show it. */
export interface SamplerStatus {
  /** `ok`, or the store's condition since its last failed append (`HISTORY_DISK_FULL`, …); clears when an append succeeds. */
  condition: HistoryCondition;
  /** Whether this instance samples (holds the store's lead); the others only read. */
  leader: boolean;
  /** Each vendor's last sampling outcome: `ok`, or the code of the error its account read failed with. */
  vendors: Record<string, string>;
  /** Samples this instance has appended since it started (new keys only, as far as it knows). */
  samplesRecorded: number;
  /** When the last tick ended (the sampler's clock), null before the first. */
  lastTickAt: number | null;
}

/** What one tick did, for callers that drive ticks themselves (tests, the benchmark). */
export interface TickOutcome {
  /** False when another instance leads (or the lead could not be asked): nothing was read. */
  led: boolean;
  /** Samples appended by this tick, per vendor (0 for a vendor that failed or answered from cache again). */
  appended: Record<string, number>;
}

/** What {@link startHistorySampler} needs. */
export interface HistorySamplerOptions {
  /**
   * The configured vendors' clients, those the queries use: each tick's account read goes through
   * the vendor's channel (its rate budget, breaker and cache), and an answer a query has just
   * fetched is reused from the cache, with no new vendor call.
   */
  clients: readonly Pick<VendorClient, 'id' | 'fetchAccount'>[];
  store: HistoryStore;
  /** Time from the end of one tick to the start of the next, ms. */
  intervalMs: number;
  /** Default: the process's timers. */
  timers?: SamplerTimers;
  /** The clock of `lastTickAt`. Default `Date.now`. */
  now?: () => number;
  /** Default: silent. */
  logger?: Logger;
  /** Called whenever the status changes (condition, lead, a vendor's outcome) and after each tick. */
  onStatus?: (status: SamplerStatus) => void;
  /** Called with the samples each append made durable (the metrics count them). */
  onSamples?: (provider: string, count: number) => void;
  /**
   * Whether to run the first tick at once. Default false: the first tick comes one interval after
   * the start, so that a gateway's start-up makes no vendor call of its own (and a restart loop
   * does not spend the vendors' budgets).
   */
  startNow?: boolean;
  /**
   * Called once, before the first append of this instance's lead, with the samples about to be
   * appended: the demo seeds its past from them (no vendor call of its own). A rejection is
   * logged; the samples are appended all the same.
   */
  beforeFirstAppend?: (samples: readonly UsageSample[]) => Promise<unknown>;
  /**
   * Called after each tick this instance led, whatever it appended, before the next tick is
   * scheduled: work on the fresh samples (the alert evaluation) runs on the leader alone and never
   * overlaps a tick. A rejection is logged; sampling goes on.
   */
  afterTick?: (outcome: TickOutcome) => Promise<unknown>;
}

/** A running sampler. */
export interface HistorySampler {
  /** Runs one tick now, or joins the one running: ticks never overlap. */
  tick(): Promise<TickOutcome>;
  status(): SamplerStatus;
  /** Stops the timer and waits for a tick in flight. Does not close the store. */
  close(): Promise<void>;
}

/** Most samples kept for a retry while the store refuses appends: a day of a large account at a minute. */
const MAX_PENDING_SAMPLES = 100_000;

/**
 * Samples every configured vendor's account on an interval into the history store, on the
 * instance that leads the store (the others read what it writes). Vendors fail on their own: one
 * vendor's error never keeps the others from being recorded. A store that refuses an append (a
 * full disk) becomes the sampler's condition, and its samples are retried with the next tick's
 * until the store takes them again. Answers served stale after a vendor failure are not recorded:
 * they are an older reading, not a new one.
 */
export function startHistorySampler(options: HistorySamplerOptions): HistorySampler {
  const { clients, store, intervalMs, logger, onStatus, onSamples } = options;
  const timers = options.timers ?? systemTimers;
  const now = options.now ?? Date.now;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new RangeError(`the sampling interval must be a positive number of ms (got ${String(intervalMs)})`);
  let condition: HistoryCondition = 'ok';
  let leader = false;
  let samplesRecorded = 0;
  let lastTickAt: number | null = null;
  const vendors: Record<string, string> = Object.fromEntries(clients.map((client) => [client.id, 'ok']));
  /** The `fetchedAt` of the last answer recorded per vendor: the same answer again (from cache) is not appended again. */
  const lastRecordedAt = new Map<string, number>();
  let pending: UsageSample[] = [];
  let running: Promise<TickOutcome> | null = null;
  let cancel: (() => void) | null = null;
  let closed = false;
  let firstAppendDone = false;

  const status = (): SamplerStatus => ({ condition, leader, vendors: { ...vendors }, samplesRecorded, lastTickAt });
  const report = () => onStatus?.(status());

  function setCondition(next: HistoryCondition, error?: unknown): void {
    if (next === condition) return;
    const before = condition;
    condition = next;
    if (next === 'ok') logger?.info('usage history: the store takes samples again', { before });
    else logger?.error('usage history: the store refuses samples; they are kept and retried each tick', { condition: next, reason: messageOf(error) });
    report();
  }

  function setLeader(next: boolean): void {
    if (next === leader) return;
    leader = next;
    logger?.info(next ? 'usage history: this instance samples the vendors' : 'usage history: another instance samples the vendors; this one reads', {});
    report();
  }

  function setVendor(provider: string, outcome: string, error?: unknown): void {
    if (vendors[provider] === outcome) return;
    const before = vendors[provider];
    vendors[provider] = outcome;
    if (outcome === 'ok') logger?.info('usage history: sampling a vendor again', { provider, before });
    else logger?.warn('usage history: sampling a vendor failed; the others go on', { provider, code: outcome, reason: messageOf(error) });
    report();
  }

  async function readVendor(client: Pick<VendorClient, 'id' | 'fetchAccount'>): Promise<UsageSample[]> {
    try {
      const fresh = await client.fetchAccount();
      // A stale answer is the last good one again, served because the vendor just failed: not a new reading.
      if (fresh.staleReason !== null) {
        setVendor(client.id, codeOf(fresh.staleReason), fresh.staleReason);
        return [];
      }
      setVendor(client.id, 'ok');
      const at = fresh.fetchedAt.getTime();
      if (lastRecordedAt.get(client.id) === at) return [];
      return samplesOfAccount(client.id, fresh);
    } catch (error) {
      setVendor(client.id, codeOf(error), error);
      return [];
    }
  }

  async function runTick(): Promise<TickOutcome> {
    const appended: Record<string, number> = Object.fromEntries(clients.map((client) => [client.id, 0]));
    let led: boolean;
    try {
      led = await store.tryLead();
    } catch (error) {
      setCondition(conditionOf(error), error);
      return { led: false, appended };
    }
    setLeader(led);
    if (!led) return { led, appended };
    const fresh = (await Promise.all(clients.map(readVendor))).flat();
    const batch = pending.length === 0 ? fresh : [...pending, ...fresh];
    if (batch.length === 0) return { led, appended };
    if (!firstAppendDone && options.beforeFirstAppend !== undefined) {
      firstAppendDone = true;
      await options.beforeFirstAppend(batch).catch((error: unknown) => {
        logger?.warn('usage history: preparing the first append failed', { reason: messageOf(error) });
      });
    }
    try {
      await store.append(batch);
    } catch (error) {
      if (isHistoryError(error) && error.code === 'HISTORY_NOT_LEADER') {
        // The lead went elsewhere between asking and writing: the new leader reads the vendors now.
        setLeader(false);
        pending = [];
        return { led: false, appended };
      }
      if (isHistoryError(error) && error.code === 'HISTORY_BAD_SAMPLE') {
        // Retrying cannot help a sample the store cannot keep; dropping it keeps the others flowing.
        logger?.error('usage history: the store refused a batch of samples as invalid; dropped', { reason: messageOf(error) });
        pending = [];
        return { led, appended };
      }
      pending = batch.length > MAX_PENDING_SAMPLES ? batch.slice(batch.length - MAX_PENDING_SAMPLES) : batch;
      setCondition(conditionOf(error), error);
      return { led, appended };
    }
    pending = [];
    setCondition('ok');
    for (const sample of batch) {
      appended[sample.provider] = (appended[sample.provider] ?? 0) + 1;
      lastRecordedAt.set(sample.provider, Math.max(lastRecordedAt.get(sample.provider) ?? -Infinity, sample.at));
    }
    samplesRecorded += batch.length;
    for (const [provider, count] of Object.entries(appended)) if (count > 0) onSamples?.(provider, count);
    return { led, appended };
  }

  async function afterTick(outcome: TickOutcome): Promise<TickOutcome> {
    if (outcome.led && options.afterTick !== undefined) {
      await options.afterTick(outcome).catch((error: unknown) => {
        logger?.warn('usage history: the work after a tick failed', { reason: messageOf(error) });
      });
    }
    return outcome;
  }

  function tick(): Promise<TickOutcome> {
    running ??= runTick()
      .catch((error: unknown): TickOutcome => {
        logger?.error('usage history: a sampling tick failed', { reason: messageOf(error) });
        return { led: leader, appended: {} };
      })
      .then(afterTick)
      .finally(() => {
        running = null;
        lastTickAt = now();
        report();
        scheduleNext();
      });
    return running;
  }

  function scheduleNext(): void {
    cancel?.();
    cancel = closed ? null : timers.schedule(() => void tick(), intervalMs);
  }

  if (options.startNow ?? false) void tick();
  else scheduleNext();

  return {
    tick,
    status,
    async close() {
      closed = true;
      cancel?.();
      cancel = null;
      await running;
    },
  };
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : error instanceof Error ? error.name : 'UNKNOWN';
}

function conditionOf(error: unknown): HistoryCondition {
  if (!isHistoryError(error)) return 'HISTORY_UNAVAILABLE';
  switch (error.code) {
    case 'HISTORY_DISK_FULL':
    case 'HISTORY_READ_ONLY':
    case 'HISTORY_PERMISSION_DENIED':
    case 'HISTORY_UNAVAILABLE':
      return error.code;
    default:
      return 'HISTORY_UNAVAILABLE';
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
