import { randomUUID } from 'node:crypto';
import { genericError, startSimulatorServer, type SimRequest, type SimResponse } from './http-server.js';
import { DAY_MS, Random, SIM_NOW_MS, mix, seedKey } from './prng.js';
import type { SimulatorHandle, SimulatorOptions } from './types.js';

/** The service token the Arrays simulator accepts by default (demo mode). */
export const ARRAYS_DEMO_CREDENTIAL = 'arr_svc_sim_7c41e09b5d2a8f36';

export interface ArraysSimulatorOptions extends SimulatorOptions {
  /** Stream length at start. Default 20_000. */
  entries?: number;
  /** Distinct subs in the stream. Default 2_000. */
  subs?: number;
}

export interface ArraysStreamEntry {
  id: string;
  sub: string;
  endpoint: string;
  calls: number;
  discoveries: number;
  tweets: number;
}

export interface ArraysSimulatorHandle extends SimulatorHandle {
  /** Current stream length. */
  readonly length: number;
  /** Appends n more entries to every credential's stream (the stream is append-only). */
  append(n: number): void;
  /** The i-th stream entry (0-based) of `credential`'s stream (default: `this.credential`). */
  entry(i: number, credential?: string): ArraysStreamEntry;
}


/**
 * Arrays partner usage stream (docs/vendors/arrays.md). Each credential has its own append-only stream;
 * entry i is computed on demand from hash(seed, credential, i), so streams of millions of entries
 * cost no memory. Ids are Redis-stream-like `<unix-ms>-<seq>`, strictly increasing with i.
 */

const ROUTE = '/api/v1/partner/usage';
const DOCS_URL = 'https://docs.arrays.org/api-reference/partner/usage';
const MAX_COUNT = 5000;
const DEFAULT_COUNT = 1000;
/** The default stream spans this long, ending at SIM_NOW_MS; appended entries continue at the same pace. */
const INITIAL_SPAN_MS = 30 * DAY_MS;
/** Share of entries written in the same millisecond as their predecessor (seq 1, 2, …). */
const SAME_MS_SHARE = 0.22;

const ENDPOINTS = [
  '/v1/x/search',
  '/v1/x/timeline',
  '/v1/x/user',
  '/v1/x/tweet',
  '/v1/discover/trending',
  '/v1/discover/feed',
] as const;
const ENDPOINT_WEIGHTS = [30, 24, 14, 12, 11, 9];

interface EntryDraws {
  sameMsAsPrevious: boolean;
  /** Position of the entry inside its time slot, [0, 1). */
  slot: number;
  sub: number;
  endpoint: string;
  calls: number;
  discoveries: number;
  tweets: number;
}

/** One credential's stream. */
class Stream {
  private readonly key: number;
  private readonly subKey: number;
  /** Sub strings by index, filled lazily: at most `subCount` short strings. */
  private readonly subs = new Map<number, string>();

  constructor(
    seed: number,
    credential: string,
    private readonly subCount: number,
    private readonly startMs: number,
    private readonly gapMs: number,
  ) {
    this.key = seedKey(seed, credential, 'arrays.stream');
    this.subKey = seedKey(seed, credential, 'arrays.subs');
  }

  private draws(i: number): EntryDraws {
    const r = new Random(mix(this.key, i));
    return {
      sameMsAsPrevious: i > 0 && r.next() < SAME_MS_SHARE,
      slot: r.next(),
      // Skewed toward low indexes: a few heavy users, a long tail.
      sub: Math.floor(this.subCount * r.next() ** 2.2),
      endpoint: ENDPOINTS[r.weightedIndex(ENDPOINT_WEIGHTS)] ?? ENDPOINTS[0],
      calls: r.int(1, 5),
      discoveries: Math.floor(r.next() ** 2 * 21),
      tweets: Math.floor(r.next() ** 1.5 * 201),
    };
  }

  /** Millisecond of entry i: non-decreasing in i (slot i lies in [i·gap, (i+1)·gap)). */
  private ms(i: number, draws = this.draws(i)): number {
    let j = i;
    let d = draws;
    while (d.sameMsAsPrevious) {
      j -= 1;
      d = this.draws(j);
    }
    return this.startMs + Math.floor((j + d.slot) * this.gapMs);
  }

  /** Sequence number of entry i within its millisecond. */
  private seq(i: number, ms: number): number {
    let seq = 0;
    while (i - seq > 0 && this.ms(i - seq - 1) === ms) seq += 1;
    return seq;
  }

  /** The sub with index k: mostly 20-digit ids above 2^53, some pairs one last digit apart, a few short ids. */
  sub(k: number): string {
    let sub = this.subs.get(k);
    if (sub === undefined) {
      sub = this.makeSub(k);
      this.subs.set(k, sub);
    }
    return sub;
  }

  private makeSub(k: number): string {
    if (k % 40 === 13) return String(100_003 + k * 7);
    if (k % 10 === 1) {
      const twin = this.sub(k - 1);
      const last = Number(twin.slice(-1));
      return twin.slice(0, -1) + String((last + 1 + (mix(this.subKey, k) % 9)) % 10);
    }
    const r = new Random(mix(this.subKey, k));
    let digits = `1${r.int(0, 7)}`;
    while (digits.length < 20) digits += String(r.int(0, 9));
    return digits;
  }

  entry(i: number): ArraysStreamEntry {
    const d = this.draws(i);
    const ms = this.ms(i, d);
    return {
      id: `${ms}-${this.seq(i, ms)}`,
      sub: this.sub(d.sub),
      endpoint: d.endpoint,
      calls: d.calls,
      discoveries: d.discoveries,
      tweets: d.tweets,
    };
  }

  /** Index of the first entry whose id is greater than `cursor` (`[ms, seq]`), within [0, length]. */
  firstAfter(cursor: readonly [bigint, bigint], length: number): number {
    let low = 0;
    let high = length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const ms = this.ms(mid);
      const id: [bigint, bigint] = [BigInt(ms), BigInt(this.seq(mid, ms))];
      const greater = id[0] > cursor[0] || (id[0] === cursor[0] && id[1] > cursor[1]);
      if (greater) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  /** Aggregates entries [from, to) per sub, in order of first appearance; also returns the last id. */
  aggregate(from: number, to: number): { data: PartnerUsageBody[]; lastId: string | null } {
    const bySub = new Map<string, PartnerUsageBody>();
    let lastId: string | null = null;
    let previousMs = from > 0 ? this.ms(from - 1) : -1;
    let seq = from > 0 ? this.seq(from - 1, previousMs) : -1;
    for (let i = from; i < to; i++) {
      const d = this.draws(i);
      const ms = d.sameMsAsPrevious ? previousMs : this.startMs + Math.floor((i + d.slot) * this.gapMs);
      seq = ms === previousMs ? seq + 1 : 0;
      previousMs = ms;
      lastId = `${ms}-${seq}`;
      const sub = this.sub(d.sub);
      let usage = bySub.get(sub);
      if (usage === undefined) {
        usage = { sub, calls: 0, discoveries: 0, tweets: 0, by_endpoint: {} };
        bySub.set(sub, usage);
      }
      usage.calls += d.calls;
      usage.discoveries += d.discoveries;
      usage.tweets += d.tweets;
      const byEndpoint = (usage.by_endpoint[d.endpoint] ??= { calls: 0, discoveries: 0, tweets: 0 });
      byEndpoint.calls += d.calls;
      byEndpoint.discoveries += d.discoveries;
      byEndpoint.tweets += d.tweets;
    }
    return { data: [...bySub.values()], lastId };
  }
}

interface PartnerUsageBody {
  sub: string;
  calls: number;
  discoveries: number;
  tweets: number;
  by_endpoint: Record<string, { calls: number; discoveries: number; tweets: number }>;
}

interface ArraysErrorDetail {
  field: string;
  got: string;
  reason: string;
}

/** The two lists of `model.APIError` the vendor adds to some of its errors. */
interface ArraysErrorAdvice {
  examples: string[];
  suggestions: string[];
}

function errorEnvelope(
  status: number,
  code: string,
  message: string,
  hint: string,
  details?: ArraysErrorDetail[],
  advice?: ArraysErrorAdvice,
): SimResponse {
  return {
    status,
    body: {
      success: false,
      data: [],
      error: { code, message, hint, ...(details === undefined ? {} : { details }), docs_url: DOCS_URL, ...advice },
      request_id: randomUUID(),
    },
  };
}

function invalidParameter(field: string, got: string, reason: string): SimResponse {
  return errorEnvelope(400, 'INVALID_PARAMETER', `Invalid query parameter '${field}'.`, `Check '${field}': ${reason}.`, [
    { field, got, reason },
  ]);
}

function vendorError(status: number, echoed?: string): SimResponse {
  const { code, message } = genericError(status);
  const hint =
    status === 429
      ? 'Slow down and retry after the number of seconds in the Retry-After header.'
      : status >= 500
        ? 'This is a temporary problem on our side; retry with backoff.'
        : 'Check the request against the API reference.';
  // An echoed message (the `echo` fault) is repeated in the suggestions, so that they carry the credential too.
  const advice: ArraysErrorAdvice = {
    examples: [`GET ${ROUTE}?from_id=0&count=1000`],
    suggestions: [status === 429 || status >= 500 ? 'Retry later.' : 'Send GET requests to the partner usage route only.', ...(echoed === undefined ? [] : [echoed])],
  };
  return errorEnvelope(status, code, echoed ?? message, hint, undefined, advice);
}

function serviceToken(request: SimRequest): string | null {
  const token = request.headers['x-service-token'];
  return typeof token === 'string' && token !== '' ? token : null;
}

function parseCount(raw: string | null): number | SimResponse {
  if (raw === null) return DEFAULT_COUNT;
  if (!/^\d+$/.test(raw)) return invalidParameter('count', raw, 'must be an integer between 1 and 5000');
  const count = Number(raw);
  if (count < 1 || count > MAX_COUNT) return invalidParameter('count', raw, 'must be an integer between 1 and 5000');
  return count;
}

/** `null` for '0' (the beginning), `[ms, seq]` otherwise. */
function parseFromId(raw: string | null): readonly [bigint, bigint] | null | SimResponse {
  if (raw === null || raw === '0') return null;
  const match = /^(\d+)-(\d+)$/.exec(raw);
  if (match?.[1] === undefined || match[2] === undefined) {
    return invalidParameter('from_id', raw, "must be '0' or a stream id '<unix-ms>-<seq>'");
  }
  return [BigInt(match[1]), BigInt(match[2])];
}

function isResponse(value: unknown): value is SimResponse {
  return typeof value === 'object' && value !== null && 'status' in value && 'body' in value;
}

/** Totals per sub over entries [0, n) of a simulator's stream (default: the whole current stream). */
export function sumStream(
  handle: ArraysSimulatorHandle,
  n: number = handle.length,
  credential: string = handle.credential,
): Map<string, { calls: number; discoveries: number; tweets: number }> {
  const totals = new Map<string, { calls: number; discoveries: number; tweets: number }>();
  for (let i = 0; i < n; i++) {
    const e = handle.entry(i, credential);
    const t = totals.get(e.sub) ?? { calls: 0, discoveries: 0, tweets: 0 };
    t.calls += e.calls;
    t.discoveries += e.discoveries;
    t.tweets += e.tweets;
    totals.set(e.sub, t);
  }
  return totals;
}

export async function startArraysSimulator(options: ArraysSimulatorOptions = {}): Promise<ArraysSimulatorHandle> {
  const seed = options.seed ?? 42;
  const credentials = options.credentials ?? [ARRAYS_DEMO_CREDENTIAL];
  const credential = credentials[0];
  if (credential === undefined) throw new Error('startArraysSimulator: credentials must not be empty');
  const initial = options.entries ?? 20_000;
  const subCount = options.subs ?? 2_000;
  if (!Number.isSafeInteger(initial) || initial < 0) throw new Error('entries must be a non-negative integer');
  if (!Number.isSafeInteger(subCount) || subCount < 1) throw new Error('subs must be a positive integer');
  const gapMs = INITIAL_SPAN_MS / Math.max(initial, 1);
  const startMs = SIM_NOW_MS - INITIAL_SPAN_MS;
  const streams = new Map(credentials.map((c) => [c, new Stream(seed, c, subCount, startMs, gapMs)]));
  let length = initial;

  function handle(request: SimRequest): SimResponse {
    if (request.pathname !== ROUTE) return vendorError(404);
    if (request.method !== 'GET') return vendorError(405);
    const token = request.headers['x-service-token'];
    const stream = typeof token === 'string' ? streams.get(token) : undefined;
    if (stream === undefined) {
      return errorEnvelope(
        401,
        'UNAUTHORIZED',
        token === undefined ? 'Missing service token.' : 'Invalid service token.',
        'Send your static partner service token in the X-Service-Token header.',
      );
    }
    const count = parseCount(request.query.get('count'));
    if (isResponse(count)) return count;
    const fromRaw = request.query.get('from_id') ?? '0';
    const from = parseFromId(fromRaw);
    if (isResponse(from)) return from;
    const start = from === null ? 0 : stream.firstAfter(from, length);
    const end = Math.min(length, start + count);
    const { data, lastId } = stream.aggregate(start, end);
    return {
      status: 200,
      body: {
        success: true,
        data,
        pagination: { next_cursor: lastId ?? fromRaw, has_more: end < length },
        request_id: randomUUID(),
      },
    };
  }

  const server = await startSimulatorServer(
    {
      provider: 'ARRAYS',
      basePath: '/api',
      credential,
      handle,
      errorResponse: vendorError,
      credentialOf: serviceToken,
      // `calls` renamed to `call_count`, `pagination.has_more` retyped to a string.
      drift: (_request, body) => {
        const b = body as { data: PartnerUsageBody[]; pagination: { has_more: boolean } };
        return {
          ...b,
          data: b.data.map(({ calls, ...rest }) => ({ ...rest, call_count: calls })),
          pagination: { ...b.pagination, has_more: String(b.pagination.has_more) },
        };
      },
    },
    options.host,
  );

  return {
    provider: server.provider,
    baseUrl: server.baseUrl,
    credential: server.credential,
    hits: server.hits,
    resetHits: server.resetHits,
    setFault: server.setFault,
    // The partner usage stream has no quota: its counts are history already (the ledger's).
    setUsage: server.setUsage,
    close: server.close,
    get length() {
      return length;
    },
    append(n: number) {
      if (!Number.isSafeInteger(n) || n < 0) throw new Error('append(n): n must be a non-negative integer');
      length += n;
    },
    entry(i: number, of: string = credential) {
      const stream = streams.get(of);
      if (stream === undefined) throw new Error('entry(): unknown credential');
      if (!Number.isSafeInteger(i) || i < 0 || i >= length) throw new RangeError(`entry(${i}) outside [0, ${length})`);
      return stream.entry(i);
    },
  };
}
