import { randomBytes } from 'node:crypto';
import { bearerCredential, genericError, readBearer, startSimulatorServer, type SimRequest, type SimResponse } from './http-server.js';
import { MINUTE_MS, Random, SIM_NOW_MS, isoSeconds, round, seedKey, splitInteger } from './prng.js';
import type { SimulatorHandle, SimulatorOptions } from './types.js';
import { CounterBoard, LiveCounter, monthlyPace, nextUtcMonthStart, steady } from './usage-dial.js';

/** The API key the Sharpe simulator accepts by default (demo mode). */
export const SHARPE_DEMO_CREDENTIAL = 'sk_live_sim_5e1f9a3c7b2d4e68';

/**
 * Sharpe usage (docs/vendors/sharpe.md), served at `GET /api/v1/usage`. Reproduces the vendor's own
 * disagreement: `plan.rpm` is not `rate_limit.requests_per_minute`, `plan.monthly_limit` is not
 * `quota.limit`. The rate limit is enforced for real, per credential over a rolling minute.
 * `meta.timestamp` is the simulated now and `meta.elapsed_ms` is seeded, so bodies are
 * deterministic except `meta.request_id`.
 *
 * With a clock (demo mode), the monthly quota moves: it restarts each UTC month and runs at a pace
 * that reaches its limit a little before the month ends (then stays there), so a forecast says it
 * runs out before the reset. `POST /__sim/usage` sets it by its name, `monthly_requests`.
 */

/** Share of the month at whose end the live quota reaches its limit: about a day and a half before the reset. */
const EXHAUSTED_AT_MONTH_SHARE = 0.95;

const ROUTE = '/api/v1/usage';

/** Plan figures as advertised; `rateLimit` and `quota` are what the vendor actually enforces. */
const TIERS = [
  { tier: 'free', rpm: 30, monthlyLimit: 10_000, rateLimit: 500, quota: 500_000 },
  { tier: 'analyst', rpm: 60, monthlyLimit: 100_000, rateLimit: 600, quota: 1_000_000 },
  { tier: 'pro', rpm: 300, monthlyLimit: 1_000_000, rateLimit: 1_200, quota: 5_000_000 },
  { tier: 'enterprise', rpm: 1_000, monthlyLimit: 10_000_000, rateLimit: 3_000, quota: 25_000_000 },
] as const;

const ENDPOINTS = [
  { path: '/api/v1/funding/rates', latency: 85 },
  { path: '/api/v1/news/feed', latency: 142 },
  { path: '/api/v1/price-prediction/data', latency: 67 },
  { path: '/api/v1/memecoins/data', latency: 110 },
  { path: '/api/v1/onchain/flows', latency: 190 },
  { path: '/api/v1/sentiment/scores', latency: 96 },
] as const;

interface EndpointStats {
  count: number;
  avg_response_ms: number;
  errors: number;
}

interface SharpeAccount {
  body: {
    data: {
      plan: { tier: string; rpm: number; monthly_limit: number };
      rate_limit: { requests_per_minute: number };
      quota: { used: number; limit: number; remaining: number; resets_at: string };
      last_24h: { total_requests: number; by_endpoint: Record<string, EndpointStats> };
    };
    meta: { timestamp: string; elapsed_ms: number };
  };
  noScope: boolean;
  /** Accepted request times within the last minute, oldest first. */
  window: number[];
  /** `quota.used` and `quota.limit` as they move (or as a test set them). */
  quota: LiveCounter;
}

function makeAccount(seed: number, credential: string, live: boolean): SharpeAccount {
  const r = new Random(seedKey(seed, credential, 'sharpe'));
  const plan = TIERS[r.int(0, TIERS.length - 1)] ?? TIERS[0];
  const used = Math.round(plan.quota * r.between(0.02, 0.97));
  const total24h = Math.round((used / 20) * r.between(0.6, 1.4));
  const endpoints = ENDPOINTS.slice(0, r.int(4, ENDPOINTS.length));
  const counts = splitInteger(total24h, endpoints.map(() => r.between(0.3, 2)));
  const now = new Date(SIM_NOW_MS);
  return {
    body: {
      data: {
        plan: { tier: plan.tier, rpm: plan.rpm, monthly_limit: plan.monthlyLimit },
        rate_limit: { requests_per_minute: plan.rateLimit },
        quota: {
          used,
          limit: plan.quota,
          remaining: plan.quota - used,
          resets_at: isoSeconds(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
        },
        last_24h: {
          total_requests: total24h,
          by_endpoint: Object.fromEntries(
            endpoints.map((e, i) => {
              const count = counts[i] ?? 0;
              const stats: EndpointStats = {
                count,
                avg_response_ms: round(e.latency * r.between(0.8, 1.25), 1),
                errors: Math.floor(count * r.between(0, 0.03)),
              };
              return [e.path, stats];
            }),
          ),
        },
      },
      meta: { timestamp: isoSeconds(SIM_NOW_MS + 5_000), elapsed_ms: r.int(6, 40) },
    },
    noScope: credential.includes('noscope'),
    window: [],
    quota: new LiveCounter(live ? monthlyPace(plan.quota / EXHAUSTED_AT_MONTH_SHARE, { cap: plan.quota, phase: 1 }) : steady(used), plan.quota),
  };
}

function requestId(): string {
  return `req_${randomBytes(8).toString('hex')}`;
}

function errorBody(status: number, code: string, message: string, headers?: Record<string, string>): SimResponse {
  return { status, body: { error: { code, message }, meta: { request_id: requestId() } }, ...(headers ? { headers } : {}) };
}

function vendorError(status: number, message?: string): SimResponse {
  if (status === 401) return errorBody(401, 'UNAUTHORIZED', message ?? 'Invalid or missing API key.');
  if (status === 429) {
    return errorBody(429, 'RATE_LIMITED', message ?? 'Rate limit exceeded. Retry after the time in the Retry-After header.');
  }
  const generic = genericError(status);
  return errorBody(status, generic.code, message ?? generic.message);
}

/** Records the request if it fits the rolling-minute budget; otherwise the seconds until it would. */
function admit(account: SharpeAccount, limit: number, now: number): number | null {
  while (account.window.length > 0 && (account.window[0] ?? 0) <= now - MINUTE_MS) account.window.shift();
  if (account.window.length < limit) {
    account.window.push(now);
    return null;
  }
  return Math.max(1, Math.ceil(((account.window[0] ?? now) + MINUTE_MS - now) / 1000));
}

export async function startSharpeSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const seed = options.seed ?? 42;
  const credentials = options.credentials ?? [SHARPE_DEMO_CREDENTIAL];
  const credential = credentials[0];
  if (credential === undefined) throw new Error('startSharpeSimulator: credentials must not be empty');
  const clock = options.clock;
  const accounts = new Map(credentials.map((c) => [c, makeAccount(seed, c, clock !== undefined)]));
  const board = new CounterBoard(new Map([['monthly_requests', accounts.get(credential)!.quota]]));
  const now = () => clock?.() ?? SIM_NOW_MS;

  function handle(request: SimRequest): SimResponse {
    if (request.pathname !== ROUTE) return vendorError(404);
    if (request.method !== 'GET') return vendorError(405);
    const bearer = readBearer(request.headers);
    if (bearer.kind === 'missing') return errorBody(401, 'UNAUTHORIZED', 'Missing API key. Send Authorization: Bearer <key>.');
    const account = bearer.kind === 'token' ? accounts.get(bearer.token) : undefined;
    if (account === undefined) return vendorError(401);
    const limit = account.body.data.rate_limit.requests_per_minute;
    const retryAfter = admit(account, limit, Date.now());
    if (retryAfter !== null) {
      const message = `Rate limit of ${limit} requests per minute exceeded.`;
      return errorBody(429, 'RATE_LIMITED', message, { 'retry-after': String(retryAfter) });
    }
    if (account.noScope) {
      return errorBody(403, 'INSUFFICIENT_SCOPE', "This API key lacks the 'usage:read' scope required by GET /v1/usage.");
    }
    const { data, meta } = account.body;
    const at = now();
    const used = account.quota.used(at);
    const quotaLimit = account.quota.limit() ?? data.quota.limit;
    const quota = { used, limit: quotaLimit, remaining: Math.max(0, quotaLimit - used), resets_at: clock === undefined ? data.quota.resets_at : isoSeconds(nextUtcMonthStart(at)) };
    const timestamp = clock === undefined ? meta.timestamp : isoSeconds(at);
    return { status: 200, body: { data: { ...data, quota }, meta: { request_id: requestId(), ...meta, timestamp } } };
  }

  return startSimulatorServer(
    {
      provider: 'SHARPE',
      basePath: '/api',
      credential,
      handle,
      errorResponse: vendorError,
      credentialOf: bearerCredential,
      setUsage: (setting) => board.apply(setting, now()),
      // `quota.used` renamed to `quota.consumed`, `plan.rpm` retyped to a string.
      drift: (_request, body) => {
        const b = body as SharpeAccount['body'];
        const { used, ...quota } = b.data.quota;
        return {
          ...b,
          data: { ...b.data, plan: { ...b.data.plan, rpm: String(b.data.plan.rpm) }, quota: { ...quota, consumed: used } },
        };
      },
    },
    options.host,
  );
}
