import { randomUUID } from 'node:crypto';
import { bearerCredential, readBearer, startSimulatorServer, type SimRequest, type SimResponse } from './http-server.js';
import { HOUR_MS, MINUTE_MS, Random, SIM_NOW_MS, isoSeconds, seedKey } from './prng.js';
import type { SimulatorHandle, SimulatorOptions } from './types.js';
import { CounterBoard, LiveCounter, monthlyPace, steady } from './usage-dial.js';

/** The API key the Faraday simulator accepts by default (demo mode). */
export const FARADAY_DEMO_CREDENTIAL = 'fdy_sim_9b2e4c7a1f6d3e80';

/**
 * Faraday named limits (`GET /v1/usages`, docs/vendors/faraday.md#named-limits) and account usage metrics
 * (`GET /v1/accounts/current/usage`, docs/vendors/faraday.md#account-usage). Bodies follow the vendor's examples field for field,
 * including the asymmetry of its Periods: `predictive_data` and its resources carry
 * `last_12_months` and no `term_period_to_last_month`; every other Periods object the reverse.
 * Keys are printed in the vendor's (alphabetical) order.
 *
 * With a clock (demo mode), the month-to-date counters and the monthly Lookup API limit's usage
 * move, each at its own pace, and drop at the start of each UTC month: Faraday announces no reset
 * time, so the drop is the only sign of one. `POST /__sim/usage` sets a named limit by its `name`
 * (`lookup_api.monthly_request_count`), a month-to-date counter by its metric
 * (`lookup_api_requests.requests`, `batch_deployments.predictive_data:<resource_id>`).
 */

/** Share of the month that has passed at the fixed simulated now (20 November, noon), as the seeded counters assume. */
const MONTH_SHARE_AT_SIM_NOW = 19.5 / 30;
/** The monthly Lookup API limit is used at this share of its limit a month: busy, not exhausted. */
const LOOKUP_MONTHLY_SHARE = 0.8;
const LOOKUP_MONTHLY_LIMIT = 'lookup_api.monthly_request_count';

const USAGES_ROUTE = '/v1/usages';
const ACCOUNT_USAGE_ROUTE = '/v1/accounts/current/usage';

const ERROR_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'INVALID_AUTHORIZATION',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  422: 'VALIDATION_FAILED',
  // Faraday documents no rate-limit code; this is the closest of its documented ones.
  429: 'MAX_RESOURCES_REACHED',
};

interface Count {
  count: number;
}
type TermPeriods = { last_month: Count; month_to_date: Count; term_period_to_last_month: Count };
type YearPeriods = { last_12_months: Count; last_month: Count; month_to_date: Count };

/**
 * Periods consistent with one another for a metric running at about `monthly` per month: month to
 * date is the 20 days of November so far, the term runs from the contract start to last month.
 */
function termPeriods(r: Random, monthly: number, termMonths: number): TermPeriods {
  const lastMonth = Math.round(monthly * r.between(0.85, 1.15));
  return {
    last_month: { count: lastMonth },
    month_to_date: { count: Math.round(monthly * (19.5 / 30) * r.between(0.85, 1.15)) },
    term_period_to_last_month: { count: lastMonth + Math.round(monthly * (termMonths - 1) * r.between(0.8, 0.95)) },
  };
}

function yearPeriods(r: Random, monthly: number): YearPeriods {
  const lastMonth = Math.round(monthly * r.between(0.85, 1.15));
  return {
    last_12_months: { count: lastMonth + Math.round(monthly * 11 * r.between(0.75, 0.95)) },
    last_month: { count: lastMonth },
    month_to_date: { count: Math.round(monthly * (19.5 / 30) * r.between(0.85, 1.15)) },
  };
}

/** A sub-metric of `whole`: each period about `fraction` of it, never more than the whole. */
function share(r: Random, whole: TermPeriods, fraction: number): TermPeriods {
  const part = (c: Count): Count => ({ count: Math.round(c.count * fraction * r.between(0.97, 1)) });
  return {
    last_month: part(whole.last_month),
    month_to_date: part(whole.month_to_date),
    term_period_to_last_month: part(whole.term_period_to_last_month),
  };
}

function accountUsage(seed: number, credential: string): object {
  const r = new Random(seedKey(seed, credential, 'faraday.account'));
  const term = r.int(20, 30);
  // Batch scoring of a whole population: its 12-month total passes 2^31 (exact counters matter).
  const predictiveMonthly = r.int(260_000_000, 320_000_000);
  const resourceTypes = ['outcome', 'persona_set', 'outcome', 'cohort_membership'];
  const resources = resourceTypes.slice(0, r.int(2, 4)).map((type) => {
    const periods = yearPeriods(r, Math.round(predictiveMonthly * r.between(0.1, 0.4)));
    return { ...periods, resource_id: r.uuid(), resource_type: type };
  });
  // Lookup traffic runs at 150-180M requests a month, so term totals pass 2^31.
  const lookupMonthly = r.int(150_000_000, 180_000_000);
  const lookups = termPeriods(r, lookupMonthly, term);
  const successful = share(r, lookups, r.between(0.93, 0.985));
  const finishedAt = SIM_NOW_MS - r.int(2, 9) * HOUR_MS;
  return {
    batch_deployments: {
      consumer_data: termPeriods(r, r.int(50_000, 400_000), term),
      identity_data: termPeriods(r, r.int(20_000, 250_000), term),
      predictive_data: { ...yearPeriods(r, predictiveMonthly), resources },
      unknown_contact_addresses: termPeriods(r, r.int(5_000, 60_000), term),
      unknown_contact_email_hashes: termPeriods(r, r.int(5_000, 60_000), term),
    },
    finished_at: isoSeconds(finishedAt),
    id: r.uuid(),
    lookup_api_requests: {
      requests: lookups,
      successful,
      successful_consumer_data: share(r, successful, 0.45),
      successful_identity_data: share(r, successful, 0.3),
      successful_prediction_data: share(r, successful, 0.2),
    },
    started_at: isoSeconds(finishedAt - r.int(3, 25) * MINUTE_MS),
  };
}

function usages(seed: number, credential: string): object[] {
  const r = new Random(seedKey(seed, credential, 'faraday.usages'));
  const counted = (name: string, description: string, limit: number, low: number, high = 1): object => ({
    description,
    limit,
    name,
    usage: Math.round(limit * r.between(low, high)),
  });
  return [
    // The vendor's own example, description included.
    { description: 'Number of known contacts (KCs) allowed', limit: 10, name: 'cohort.max_count', usage: r.int(6, 10) },
    counted('outcome.max_count', 'Number of outcomes allowed', 20, 0.3, 0.9),
    counted('persona_set.max_count', 'Number of persona sets allowed', 10, 0.2, 0.8),
    counted('scope.max_count', 'Number of pipeline scopes allowed', 25, 0.2, 0.7),
    counted('target.max_count', 'Number of deployment targets allowed', 50, 0.1, 0.6),
    counted('dataset.max_count', 'Number of datasets allowed', 30, 0.3, 0.95),
    counted('lookup_api.monthly_request_count', 'Number of Lookup API requests allowed per month', 5_000_000_000, 0.55, 0.7),
  ];
}

function errorBody(status: number, code: string, message: string): SimResponse {
  return { status, body: { error: code, id: randomUUID(), message, validationErrors: [] } };
}

function vendorError(status: number, message?: string): SimResponse {
  if (status >= 500) return errorBody(status, 'INTERNAL_SERVER_ERROR', message ?? 'An internal server error occurred.');
  const code = ERROR_CODES[status] ?? 'BAD_REQUEST';
  const messages: Record<string, string> = {
    NOT_FOUND: 'The requested resource was not found.',
    MAX_RESOURCES_REACHED: 'Too many requests; retry after the time in the Retry-After header.',
  };
  return errorBody(status, code, message ?? messages[code] ?? 'The request could not be completed.');
}

export async function startFaradaySimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const seed = options.seed ?? 42;
  const credentials = options.credentials ?? [FARADAY_DEMO_CREDENTIAL];
  const credential = credentials[0];
  if (credential === undefined) throw new Error('startFaradaySimulator: credentials must not be empty');
  const clock = options.clock;
  const now = () => clock?.() ?? SIM_NOW_MS;
  const bodies = new Map(
    credentials.map((c) => [c, { [USAGES_ROUTE]: usages(seed, c), [ACCOUNT_USAGE_ROUTE]: accountUsage(seed, c) }]),
  );
  const first = bodies.get(credential)!;
  const counters = countersOf(first[USAGES_ROUTE] as NamedLimit[], first[ACCOUNT_USAGE_ROUTE], clock !== undefined);
  const board = new CounterBoard(counters);
  // Until a clock moves them or a test sets one, the counters are the seeded bodies' own: served as they are.
  let moving = clock !== undefined;

  function handle(request: SimRequest): SimResponse {
    if (request.pathname !== USAGES_ROUTE && request.pathname !== ACCOUNT_USAGE_ROUTE) return vendorError(404);
    if (request.method !== 'GET') return vendorError(404);
    const bearer = readBearer(request.headers);
    if (bearer.kind === 'missing') return errorBody(401, 'MISSING_API_KEY', 'No API key was supplied.');
    if (bearer.kind === 'malformed') {
      return errorBody(401, 'MALFORMED_API_KEY', "The Authorization header must have the form 'Bearer <api key>'.");
    }
    // Any key naming itself forbidden is refused, registered or not, so tests need no setup for it.
    if (bearer.token.includes('forbidden')) {
      return errorBody(403, 'FORBIDDEN', 'You do not have permission to access the specified resource.');
    }
    const known = bodies.get(bearer.token);
    if (known === undefined) return errorBody(401, 'INVALID_AUTHORIZATION', 'The API key is not valid.');
    if (bearer.token.includes('expired')) return errorBody(401, 'EXPIRED_API_KEY', 'The API key has expired.');
    const body = known[request.pathname];
    if (!moving || known !== first) return { status: 200, body };
    return { status: 200, body: request.pathname === USAGES_ROUTE ? liveUsages(body as NamedLimit[], counters, now()) : liveAccountUsage(body, counters, now()) };
  }

  return startSimulatorServer(
    {
      provider: 'FARADAY',
      basePath: '',
      credential,
      handle,
      errorResponse: vendorError,
      credentialOf: bearerCredential,
      setUsage: (setting) => {
        board.apply(setting, now());
        moving = true;
      },
      drift: (request, body) => (request.pathname === USAGES_ROUTE ? driftUsages(body) : driftAccountUsage(body)),
    },
    options.host,
  );
}

/** Each limit's `usage` renamed to `used`, `limit` retyped to a string. */
function driftUsages(body: unknown): unknown {
  return (body as Array<{ usage: number; limit: number }>).map(({ usage, limit, ...rest }) => ({
    ...rest,
    limit: String(limit),
    used: usage,
  }));
}

/** `lookup_api_requests.requests` renamed to `request_count`, `finished_at` retyped to epoch ms. */
function driftAccountUsage(body: unknown): unknown {
  const b = body as { finished_at: string; lookup_api_requests: Record<string, unknown> };
  const { requests, ...lookups } = b.lookup_api_requests;
  return {
    ...b,
    finished_at: Date.parse(b.finished_at),
    lookup_api_requests: { ...lookups, request_count: requests },
  };
}

interface NamedLimit {
  description: string;
  limit: number;
  name: string;
  usage: number;
}

type PeriodsObject = { month_to_date: Count };

/** Every month-to-date counter of an account-usage body, by the name a test sets it with. */
function monthToDateCounters(body: object): Map<string, PeriodsObject> {
  const b = body as {
    batch_deployments: Record<string, PeriodsObject> & { predictive_data: PeriodsObject & { resources: (PeriodsObject & { resource_id: string })[] } };
    lookup_api_requests: Record<string, PeriodsObject>;
  };
  const found = new Map<string, PeriodsObject>();
  for (const [name, periods] of Object.entries(b.batch_deployments)) found.set(`batch_deployments.${name}`, periods);
  for (const resource of b.batch_deployments.predictive_data.resources) found.set(`batch_deployments.predictive_data:${resource.resource_id}`, resource);
  for (const [name, periods] of Object.entries(b.lookup_api_requests)) found.set(`lookup_api_requests.${name}`, periods);
  return found;
}

/** The counters a test may set, moving with the clock when `live`, else held at the seeded values. */
function countersOf(limits: readonly NamedLimit[], account: object, live: boolean): Map<string, LiveCounter> {
  const counters = new Map<string, LiveCounter>();
  for (const item of limits) {
    const moves = live && item.name === LOOKUP_MONTHLY_LIMIT;
    counters.set(item.name, new LiveCounter(moves ? monthlyPace(item.limit * LOOKUP_MONTHLY_SHARE, { phase: 2 }) : steady(item.usage), item.limit));
  }
  let phase = 0;
  for (const [name, periods] of monthToDateCounters(account)) {
    phase += 0.7;
    const perMonth = periods.month_to_date.count / MONTH_SHARE_AT_SIM_NOW;
    counters.set(name, new LiveCounter(live ? monthlyPace(perMonth, { phase }) : steady(periods.month_to_date.count)));
  }
  return counters;
}

function liveUsages(limits: readonly NamedLimit[], counters: ReadonlyMap<string, LiveCounter>, at: number): NamedLimit[] {
  return limits.map((item) => {
    const counter = counters.get(item.name);
    return counter === undefined ? item : { ...item, limit: counter.limit() ?? item.limit, usage: counter.used(at) };
  });
}

function liveAccountUsage(body: object, counters: ReadonlyMap<string, LiveCounter>, at: number): object {
  const copy = structuredClone(body);
  for (const [name, periods] of monthToDateCounters(copy)) {
    const counter = counters.get(name);
    if (counter !== undefined) periods.month_to_date = { count: counter.used(at) };
  }
  return copy;
}
