import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { isCleanAnswer, median, post, round, runLoad, type LoadResult } from '../lib/load.js';
import { cpuMsOf, startService, type Service } from '../lib/processes.js';
import { graphqlBody, OVERVIEW_QUERY } from '../lib/queries.js';

/** Options of {@link edgeAuthScenario}. */
export interface EdgeAuthOptions {
  /** The production bundle (`dist/main.js`). */
  production: string;
  /** Gateway environment of the unauthenticated rows (simulators, budgets, GATEWAY_ENV); its `AUTH_DISABLED` is dropped. */
  env: Record<string, string>;
  /** A fresh `DATA_DIR` for the authenticated gateway. */
  dataDir: () => Record<string, string>;
  /** The unauthenticated gateway of the warm overview, measured again here, alternating with the authenticated one. */
  unauthenticated: Service;
  connections: number;
  warmupSeconds: number;
  loadSeconds: number;
  /** Unauthenticated, then authenticated, this many times; each side's median is reported. */
  rounds: number;
  log: (message: string) => void;
}

export interface EdgeAuthResult {
  /** Distinct callers (subs) whose tokens the load cycles through, one token per request. */
  callers: number;
  /** How often the gateway fetched the JWKS during the whole scenario (cached: once). */
  jwksFetches: number;
  /** Status of an overview asked without a token: 401 when authentication is really on. */
  statusWithoutToken: number;
  /** The authenticated answer has the unauthenticated one's providers, quotas and alerts (see {@link shapeOf}). */
  sameData: boolean;
  callerRateLimitPerMinute: number;
  unauthenticated: LoadResult;
  authenticated: LoadResult;
  /** Every round's answers/s, in order, to show the spread. */
  roundsPerSecond: { unauthenticated: number[]; authenticated: number[] };
  /** Throughput lost to authentication and the limits: 100 × (1 − authenticated ÷ unauthenticated), on the medians. */
  overheadPercent: number;
  /**
   * The gateway process's own CPU time per answer, µs, median over the rounds (null without
   * /proc): what the load generator's share of the same two cores does not blur.
   */
  cpuMicrosecondsPerAnswer: { unauthenticated: number | null; authenticated: number | null };
  /** The load generator's (autocannon, in the harness process) CPU per answer, µs, median over the rounds. */
  loadGeneratorMicrosecondsPerAnswer: { unauthenticated: number | null; authenticated: number | null };
  /** CPU per answer that authentication and the limits add, in percent of the unauthenticated one. */
  cpuOverheadPercent: number | null;
}

const ISSUER = 'https://idp.bench.invalid/';
const AUDIENCE = 'usage-gateway-bench';
/** As many callers as the warm overview's connections and more: tokens are not reused back to back on one connection. */
const CALLERS = 256;
/**
 * High enough that no caller is ever refused (256 callers share the run's few thousand answers a
 * second), so the per-caller limit counts every request without shaping the load.
 */
const CALLER_RATE_LIMIT_PER_MINUTE = 1_000_000;

/**
 * The edge under load: the warm overview with authentication on — a different
 * caller's ES256 JWT on every request, the JWKS served over loopback HTTP and cached by the
 * gateway — and the per-caller rate limit counting, beside the same overview unauthenticated.
 * GraphQL Armor's limits and demand control are on in both (they cannot be turned off), so the
 * difference is what identity and the per-caller limit cost; bench/README.md's profile note gives
 * Armor's and demand control's own share.
 */
/** Dashboard callers with tokens of their own, and the identity provider's JWKS that vouches for them. */
export interface BenchCallers {
  /** One ready `authorization` header per caller. */
  headerSets: readonly Record<string, string>[];
  /** What turns a gateway's authentication on against this JWKS, with the counting per-caller limit. */
  gatewayEnv: Record<string, string>;
  /** How often the JWKS was fetched so far. */
  jwksFetches(): number;
  close(): void;
}

/**
 * {@link CALLERS} ES256 tokens with scope `usage:read` (one sub each, an hour to live) and a
 * loopback JWKS server for them; used by the authenticated warm overview and by `npm run bench:profile -- auth`.
 */
export async function benchCallers(): Promise<BenchCallers> {
  const keys = await generateKeyPair('ES256');
  const kid = `bench-${process.pid}`;
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid, alg: 'ES256', use: 'sig' }] });
  let jwksFetches = 0;
  const jwksServer = createServer((request, response) => {
    jwksFetches += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  const jwksUrl = await listen(jwksServer);
  const expiresAt = Math.floor(Date.now() / 1000) + 3600;
  const tokens = await Promise.all(
    Array.from({ length: CALLERS }, (_, index) =>
      new SignJWT({ scope: 'usage:read' })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setSubject(`dashboard-${index}`)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(expiresAt)
        .sign(keys.privateKey),
    ),
  );
  return {
    headerSets: tokens.map((token) => ({ authorization: `Bearer ${token}` })),
    gatewayEnv: { AUTH_JWKS_URL: jwksUrl, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE, CALLER_RATE_LIMIT_PER_MINUTE: String(CALLER_RATE_LIMIT_PER_MINUTE) },
    jwksFetches: () => jwksFetches,
    close: () => jwksServer.close(),
  };
}

export async function edgeAuthScenario(options: EdgeAuthOptions): Promise<EdgeAuthResult> {
  const callers = await benchCallers();
  try {
    const { AUTH_DISABLED: _unauthenticated, ...env } = options.env;
    const authenticated = await startService('ours (JWT per request, per-caller limit)', options.production, { ...env, ...options.dataDir(), ...callers.gatewayEnv }, { plain: true });
    const body = graphqlBody(OVERVIEW_QUERY);
    const statusWithoutToken = (await post(authenticated, body)).status;
    const answer = await post(authenticated, body, callers.headerSets[0]);
    // A figure measured on error answers would flatter the side that failed fastest.
    if (answer.status !== 200 || !isCleanAnswer(answer.text)) throw new Error(`${authenticated.name} did not answer cleanly: ${answer.status} ${answer.text.slice(0, 500)}`);
    const sameData = shapeOf(answer.text) === shapeOf((await post(options.unauthenticated, body)).text);

    const load = async (target: Service, headerSets?: readonly Record<string, string>[]) => {
      const bounds = { body, connections: options.connections, ...(headerSets === undefined ? {} : { headerSets }) };
      await runLoad(target, { ...bounds, durationSeconds: options.warmupSeconds });
      const cpuBefore = cpuMsOf(target.pid);
      // autocannon runs in this process: its CPU is the load generator's.
      const generatorBefore = process.cpuUsage();
      const result = await runLoad(target, { ...bounds, durationSeconds: options.loadSeconds });
      const generator = process.cpuUsage(generatorBefore);
      const cpuAfter = cpuMsOf(target.pid);
      const answers = result.requestsPerSecond * result.durationSeconds;
      const cpuMicroseconds = cpuBefore === null || cpuAfter === null || answers === 0 ? null : round((1000 * (cpuAfter - cpuBefore)) / answers);
      const generatorMicroseconds = answers === 0 ? null : round((generator.user + generator.system) / answers);
      options.log(`${target.name}: ${result.requestsPerSecond} answers/s (${result.cleanPerSecond} clean), p50 ${result.latencyMs.p50} ms, CPU µs per answer ${cpuMicroseconds} (load generator ${generatorMicroseconds}), failures ${result.failures}`);
      return { ...result, cpuMicroseconds, generatorMicroseconds };
    };
    type Measured = LoadResult & { cpuMicroseconds: number | null; generatorMicroseconds: number | null };
    const runs: { unauthenticated: Measured[]; authenticated: Measured[] } = { unauthenticated: [], authenticated: [] };
    for (let round = 0; round < options.rounds; round += 1) {
      runs.unauthenticated.push(await load(options.unauthenticated));
      runs.authenticated.push(await load(authenticated, callers.headerSets));
    }
    const [plain, withAuth] = [medianRun(runs.unauthenticated), medianRun(runs.authenticated)];
    const medianOf = (side: Measured[], figure: 'cpuMicroseconds' | 'generatorMicroseconds') => {
      const known = side.flatMap((run) => (run[figure] === null ? [] : [run[figure]]));
      return known.length === 0 ? null : median(known);
    };
    const cpu = { unauthenticated: medianOf(runs.unauthenticated, 'cpuMicroseconds'), authenticated: medianOf(runs.authenticated, 'cpuMicroseconds') };
    const generator = { unauthenticated: medianOf(runs.unauthenticated, 'generatorMicroseconds'), authenticated: medianOf(runs.authenticated, 'generatorMicroseconds') };
    return {
      callers: CALLERS,
      jwksFetches: callers.jwksFetches(),
      statusWithoutToken,
      sameData,
      callerRateLimitPerMinute: CALLER_RATE_LIMIT_PER_MINUTE,
      unauthenticated: plain,
      authenticated: withAuth,
      roundsPerSecond: { unauthenticated: runs.unauthenticated.map((run) => run.requestsPerSecond), authenticated: runs.authenticated.map((run) => run.requestsPerSecond) },
      overheadPercent: overheadPercent(plain.requestsPerSecond, withAuth.requestsPerSecond),
      cpuMicrosecondsPerAnswer: cpu,
      loadGeneratorMicrosecondsPerAnswer: generator,
      cpuOverheadPercent: cpu.unauthenticated === null || cpu.authenticated === null ? null : -overheadPercent(cpu.unauthenticated, cpu.authenticated),
    };
  } finally {
    callers.close();
  }
}

/** Throughput lost, in percent of the unauthenticated rate (negative when the authenticated side was faster). */
export function overheadPercent(unauthenticatedPerSecond: number, authenticatedPerSecond: number): number {
  return unauthenticatedPerSecond > 0 ? round(100 * (1 - authenticatedPerSecond / unauthenticatedPerSecond)) : NaN;
}

/** The run with the median answers/s, whole (its latency and failures belong to the same run). */
export function medianRun(results: readonly LoadResult[]): LoadResult {
  const rate = median(results.map((result) => result.requestsPerSecond));
  return results.find((result) => result.requestsPerSecond === rate)!;
}

/**
 * An overview's providers and the names of their quotas and alerts' severities: two gateways
 * with caches of their own read the vendors' counters at different moments (every call moves
 * Sharpe's), so their numbers may differ while the answer is the same.
 */
export function shapeOf(text: string): string {
  const { data } = JSON.parse(text) as { data?: { accounts?: { provider: { id: string }; error: unknown; account: { quotas: { name: string }[]; alerts: { severity: string }[] } | null }[] } };
  return JSON.stringify(
    (data?.accounts ?? []).map(({ provider, error, account }) => [provider.id, error, account?.quotas.map((quota) => quota.name), account?.alerts.map((alert) => alert.severity)]),
  );
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
}
