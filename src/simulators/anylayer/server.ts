import { bearerCredential, readBearer, startSimulatorServer, type SimRequest, type SimResponse } from '../http-server.js';
import { MINUTE_MS, SIM_NOW_MS, round, splitInteger } from '../prng.js';
import type { SimulatorHandle, SimulatorOptions } from '../types.js';
import { CounterBoard, LiveCounter, steady, type CounterModel } from '../usage-dial.js';
import { alerts, endpointRows, hourlySeries, makeAccount, points, STATUSES, sum, type Account, type EndpointRow, type Point } from './data.js';
import { fail, vendorError } from './errors.js';
import { parseQuery, type Query, type SortField } from './query.js';

export { anylayerKeyIds } from './data.js';

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
 *
 * With a clock (demo mode), the rate limit's `remaining` moves: the calls of each minute use up to
 * 70 % of it, and it restarts at the next minute (its `reset_at`). `POST /__sim/usage` sets the
 * calls used this minute as `{ "quota": "rate_limit", "used": n }`.
 */

/** Most of a minute's rate limit the simulated traffic uses. */
const BUSIEST_MINUTE_SHARE = 0.7;

/** Calls used within each minute, rising through it and restarting at the next. */
function callsThisMinute(requestsPerMinute: number): CounterModel {
  return {
    value: (at) => Math.round(requestsPerMinute * BUSIEST_MINUTE_SHARE * ((at % MINUTE_MS) / MINUTE_MS)),
    periodStart: (at) => at - (at % MINUTE_MS),
  };
}

const ROUTE = '/v1/developer/usage';

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

const ENDPOINT_SORT: Record<SortField, (row: EndpointRow) => number | string> = {
  requests: (row) => row.requests,
  errors: (row) => row.errors,
  latency: (row) => row.latency,
  timestamp: (row) => row.endpoint,
};

/** The rate limit as a clock (or a test) moved it; null: the seeded figures. */
interface LiveRateLimit {
  remaining: number;
  resetAt: number;
}

function usageBody(account: Account, query: Query, live: LiveRateLimit | null = null): SimResponse {
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
    remaining: live?.remaining ?? account.remaining,
    reset_at: new Date(live?.resetAt ?? SIM_NOW_MS + MINUTE_MS).toISOString(),
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

export async function startAnylayerSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const seed = options.seed ?? 42;
  const credentials = options.credentials ?? [ANYLAYER_DEMO_CREDENTIAL];
  const credential = credentials[0];
  if (credential === undefined) throw new Error('startAnylayerSimulator: credentials must not be empty');
  const accounts = new Map(credentials.map((c) => [c, makeAccount(seed, c)]));
  const clock = options.clock;
  const now = () => clock?.() ?? SIM_NOW_MS;
  const first = accounts.get(credential)!;
  const rpm = first.tier.requestsPerMinute;
  const used = new LiveCounter(clock === undefined ? steady(rpm - first.remaining) : callsThisMinute(rpm), rpm);
  const board = new CounterBoard(new Map([['rate_limit', used]]));
  let moving = clock !== undefined;
  const liveRateLimit = (): LiveRateLimit => {
    const at = now();
    const limit = used.limit() ?? rpm;
    return { remaining: Math.max(0, limit - used.used(at)), resetAt: clock === undefined ? SIM_NOW_MS + MINUTE_MS : at - (at % MINUTE_MS) + MINUTE_MS };
  };

  function handle(request: SimRequest): SimResponse {
    if (request.pathname !== ROUTE) return vendorError(404);
    if (request.method !== 'GET') return vendorError(405);
    const bearer = readBearer(request.headers);
    const account = bearer.kind === 'token' ? accounts.get(bearer.token) : undefined;
    if (account === undefined) return vendorError(401);
    const query = parseQuery(request.query);
    if (!query.ok) return query.response;
    return usageBody(account, query.value, moving && account === first ? liveRateLimit() : null);
  }

  return startSimulatorServer(
    {
      provider: 'ANYLAYER',
      basePath: '',
      credential,
      handle,
      errorResponse: vendorError,
      credentialOf: bearerCredential,
      setUsage: (setting) => {
        board.apply(setting, now());
        moving = true;
      },
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
