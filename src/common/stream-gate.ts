/**
 * Admission of long-lived streams (subscriptions): at most so many per caller and in all, each
 * with a signal that aborts when the stream must end (shutdown, the caller's credential expiring).
 * Knows nothing of GraphQL or transports: the schema's subscription asks it, the server closes it.
 */

/** Limits of a {@link StreamGate}. */
export interface StreamGateOptions {
  /** `SUBSCRIPTIONS_MAX_PER_CALLER`: open streams one caller may hold. Default 10. */
  maxPerCaller?: number;
  /** `SUBSCRIPTIONS_MAX_TOTAL`: open streams of every caller together. Default 1000. */
  maxTotal?: number;
  /** Milliseconds since the epoch, for credential expiry. Default `Date.now`. */
  now?: () => number;
  /** Runs `task` after `ms`; returns the cancel. Default `setTimeout` (unref'd); tests pass a fake one. */
  schedule?: (ms: number, task: () => void) => () => void;
}

export const DEFAULT_STREAMS_PER_CALLER = 10;
export const DEFAULT_STREAMS_TOTAL = 1000;

/** Why an open stream ended from the gateway's side. */
export type StreamEndReason = 'shutdown' | 'expired';

/** Why a stream was refused. */
export type StreamRefusal = 'per-caller' | 'total' | 'shutdown';

/** An admitted stream: its end signal, and the release the stream calls once it is over. */
export interface StreamTicket {
  /** Aborts with a {@link StreamEndedError} when the gateway ends the stream. */
  signal: AbortSignal;
  /** Frees the stream's place; idempotent. */
  release(): void;
}

/** The gateway ended an open stream: it shuts down (`shutdown`) or the caller's credential expired (`expired`). */
export class StreamEndedError extends Error {
  override readonly name = 'StreamEndedError';
  readonly code: 'SHUTTING_DOWN' | 'TOKEN_EXPIRED';
  constructor(readonly reason: StreamEndReason) {
    super(reason === 'shutdown' ? 'The gateway is shutting down; subscribe again (to another instance).' : 'The credential expired; subscribe again with a fresh one.');
    this.code = reason === 'shutdown' ? 'SHUTTING_DOWN' : 'TOKEN_EXPIRED';
  }
}

const defaultSchedule = (ms: number, task: () => void) => {
  const timer = setTimeout(task, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/** Counts open streams by caller and aborts them all on {@link StreamGate.close}. */
export class StreamGate {
  readonly maxPerCaller: number;
  readonly maxTotal: number;
  private readonly byCaller = new Map<string, number>();
  private readonly open = new Set<AbortController>();
  private total = 0;
  private closed = false;
  private readonly now: () => number;
  private readonly schedule: (ms: number, task: () => void) => () => void;

  constructor(options: StreamGateOptions = {}) {
    this.maxPerCaller = options.maxPerCaller ?? DEFAULT_STREAMS_PER_CALLER;
    this.maxTotal = options.maxTotal ?? DEFAULT_STREAMS_TOTAL;
    this.now = options.now ?? Date.now;
    this.schedule = options.schedule ?? defaultSchedule;
  }

  /**
   * Admits a stream of `callerKey` (a stable id of the caller, never a credential) whose credential
   * expires at `expiresAt` (ms; null: never), or says why not.
   */
  admit(callerKey: string, expiresAt: number | null): StreamTicket | StreamRefusal {
    if (this.closed) return 'shutdown';
    if (this.total >= this.maxTotal) return 'total';
    const held = this.byCaller.get(callerKey) ?? 0;
    if (held >= this.maxPerCaller) return 'per-caller';
    this.byCaller.set(callerKey, held + 1);
    this.total += 1;
    const controller = new AbortController();
    this.open.add(controller);
    const cancelExpiry = expiresAt === null ? () => {} : this.schedule(Math.max(0, expiresAt - this.now()), () => controller.abort(new StreamEndedError('expired')));
    let released = false;
    return {
      signal: controller.signal,
      release: () => {
        if (released) return;
        released = true;
        cancelExpiry();
        this.open.delete(controller);
        this.total -= 1;
        const left = (this.byCaller.get(callerKey) ?? 1) - 1;
        if (left === 0) this.byCaller.delete(callerKey);
        else this.byCaller.set(callerKey, left);
      },
    };
  }

  /** Open streams now. */
  get size(): number {
    return this.total;
  }

  /** Ends every open stream (`SHUTTING_DOWN`) and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const controller of [...this.open]) controller.abort(new StreamEndedError('shutdown'));
  }
}
