import { DAY_MS, HOUR_MS, Random, SIM_NOW_MS, mix, round, seedKey, splitInteger } from '../prng.js';
import { GRANULARITIES, TIMEFRAMES, type Granularity, type Query, type Timeframe } from './query.js';

/**
 * The simulated world behind Anylayer's usage endpoint: per credential, an account of keys whose
 * hourly traffic is generated once from the seed, and the figures a response reports from it.
 */

export const MAX_POINTS = 100_000;
export const HISTORY_MS = TIMEFRAMES.all;
/** Requests per hour across all keys of a credential today; growth makes two years ago 40% of it. */
export const PEAK_REQUESTS_PER_HOUR = 430_000;

export const ENDPOINTS = [
  { endpoint: '/v1/score/{address}', method: 'GET', latency: 0.8 },
  { endpoint: '/v1/score/batch', method: 'POST', latency: 2.4 },
  { endpoint: '/v1/identity/{address}', method: 'GET', latency: 1.0 },
  { endpoint: '/v1/attestations', method: 'GET', latency: 1.3 },
  { endpoint: '/v1/attestations/verify', method: 'POST', latency: 1.7 },
  { endpoint: '/v1/developer/usage', method: 'GET', latency: 0.6 },
] as const;

/** Error statuses and the error type each one is reported under. */
export const STATUSES = [
  { status: '400', type: 'validation_error' },
  { status: '401', type: 'authentication_error' },
  { status: '404', type: 'not_found' },
  { status: '429', type: 'rate_limit_exceeded' },
  { status: '500', type: 'internal_error' },
  { status: '502', type: 'upstream_error' },
  { status: '503', type: 'upstream_error' },
  { status: '504', type: 'timeout' },
] as const;

export const TIERS = [
  { tier: 'starter', requestsPerMinute: 300 },
  { tier: 'professional', requestsPerMinute: 1000 },
  { tier: 'enterprise', requestsPerMinute: 5000 },
] as const;

export interface KeyProfile {
  id: string;
  hourKey: number;
  share: number;
  errorRate: number;
  latencyMs: number;
  p95Factor: number;
  endpointWeights: number[];
  endpointErrorWeights: number[];
}

export interface Account {
  key: number;
  keys: KeyProfile[];
  statusWeights: number[];
  tier: (typeof TIERS)[number];
  remaining: number;
  /** Hourly series per (key selection, timeframe), computed once: the simulated world never moves. */
  hourly: Map<string, HourlySeries>;
}

/** Per-hour figures over a timeframe, oldest hour first. */
export interface HourlySeries {
  requests: Float64Array;
  errors: Float64Array;
  /** Sum of latency × requests, to weight averages. */
  latencyWeight: Float64Array;
  p95Weight: number;
}

export interface Point {
  start: number;
  requests: number;
  errors: number;
  latency: number;
}

export function makeAccount(seed: number, credential: string): Account {
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

export function hourlySeries(account: Account, keys: KeyProfile[], timeframe: Timeframe): HourlySeries {
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

export function sum(values: Float64Array, from = 0, to = values.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += values[i] ?? 0;
  return s;
}

/** The buckets of a timeframe at a granularity, most recent MAX_POINTS at most, oldest first. */
export function points(account: Account, series: HourlySeries, timeframe: Timeframe, granularity: Granularity): Point[] {
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

export interface EndpointRow {
  endpoint: string;
  method: string;
  requests: number;
  errors: number;
  latency: number;
}

export function endpointRows(keys: KeyProfile[], series: HourlySeries): EndpointRow[] {
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

export interface Alert {
  type: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  recommendation: string;
}

/** The vendor's alerts, derived from the figures it reports so that they agree with them. */
export function alerts(account: Account, errorRate: number, p95: number, query: Query, requests: number): Alert[] {
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

/** The key ids of the account the simulator makes for `credential`. */
export function anylayerKeyIds(credential: string, seed = 42): string[] {
  return makeAccount(seed, credential).keys.map((k) => k.id);
}

