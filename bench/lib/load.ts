import autocannon from 'autocannon';
import type { Service } from './processes.js';

/** What one bounded load run measured. */
export interface LoadResult {
  /** Answers per second, error answers included: the server's speed. */
  requestsPerSecond: number;
  /** Answers per second without any GraphQL or vendor error in them: the useful rate. */
  cleanPerSecond: number;
  /** HTTP 200 answers carrying an error (e.g. a vendor's 429 passed on): counted, never hidden. */
  errorAnswers: number;
  latencyMs: { p50: number; p99: number; mean: number };
  requests: number;
  /** Non-2xx answers, socket errors and timeouts: anything but zero makes the run suspect. */
  failures: number;
  durationSeconds: number;
  /** Highest RSS of the target seen during the run, MiB (sampled every 100 ms). */
  peakRssMiB: number | null;
}

export interface LoadOptions {
  body: string;
  connections: number;
  /** Seconds; the run stops at this bound even when `amount` is not reached. */
  durationSeconds: number;
  /** Stop after this many requests. */
  amount?: number;
  /** Offered load in requests per second over all connections (default: as fast as answered). */
  ratePerSecond?: number;
  /**
   * Extra headers, one set per request in turn: each connection sends request i with set
   * i mod n (e.g. the next caller's bearer token). Built once before the run, so the load
   * generator spends no more per request than with fixed headers. Default: none.
   */
  headerSets?: readonly Record<string, string>[];
}

const HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

/** Drives `target` with autocannon (POST /graphql, JSON body) within the bounds of `options`. */
export async function runLoad(target: Service, options: LoadOptions): Promise<LoadResult> {
  let peak: number | null = target.rssMiB();
  const sampler = setInterval(() => {
    const now = target.rssMiB();
    if (now !== null && (peak === null || now > peak)) peak = now;
  }, 100);
  const run = autocannon({
    url: target.url,
    method: 'POST',
    headers: HEADERS,
    body: options.body,
    connections: options.connections,
    duration: options.durationSeconds,
    ...(options.amount === undefined ? {} : { amount: options.amount }),
    ...(options.ratePerSecond === undefined ? {} : { overallRate: options.ratePerSecond }),
    timeout: 10,
    verifyBody: isCleanAnswer,
    ...(options.headerSets === undefined ? {} : { requests: options.headerSets.map((set) => ({ method: 'POST', body: options.body, headers: { ...HEADERS, ...set } })) }),
  });
  // autocannon stops at `amount` or `duration`, whichever comes first, only if `amount` is unset;
  // this timer enforces the time bound when both are given.
  const bound = setTimeout(() => run.stop(), options.durationSeconds * 1000 + 500);
  try {
    const result = await run;
    return {
      requestsPerSecond: round(result['2xx'] / result.duration),
      cleanPerSecond: round((result['2xx'] - result.mismatches) / result.duration),
      errorAnswers: result.mismatches,
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, mean: round(result.latency.mean) },
      requests: result.requests.total,
      failures: result.non2xx + result.errors + result.timeouts,
      durationSeconds: round(result.duration),
      peakRssMiB: peak === null ? null : round(peak),
    };
  } finally {
    clearTimeout(bound);
    clearInterval(sampler);
  }
}

/** True when a GraphQL answer carries no `errors` and no per-vendor `error` entry. */
export function isCleanAnswer(text: string): boolean {
  return !text.includes('"errors"') && !text.includes('"error":{');
}

/** One request, answered body as text; used to check answers and to capture the ceiling's bytes. */
export async function post(target: Service, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; contentType: string }> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, text: await response.text(), contentType: response.headers.get('content-type') ?? '' };
}

export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The middle value (the upper one of an even count). */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** Waits until `target`'s partner ledger reports `caughtUp`, polling every 200 ms; throws after `timeoutMs`. */
export async function waitForLedgerCaughtUp(target: Service, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answer = await post(target, JSON.stringify({ query: '{ partnerLedger { caughtUp } }' }));
    if ((JSON.parse(answer.text) as { data?: { partnerLedger?: { caughtUp?: boolean } } }).data?.partnerLedger?.caughtUp) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${target.name}: the ledger did not catch up within ${timeoutMs / 1000} s`);
}
