import { DAY_MS, HOUR_MS, MINUTE_MS } from '../prng.js';
import { fail, type Parsed } from './errors.js';

/** The query parameters of `GET /v1/developer/usage`: their vocabulary, and their parsing into a Query. */

export const TIMEFRAMES = {
  '1h': HOUR_MS,
  '24h': DAY_MS,
  '7d': 7 * DAY_MS,
  '30d': 30 * DAY_MS,
  '90d': 90 * DAY_MS,
  '1y': 365 * DAY_MS,
  all: 730 * DAY_MS,
} as const;
export const GRANULARITIES = {
  minute: MINUTE_MS,
  hour: HOUR_MS,
  day: DAY_MS,
  week: 7 * DAY_MS,
  month: 30 * DAY_MS,
} as const;
export const SORT_FIELDS = ['requests', 'errors', 'latency', 'timestamp'] as const;
export const ORDERS = ['desc', 'asc'] as const;
export const MAX_LIMIT = 1000;
export type Timeframe = keyof typeof TIMEFRAMES;
export type Granularity = keyof typeof GRANULARITIES;
export type SortField = (typeof SORT_FIELDS)[number];

export interface Query {
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

/** The request's query, or the 400 the vendor answers for its first invalid parameter. */
function oneOf<T extends string>(raw: string | null, allowed: readonly T[], fallback: T): T | null {
  if (raw === null) return fallback;
  return (allowed as readonly string[]).includes(raw) ? (raw as T) : null;
}

export function parseQuery(params: URLSearchParams): Parsed<Query> {
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

