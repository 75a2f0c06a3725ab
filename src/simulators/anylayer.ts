import { bearerCredential, readBearer, startSimulatorServer, type SimRequest, type SimResponse } from './http-server.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, Random, SIM_NOW_MS, mix, round, seedKey, splitInteger } from './prng.js';
import type { SimulatorHandle, SimulatorOptions } from './types.js';

/** The API key the Anylayer simulator accepts by default (demo mode). */
export const ANYLAYER_DEMO_CREDENTIAL = 'al_live_sim_3f8a2c6e91b4d057';

/**
 * Anylayer "Developer Tools / Get Usage" (docs/vendors/anylayer.md), served at `GET /v1/developer/usage`.
 *
 * Decisions where the vendor's page is silent:
 * - `limit`/`offset` page the `time_series` points; `pagination.total` counts all points.
 * - `sort_by`/`order` order the `time_series` points (timestamp → by time, requests/errors/latency
 *   by that value, ties by time) before paging, and the `endpoints` list (timestamp → by endpoint
 *   name).
 * - Points are granularity-sized buckets ending at the simulated now; `week` is 7 days, `month` is
 *   30 days; the oldest bucket is clipped to the timeframe, and `all` means 2 years. At most the
 *   latest 100,000 points are generated; usage totals still cover the whole timeframe.
 * - `include_errors=false` removes the `errors` part only; points and endpoints keep their counts.
 *
 * The data model is hourly: each key's requests per hour follow growth, a daily and a weekly cycle,
 * noise and rare error spikes; coarser buckets sum hours, minutes split an hour exactly, so a
 * series always adds up to the usage totals. Traffic is sized so that `1y` and `all` exceed 2^31.
 */

const ROUTE = '/v1/developer/usage';

const TIMEFRAMES = {
  '1h': HOUR_MS,
  '24h': DAY_MS,
  '7d': 7 * DAY_MS,
  '30d': 30 * DAY_MS,
  '90d': 90 * DAY_MS,
  '1y': 365 * DAY_MS,
  all: 730 * DAY_MS,
} as const;
const GRANULARITIES = {
  minute: MINUTE_MS,
  hour: HOUR_MS,
  day: DAY_MS,
  week: 7 * DAY_MS,
  month: 30 * DAY_MS,
} as const;
const SORT_FIELDS = ['requests', 'errors', 'latency', 'timestamp'] as const;
const ORDERS = ['desc', 'asc'] as const;
const MAX_LIMIT = 1000;
const MAX_POINTS = 100_000;
const HISTORY_MS = TIMEFRAMES.all;
/** Requests per hour across all keys of a credential today; growth makes two years ago 40% of it. */
const PEAK_REQUESTS_PER_HOUR = 430_000;

type Timeframe = keyof typeof TIMEFRAMES;
type Granularity = keyof typeof GRANULARITIES;
type SortField = (typeof SORT_FIELDS)[number];

const ENDPOINTS = [
  { endpoint: '/v1/score/{address}', method: 'GET', latency: 0.8 },
  { endpoint: '/v1/score/batch', method: 'POST', latency: 2.4 },
  { endpoint: '/v1/identity/{address}', method: 'GET', latency: 1.0 },
  { endpoint: '/v1/attestations', method: 'GET', latency: 1.3 },
  { endpoint: '/v1/attestations/verify', method: 'POST', latency: 1.7 },
  { endpoint: '/v1/developer/usage', method: 'GET', latency: 0.6 },
] as const;

/** Error statuses and the error type each one is reported under. */
const STATUSES = [
  { status: '400', type: 'validation_error' },
  { status: '401', type: 'authentication_error' },
  { status: '404', type: 'not_found' },
  { status: '429', type: 'rate_limit_exceeded' },
  { status: '500', type: 'internal_error' },
  { status: '502', type: 'upstream_error' },
  { status: '503', type: 'upstream_error' },
  { status: '504', type: 'timeout' },
] as const;

const TIERS = [
  { tier: 'starter', requestsPerMinute: 300 },
  { tier: 'professional', requestsPerMinute: 1000 },
  { tier: 'enterprise', requestsPerMinute: 5000 },
] as const;

interface KeyProfile {
  id: string;
  hourKey: number;
  share: number;
  errorRate: number;
  latencyMs: number;
  p95Factor: number;
  endpointWeights: number[];
  endpointErrorWeights: number[];
}

interface Account {
  key: number;
  keys: KeyProfile[];
  statusWeights: number[];
  tier: (typeof TIERS)[number];
  remaining: number;
  /** Hourly series per (key selection, timeframe), computed once: the simulated world never moves. */
  hourly: Map<string, HourlySeries>;
}

/** Per-hour figures over a timeframe, oldest hour first. */
interface HourlySeries {
  requests: Float64Array;
  errors: Float64Array;
  /** Sum of latency × requests, to weight averages. */
  latencyWeight: Float64Array;
  p95Weight: number;
}

interface Query {
  keyId: string | null;
  timeframe: Timeframe;
  granularity: Granularity;
  includeBreakdown: boolean;
  includeErrors: boolean;
  includeLatency: boolean;
  sortBy: SortField;
  order: (typeof ORDERS)[number];
  limit: number;
  offset: number;
}

interface Point {
  start: number;
  requests: number;
  errors: number;
  latency: number;
}

function makeAccount(seed: number, credential: string): Account {
  const key = seedKey(seed, credential, 'anylayer');
  const r = new Random(key);
  const keyCount = r.int(3, 4);
  const rawShares = Array.from({ length: keyCount }, (_, i) => (i === 0 ? 3 : 1) * r.between(0.5, 1.5));
  const shareSum = rawShares.reduce((a, b) => a + b, 0);
  const scale = r.between(0.85, 1.15);
  const keys = rawShares.map((share, i) => ({
    id: `key_live_${r.hex(24)}`,
    hourKey: mix(key, i + 1),
    share: (scale * share) / shareSum,
    errorRate: r.between(0.004, 0.022),
    latencyMs: r.between(70, 160),
    p95Factor: r.between(2.1, 2.7),
    endpointWeights: ENDPOINTS.map(() => r.between(0.2, 3)),
    endpointErrorWeights: ENDPOINTS.map(() => r.between(0.1, 2)),
  }));
  const tier = TIERS[r.int(0, TIERS.length - 1)] ?? TIERS[1];
  return {
    key,
    keys,
    statusWeights: STATUSES.map((s) => (s.status === '429' ? r.between(3, 6) : r.between(0.3, 2))),
    tier,
    remaining: Math.round(tier.requestsPerMinute * r.between(0.08, 0.95)),
    hourly: new Map(),
  };
}

/** One key's figures for the hour starting at `hourStart`. */
function keyHour(profile: KeyProfile, hourStart: number): { requests: number; errors: number; latency: number } {
  const r = new Random(mix(profile.hourKey, hourStart / HOUR_MS));
  const age = (SIM_NOW_MS - hourStart) / HISTORY_MS;
  const hourOfDay = (hourStart / HOUR_MS) % 24;
  // 1970-01-01 was a Thursday (day 4; 0 is Sunday).
  const dayOfWeek = (Math.floor(hourStart / DAY_MS) + 4) % 7;
  const daily = 1 + 0.35 * Math.sin((2 * Math.PI * (hourOfDay - 8)) / 24);
  const weekly = dayOfWeek === 0 || dayOfWeek === 6 ? 0.78 : 1;
  const spike = r.next() < 0.006;
  const load = daily * weekly * r.between(0.85, 1.15) * (spike ? 2.5 : 1);
  const requests = Math.round(PEAK_REQUESTS_PER_HOUR * profile.share * (1 - 0.6 * age) * load);
  const errorRate = Math.min(0.5, profile.errorRate * (spike ? 6 : 1) * r.between(0.6, 1.4));
  return {
    requests,
    errors: Math.round(requests * errorRate),
    latency: profile.latencyMs * r.between(0.9, 1.12) * (1 + 0.15 * load),
  };
}

function hourlySeries(account: Account, keys: KeyProfile[], timeframe: Timeframe): HourlySeries {
  const cacheKey = `${keys.map((k) => k.id).join(',')}|${timeframe}`;
  const cached = account.hourly.get(cacheKey);
  if (cached !== undefined) return cached;
  const hours = TIMEFRAMES[timeframe] / HOUR_MS;
  const start = SIM_NOW_MS - TIMEFRAMES[timeframe];
  const series: HourlySeries = {
    requests: new Float64Array(hours),
    errors: new Float64Array(hours),
    latencyWeight: new Float64Array(hours),
    p95Weight: 0,
  };
  let total = 0;
  let p95 = 0;
  for (let h = 0; h < hours; h++) {
    for (const key of keys) {
      const hour = keyHour(key, start + h * HOUR_MS);
      series.requests[h] = (series.requests[h] ?? 0) + hour.requests;
      series.errors[h] = (series.errors[h] ?? 0) + hour.errors;
      series.latencyWeight[h] = (series.latencyWeight[h] ?? 0) + hour.latency * hour.requests;
      p95 += hour.latency * key.p95Factor * hour.requests;
      total += hour.requests;
    }
  }
  series.p95Weight = total === 0 ? 0 : p95 / total;
  account.hourly.set(cacheKey, series);
  return series;
}

function sum(values: Float64Array, from = 0, to = values.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += values[i] ?? 0;
  return s;
}

/** The buckets of a timeframe at a granularity, most recent MAX_POINTS at most, oldest first. */
function points(account: Account, series: HourlySeries, timeframe: Timeframe, granularity: Granularity): Point[] {
  const span = TIMEFRAMES[timeframe];
  const size = GRANULARITIES[granularity];
  const tfStart = SIM_NOW_MS - span;
  const count = Math.min(MAX_POINTS, Math.ceil(span / size));
  const out: Point[] = [];
  if (size >= HOUR_MS) {
    for (let k = count - 1; k >= 0; k--) {
      const end = SIM_NOW_MS - k * size;
      const start = Math.max(end - size, tfStart);
      const from = (start - tfStart) / HOUR_MS;
      const to = (end - tfStart) / HOUR_MS;
      const requests = sum(series.requests, from, to);
      const latency = requests === 0 ? 0 : sum(series.latencyWeight, from, to) / requests;
      out.push({ start, requests, errors: sum(series.errors, from, to), latency });
    }
    return out;
  }
  const perHour = HOUR_MS / size;
  const firstMinute = SIM_NOW_MS - count * size;
  for (let hourStart = firstMinute - (firstMinute % HOUR_MS); hourStart < SIM_NOW_MS; hourStart += HOUR_MS) {
    const h = (hourStart - tfStart) / HOUR_MS;
    const requests = series.requests[h] ?? 0;
    const r = new Random(mix(account.key, hourStart / HOUR_MS));
    const weights = Array.from({ length: perHour }, () => r.between(0.7, 1.3));
    const minuteRequests = splitInteger(requests, weights);
    const minuteErrors = splitInteger(series.errors[h] ?? 0, weights);
    const latency = requests === 0 ? 0 : (series.latencyWeight[h] ?? 0) / requests;
    for (let m = 0; m < perHour; m++) {
      const start = hourStart + m * size;
      const noise = r.between(0.92, 1.08);
      if (start < firstMinute) continue;
      out.push({ start, requests: minuteRequests[m] ?? 0, errors: minuteErrors[m] ?? 0, latency: latency * noise });
    }
  }
  return out;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; response: SimResponse };

function fail(status: number, code: string, message: string): { ok: false; response: SimResponse } {
  return { ok: false, response: { status, body: { success: false, error: { code, message } } } };
}

function oneOf<T extends string>(raw: string | null, allowed: readonly T[], fallback: T): T | null {
  if (raw === null) return fallback;
  return (allowed as readonly string[]).includes(raw) ? (raw as T) : null;
}

function parseQuery(params: URLSearchParams): Parsed<Query> {
  const invalid = (name: string, rule: string) =>
    fail(400, 'INVALID_PARAMETER', `Invalid ${name} '${params.get(name)}': ${rule}.`);
  const timeframe = oneOf(params.get('timeframe'), Object.keys(TIMEFRAMES) as Timeframe[], '24h');
  if (timeframe === null) {
    const supported = Object.keys(TIMEFRAMES).join(', ');
    return fail(400, 'INVALID_TIMEFRAME', `Invalid timeframe '${params.get('timeframe')}'. Supported timeframes: ${supported}.`);
  }
  const granularity = oneOf(params.get('granularity'), Object.keys(GRANULARITIES) as Granularity[], 'hour');
  if (granularity === null) {
    const supported = Object.keys(GRANULARITIES).join(', ');
    const message = `Invalid granularity '${params.get('granularity')}'. Supported granularities: ${supported}.`;
    return fail(400, 'INVALID_GRANULARITY', message);
  }
  const flags: boolean[] = [];
  for (const name of ['include_breakdown', 'include_errors', 'include_latency']) {
    const flag = oneOf(params.get(name), ['true', 'false'], 'true');
    if (flag === null) return invalid(name, "must be 'true' or 'false'");
    flags.push(flag === 'true');
  }
  const sortBy = oneOf(params.get('sort_by'), SORT_FIELDS, 'requests');
  if (sortBy === null) return invalid('sort_by', `must be one of ${SORT_FIELDS.join(', ')}`);
  const order = oneOf(params.get('order'), ORDERS, 'desc');
  if (order === null) return invalid('order', "must be 'desc' or 'asc'");
  const limit = integerParam(params.get('limit'), 100);
  if (limit === null || limit < 1 || limit > MAX_LIMIT) {
    return invalid('limit', `must be an integer between 1 and ${MAX_LIMIT}`);
  }
  const offset = integerParam(params.get('offset'), 0);
  if (offset === null) return invalid('offset', 'must be a non-negative integer');
  const keyId = params.get('key_id');
  if (keyId === '') return fail(400, 'INVALID_PARAMETER', 'Invalid key_id: must not be empty.');
  const [includeBreakdown = true, includeErrors = true, includeLatency = true] = flags;
  return {
    ok: true,
    value: { keyId, timeframe, granularity, includeBreakdown, includeErrors, includeLatency, sortBy, order, limit, offset },
  };
}

function integerParam(raw: string | null, fallback: number): number | null {
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw)) return null;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : null;
}

function compareBy<T>(order: 'asc' | 'desc', value: (item: T) => number | string, tieBreak: (item: T) => number | string) {
  const sign = order === 'asc' ? 1 : -1;
  return (a: T, b: T): number => {
    const va = value(a);
    const vb = value(b);
    if (va !== vb) return va < vb ? -sign : sign;
    const ta = tieBreak(a);
    const tb = tieBreak(b);
    return ta === tb ? 0 : ta < tb ? -1 : 1;
  };
}

const POINT_SORT: Record<SortField, (p: Point) => number> = {
  requests: (p) => p.requests,
  errors: (p) => p.errors,
  latency: (p) => p.latency,
  timestamp: (p) => p.start,
};

interface EndpointRow {
  endpoint: string;
  method: string;
  requests: number;
  errors: number;
  latency: number;
}

function endpointRows(keys: KeyProfile[], series: HourlySeries): EndpointRow[] {
  const requests = sum(series.requests);
  const overallLatency = requests === 0 ? 0 : sum(series.latencyWeight) / requests;
  // Split the selection's exact totals by the keys' combined weights, so the rows add up to them.
  const requestWeights = ENDPOINTS.map((_, i) => keys.reduce((s, k) => s + k.share * (k.endpointWeights[i] ?? 0), 0));
  const errorWeights = ENDPOINTS.map((_, i) =>
    keys.reduce((s, k) => s + k.share * k.errorRate * (k.endpointErrorWeights[i] ?? 0), 0),
  );
  const byRequests = splitInteger(requests, requestWeights);
  const byErrors = splitInteger(sum(series.errors), errorWeights);
  return ENDPOINTS.map((e, i) => ({
    endpoint: e.endpoint,
    method: e.method,
    requests: byRequests[i] ?? 0,
    errors: Math.min(byRequests[i] ?? 0, byErrors[i] ?? 0),
    latency: overallLatency * e.latency,
  }));
}

const ENDPOINT_SORT: Record<SortField, (row: EndpointRow) => number | string> = {
  requests: (row) => row.requests,
  errors: (row) => row.errors,
  latency: (row) => row.latency,
  timestamp: (row) => row.endpoint,
};

interface Alert {
  type: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  recommendation: string;
}

/** The vendor's alerts, derived from the figures it reports so that they agree with them. */
function alerts(account: Account, errorRate: number, p95: number, query: Query, requests: number): Alert[] {
  const out: Alert[] = [];
  const percent = (errorRate * 100).toFixed(2);
  if (errorRate >= 0.05) {
    out.push({
      type: 'high_error_rate',
      severity: 'critical',
      message: `Error rate is ${percent}% over ${query.timeframe}.`,
      recommendation: 'Inspect errors.by_status and the failing endpoints.',
    });
  } else if (errorRate >= 0.01) {
    out.push({
      type: 'elevated_error_rate',
      severity: 'warning',
      message: `Error rate is ${percent}% over ${query.timeframe}.`,
      recommendation: 'Validate request payloads before sending; most errors are 4xx.',
    });
  }
  const { tier, requestsPerMinute } = account.tier;
  if (account.remaining / requestsPerMinute < 0.2) {
    out.push({
      type: 'rate_limit_approaching',
      severity: 'warning',
      message: `Only ${account.remaining} of ${requestsPerMinute} requests left in the current minute (${tier} tier).`,
      recommendation: 'Spread requests evenly or upgrade your tier.',
    });
  }
  if (p95 > 350) {
    out.push({
      type: 'high_latency',
      severity: 'warning',
      message: `p95 latency is ${Math.round(p95)} ms.`,
      recommendation: 'Use the batch endpoints for bulk scoring.',
    });
  }
  const monthly = Math.round((requests / (TIMEFRAMES[query.timeframe] / DAY_MS)) * 30);
  out.push({
    type: 'usage_forecast',
    severity: 'info',
    message: `At the current pace you will make about ${monthly.toLocaleString('en-US')} requests in the next 30 days.`,
    recommendation: 'Review your plan if this exceeds your monthly allowance.',
  });
  return out;
}

export function anylayerKeyIds(credential: string, seed = 42): string[] {
  return makeAccount(seed, credential).keys.map((k) => k.id);
}

function usageBody(account: Account, query: Query): SimResponse {
  const keys = query.keyId === null ? account.keys : account.keys.filter((k) => k.id === query.keyId);
  if (keys.length === 0) {
    return fail(404, 'NO_USAGE_DATA', `No usage data found for key '${query.keyId}' in timeframe ${query.timeframe}.`).response;
  }
  const series = hourlySeries(account, keys, query.timeframe);
  const total = sum(series.requests);
  const failed = sum(series.errors);
  const avgLatency = total === 0 ? 0 : sum(series.latencyWeight) / total;
  const latency = query.includeLatency;
  const all = points(account, series, query.timeframe, query.granularity).sort(
    compareBy(query.order, POINT_SORT[query.sortBy], (p) => p.start),
  );
  const page = all.slice(query.offset, query.offset + query.limit);
  const errorRate = total === 0 ? 0 : failed / total;
  const byStatus = splitInteger(failed, account.statusWeights);
  const byType: Record<string, number> = {};
  STATUSES.forEach((s, i) => (byType[s.type] = (byType[s.type] ?? 0) + (byStatus[i] ?? 0)));

  const data: Record<string, unknown> = {
    usage: {
      total_requests: total,
      successful_requests: total - failed,
      failed_requests: failed,
      ...(latency ? { avg_latency_ms: round(avgLatency, 1), p95_latency_ms: round(series.p95Weight, 1) } : {}),
    },
    time_series: page.map((p) => ({
      timestamp: new Date(p.start).toISOString(),
      requests: p.requests,
      errors: p.errors,
      ...(latency ? { avg_latency_ms: round(p.latency, 1) } : {}),
    })),
  };
  if (query.includeBreakdown) {
    data.endpoints = endpointRows(keys, series)
      .sort(compareBy(query.order, ENDPOINT_SORT[query.sortBy], (row) => row.endpoint))
      .map((row) => ({
        endpoint: row.endpoint,
        method: row.method,
        requests: row.requests,
        errors: row.errors,
        ...(latency ? { avg_latency_ms: round(row.latency, 1) } : {}),
      }));
  }
  if (query.includeErrors) {
    data.errors = {
      total: failed,
      rate: round(errorRate, 4),
      by_status: Object.fromEntries(STATUSES.map((s, i) => [s.status, byStatus[i] ?? 0])),
      by_type: byType,
    };
  }
  data.rate_limit = {
    tier: account.tier.tier,
    requests_per_minute: account.tier.requestsPerMinute,
    remaining: account.remaining,
    reset_at: new Date(SIM_NOW_MS + MINUTE_MS).toISOString(),
  };
  data.alerts = alerts(account, errorRate, series.p95Weight, query, total);
  return {
    status: 200,
    body: {
      success: true,
      data,
      pagination: {
        limit: query.limit,
        offset: query.offset,
        total: all.length,
        has_more: query.offset + query.limit < all.length,
      },
      timestamp: new Date(SIM_NOW_MS).toISOString(),
    },
  };
}

function vendorError(status: number, echoed?: string): SimResponse {
  const known: Record<number, [string, string]> = {
    401: ['UNAUTHORIZED', 'Invalid or missing API key.'],
    404: ['NOT_FOUND', 'Resource not found.'],
    405: ['METHOD_NOT_ALLOWED', 'Method not allowed.'],
    429: ['RATE_LIMIT_EXCEEDED', 'Too many requests. Please retry later.'],
  };
  const fallback: [string, string] =
    status >= 500
      ? ['INTERNAL_ERROR', 'An unexpected error occurred. Please try again later.']
      : ['BAD_REQUEST', 'The request was invalid.'];
  const [code, message] = known[status] ?? fallback;
  return fail(status, code, echoed ?? message).response;
}

export async function startAnylayerSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const seed = options.seed ?? 42;
  const credentials = options.credentials ?? [ANYLAYER_DEMO_CREDENTIAL];
  const credential = credentials[0];
  if (credential === undefined) throw new Error('startAnylayerSimulator: credentials must not be empty');
  const accounts = new Map(credentials.map((c) => [c, makeAccount(seed, c)]));

  function handle(request: SimRequest): SimResponse {
    if (request.pathname !== ROUTE) return vendorError(404);
    if (request.method !== 'GET') return vendorError(405);
    const bearer = readBearer(request.headers);
    const account = bearer.kind === 'token' ? accounts.get(bearer.token) : undefined;
    if (account === undefined) return vendorError(401);
    const query = parseQuery(request.query);
    return query.ok ? usageBody(account, query.value) : query.response;
  }

  return startSimulatorServer(
    {
      provider: 'ANYLAYER',
      basePath: '',
      credential,
      handle,
      errorResponse: vendorError,
      credentialOf: bearerCredential,
      // `usage.total_requests` renamed to `requests_total`, `pagination.total` retyped to a string.
      drift: (_request, body) => {
        const b = body as { data: { usage: Record<string, unknown> }; pagination: { total: number } };
        const { total_requests, ...usage } = b.data.usage;
        return {
          ...b,
          data: { ...b.data, usage: { ...usage, requests_total: total_requests } },
          pagination: { ...b.pagination, total: String(b.pagination.total) },
        };
      },
    },
    options.host,
  );
}
