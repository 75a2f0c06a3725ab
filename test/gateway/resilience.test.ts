import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/common/logger.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { startGateway } from '../../src/server.js';
import type { FaultMode } from '../../src/simulators/index.js';
import { startHarness, type Harness, type HarnessOptions } from '../support/harness.js';
import { expectNoFragmentOf } from '../support/leaks.js';
import { graphqlRequest } from '../support/graphql-request.js';

/**
 * Upstream resilience over real HTTP against the simulators. Sharpe is configured with a canary
 * credential throughout; the last test makes Sharpe echo it back and checks no part of it reaches a
 * response or a log line.
 */
// No six characters in a row that a UUID or a hex id could hold: request ids are random hex.
const CANARY = 'sk_live_canary_resilience_5dq1ez9cw7ax3b';
const responses: string[] = [];
const logs: string[][] = [];
const harnesses: Harness[] = [];

async function open(options: HarnessOptions = {}): Promise<Harness> {
  const harness = await startHarness({
    credentials: { SHARPE: CANARY },
    simulatorCredentials: { SHARPE: [CANARY] },
    ...options,
  });
  harnesses.push(harness);
  logs.push(harness.logs);
  return harness;
}

async function query(harness: Harness, text: string): Promise<any> {
  const { body, text: raw } = await harness.query<any>(text);
  responses.push(raw);
  return body;
}

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((harness) => harness.close()));
});

const SHARPE_ACCOUNT = `{ account(provider: SHARPE) { quotas { used } fetchedAt ageSeconds stale staleReason { code retryAfterSeconds } } }`;
const SHARPE_HEALTH = `{ providers { id health { state callsInWindow failuresInWindow lastError { code httpStatus message at } lastSuccessAt rateBudget { limitPerMinute reportedLimitPerMinute usedLastMinute remaining pausedUntil } retryBudget { maxRatio requestsLastMinute retriesLastMinute } } } }`;

function health(body: any, id: string) {
  return body.data.providers.find((provider: any) => provider.id === id).health;
}

/**
 * A server that accepts requests and never answers, counting the requests it received and the
 * sockets still open; `allClosed` resolves once every socket it accepted has closed.
 */
async function hangingServer(): Promise<{
  server: Server;
  url: string;
  requests: () => number;
  open: () => number;
  allClosed: () => Promise<void>;
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let requests = 0;
  let wake: (() => void) | undefined;
  const server = createServer(() => {
    requests += 1;
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) wake?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/api`,
    requests: () => requests,
    open: () => sockets.size,
    allClosed: () =>
      sockets.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            wake = resolve;
          }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The whole-call deadline ends a hung call: one attempt, timed out by the deadline itself (its
 * message names it), nothing tried or waited on after it. Those are counted, so they hold however
 * loaded the machine; the wall-clock bounds only say the deadline was waited for, not cut short, and
 * that the call did not outlive it by seconds, with room for a loaded 2-core machine.
 */
const DEADLINE_SLACK_MS = 1500;

function expectDeadlineTimeout(body: any, deadlineMs: number): void {
  expect(body.errors[0].extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', provider: 'SHARPE' });
  const named = /did not answer within (\d+) ms/.exec(body.errors[0].message);
  expect(named, body.errors[0].message).not.toBeNull();
  // The attempt's own timeout is what is left of the call's deadline, never more.
  expect(Number(named![1])).toBeLessThanOrEqual(deadlineMs);
  expect(Number(named![1])).toBeGreaterThan(deadlineMs - 50);
}

describe('deadlines', () => {
  it('a hung vendor errors at its deadline: one attempt, timed out by the deadline, no retry after it', async () => {
    const harness = await open({ policies: { SHARPE: { timeoutMs: 400, cacheTtlMs: 0, staleIfErrorMs: 0 } } });
    // Warm: the measurement is of the deadline, not of the first request's setup.
    await query(harness, SHARPE_ACCOUNT);
    harness.sims.sharpe.setFault({ fault: { mode: 'hang' } });
    harness.sims.sharpe.resetHits();
    const started = performance.now();
    const body = await query(harness, SHARPE_ACCOUNT);
    const elapsed = performance.now() - started;
    expectDeadlineTimeout(body, 400);
    expect(harness.sims.sharpe.hits()).toBe(1);
    // Timers may fire a millisecond early by performance.now(); a call cut short would be far earlier.
    expect(elapsed).toBeGreaterThanOrEqual(400 - 5);
    expect(elapsed).toBeLessThan(400 + DEADLINE_SLACK_MS);
    harness.sims.sharpe.setFault(null);
  });

  it('frees the sockets of a hung call', async () => {
    const hung = await hangingServer();
    try {
      const harness = await open({ baseUrls: { SHARPE: hung.url }, policies: { SHARPE: { timeoutMs: 300 } } });
      const started = performance.now();
      const body = await query(harness, SHARPE_ACCOUNT);
      const elapsed = performance.now() - started;
      expectDeadlineTimeout(body, 300);
      expect(hung.requests()).toBe(1);
      expect(elapsed).toBeGreaterThanOrEqual(300 - 5);
      expect(elapsed).toBeLessThan(300 + DEADLINE_SLACK_MS);
      // The client aborted: the server sees its socket close, nothing is left pooled or pending.
      // Waited for as an event, so a slow machine only makes it later; a kept socket fails by the test's timeout.
      await hung.allClosed();
      expect(hung.open()).toBe(0);
      expect(hung.requests()).toBe(1);
    } finally {
      await hung.close();
    }
  });
});

describe('retries and the circuit breaker', () => {
  it('under 100 % 503: at most 3 attempts per call, then the breaker opens and upstream calls stop', async () => {
    const harness = await open({ policy: { retryBudgetRatio: 1, retryBaseDelayMs: 5, cacheTtlMs: 0 } });
    harness.sims.sharpe.setFault({ fault: { mode: 'status', status: 503 } });
    const attempts: number[] = [];
    for (let call = 0; call < 12; call += 1) {
      const before = harness.sims.sharpe.hits();
      const body = await query(harness, SHARPE_ACCOUNT);
      attempts.push(harness.sims.sharpe.hits() - before);
      expect(body.errors[0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', provider: 'SHARPE' });
    }
    expect(Math.max(...attempts)).toBeLessThanOrEqual(3);
    expect(attempts.slice(0, 6)).toEqual([3, 3, 3, 3, 3, 3]);
    // 20 failed attempts opened it during the seventh call; from then on nothing is sent.
    expect(attempts.slice(7)).toEqual([0, 0, 0, 0, 0]);
    const opened = await query(harness, SHARPE_ACCOUNT);
    expect(opened.errors[0].message).toMatch(/circuit breaker is open/);
    const state = health(await query(harness, SHARPE_HEALTH), 'SHARPE');
    expect(state).toMatchObject({ state: 'OPEN', lastError: { code: 'UPSTREAM_UNAVAILABLE', httpStatus: 503 } });
    expect(state.failuresInWindow).toBeGreaterThanOrEqual(20);
    expect(Date.parse(state.lastError.at)).toBeGreaterThan(Date.now() - 10_000);
  });

  it('the retry budget keeps retries within 20 % of the calls to a failing vendor', async () => {
    const harness = await open({ policy: { retryBaseDelayMs: 1, breaker: { minimumCalls: 1_000 } } });
    harness.sims.sharpe.setFault({ fault: { mode: 'status', status: 503 } });
    const calls = 30;
    for (let call = 0; call < calls; call += 1) await query(harness, SHARPE_ACCOUNT);
    const hits = harness.sims.sharpe.hits();
    expect(hits).toBeGreaterThan(calls);
    expect((hits - calls) / hits).toBeLessThanOrEqual(0.2);
    const budget = health(await query(harness, SHARPE_HEALTH), 'SHARPE').retryBudget;
    expect(budget).toEqual({ maxRatio: 0.2, requestsLastMinute: hits, retriesLastMinute: hits - calls });
  });

  it('waits for a Retry-After in seconds, then answers', async () => {
    const harness = await open({ policy: { retryBudgetRatio: 1 } });
    harness.sims.sharpe.setFault({ fault: { mode: 'rate-limit', retryAfter: '1' }, count: 1 });
    const started = performance.now();
    const body = await query(harness, SHARPE_ACCOUNT);
    expect(body.errors).toBeUndefined();
    expect(body.data.account.quotas[0].used).toBeGreaterThan(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(harness.sims.sharpe.hits()).toBe(2);
  });

  it('waits for a Retry-After given as an HTTP date', async () => {
    const harness = await open({ policy: { retryBudgetRatio: 1, timeoutMs: 5000 } });
    const at = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
    harness.sims.sharpe.setFault({ fault: { mode: 'rate-limit', retryAfter: at.toUTCString() }, count: 1 });
    const body = await query(harness, SHARPE_ACCOUNT);
    expect(body.errors).toBeUndefined();
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime() - 1000);
    expect(harness.sims.sharpe.hits()).toBe(2);
  });

  it('refuses at once when the Retry-After would pass the deadline, and sends nothing until then', async () => {
    const harness = await open({ policy: { retryBudgetRatio: 1, timeoutMs: 3000 } });
    harness.sims.sharpe.setFault({ fault: { mode: 'rate-limit', retryAfter: '30' }, count: 1 });
    const started = performance.now();
    const body = await query(harness, SHARPE_ACCOUNT);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(body.errors[0].extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfterSeconds: 30, httpStatus: 429 });
    const again = await query(harness, SHARPE_ACCOUNT);
    expect(again.errors[0].extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED' });
    expect(again.errors[0].extensions.retryAfterSeconds).toBeGreaterThanOrEqual(29);
    expect(harness.sims.sharpe.hits()).toBe(1);
    const budget = health(await query(harness, SHARPE_HEALTH), 'SHARPE').rateBudget;
    expect(Date.parse(budget.pausedUntil)).toBeGreaterThan(Date.now() + 25_000);
  });
});

describe('rate budget', () => {
  it('never sends past the budget: over it, the cached answer is served stale, else UPSTREAM_RATE_LIMITED', async () => {
    const harness = await open({ policies: { SHARPE: { rateLimitPerMinute: 2, cacheTtlMs: 0, timeoutMs: 500 } } });
    await query(harness, SHARPE_ACCOUNT);
    await query(harness, SHARPE_ACCOUNT);
    const third = await query(harness, SHARPE_ACCOUNT);
    expect(harness.sims.sharpe.hits()).toBe(2);
    expect(third.data.account).toMatchObject({ stale: true, staleReason: { code: 'UPSTREAM_RATE_LIMITED' } });
    expect(third.data.account.staleReason.retryAfterSeconds).toBeGreaterThan(50);

    const strict = await open({ policies: { SHARPE: { rateLimitPerMinute: 1, cacheTtlMs: 0, staleIfErrorMs: 0, timeoutMs: 500 } } });
    await query(strict, SHARPE_ACCOUNT);
    const refused = await query(strict, SHARPE_ACCOUNT);
    expect(refused.errors[0].extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', provider: 'SHARPE' });
    expect(refused.errors[0].extensions.retryAfterSeconds).toBeGreaterThan(50);
    expect(strict.sims.sharpe.hits()).toBe(1);
  });

  it("is tightened by the limit Sharpe reports in its body, and shows in health", async () => {
    const harness = await open({ policies: { SHARPE: { rateLimitPerMinute: 1000 } } });
    const vendor = await (await fetch(`${harness.sims.sharpe.baseUrl}/v1/usage`, { headers: { authorization: `Bearer ${CANARY}` } })).json();
    harness.sims.sharpe.resetHits();
    await query(harness, SHARPE_ACCOUNT);
    const budget = health(await query(harness, SHARPE_HEALTH), 'SHARPE').rateBudget;
    const reported = vendor.data.rate_limit.requests_per_minute;
    expect(budget).toMatchObject({ limitPerMinute: Math.min(1000, reported), reportedLimitPerMinute: reported, usedLastMinute: 1 });
  });
});

describe('shared cache', () => {
  it('50 concurrent identical queries make 1 upstream call', async () => {
    const harness = await open();
    harness.sims.sharpe.setFault({ fault: { mode: 'latency', ms: 150 } });
    const bodies = await Promise.all(Array.from({ length: 50 }, () => query(harness, SHARPE_ACCOUNT)));
    expect(harness.sims.sharpe.hits()).toBe(1);
    for (const body of bodies) expect(body.data.account).toEqual(bodies[0].data.account);
  });

  it('stale-if-error serves the last good answer, marked stale, with the error beside it; not past the window', async () => {
    const harness = await open({ policies: { SHARPE: { cacheTtlMs: 0, staleIfErrorMs: 1500 } } });
    const fresh = await query(harness, SHARPE_ACCOUNT);
    expect(fresh.data.account).toMatchObject({ stale: false, staleReason: null, ageSeconds: 0 });
    harness.sims.sharpe.setFault({ fault: { mode: 'status', status: 503 } });
    const stale = await query(
      harness,
      `{ account(provider: SHARPE) { fetchedAt stale staleReason { code httpStatus } quotas { used } }
         accounts { provider { id } error { code } account { stale fetchedAt } } }`,
    );
    expect(stale.errors).toBeUndefined();
    expect(stale.data.account).toMatchObject({
      fetchedAt: fresh.data.account.fetchedAt,
      stale: true,
      staleReason: { code: 'UPSTREAM_UNAVAILABLE', httpStatus: 503 },
      quotas: fresh.data.account.quotas,
    });
    const entry = stale.data.accounts.find((result: any) => result.provider.id === 'SHARPE');
    expect(entry).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' }, account: { stale: true, fetchedAt: fresh.data.account.fetchedAt } });
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const expired = await query(harness, SHARPE_ACCOUNT);
    expect(expired.data.account).toBeNull();
    expect(expired.errors[0].extensions.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('two credentials never share a cache entry, even on one shared upstream layer', async () => {
    const second = 'sk_live_second_tenant_8c2f4a';
    const harness = await open({ simulatorCredentials: { SHARPE: [CANARY, second] } });
    const other = createProviderRegistry(
      { SHARPE: { baseUrl: harness.sims.sharpe.baseUrl, credential: second, simulated: true } },
      harness.upstream,
    );
    const wrong = createProviderRegistry(
      { SHARPE: { baseUrl: harness.sims.sharpe.baseUrl, credential: 'sk_live_not_accepted_anywhere', simulated: true } },
      harness.upstream,
    );
    const logger = createLogger({ level: 'silent' });
    const ask = async (registry: typeof other) => {
      const { text } = await graphqlRequest(createGateway({ registry, logger }), { query: SHARPE_ACCOUNT });
      responses.push(text);
      return JSON.parse(text);
    };
    const mine = await query(harness, SHARPE_ACCOUNT);
    const theirs = await ask(other);
    const refused = await ask(wrong);
    expect(harness.sims.sharpe.hits()).toBe(3);
    const vendor = async (credential: string) =>
      (await (await fetch(`${harness.sims.sharpe.baseUrl}/v1/usage`, { headers: { authorization: `Bearer ${credential}` } })).json()).data
        .quota.used;
    expect(mine.data.account.quotas[0].used).toBe(await vendor(CANARY));
    expect(theirs.data.account.quotas[0].used).toBe(await vendor(second));
    expect(theirs.data.account.quotas[0].used).not.toBe(mine.data.account.quotas[0].used);
    expect(refused.data.account).toBeNull();
    expect(refused.errors[0].extensions.code).toBe('UPSTREAM_AUTH_FAILED');
    // Each credential's second query comes from its own cache entry.
    await query(harness, SHARPE_ACCOUNT);
    await ask(other);
    expect(harness.sims.sharpe.hits()).toBe(3 + 2);
  });

  it('caches Arrays pages that have more after them, never the stream head', async () => {
    const harness = await open({ simulators: { arrays: { entries: 1500, subs: 50 } } });
    const page = (after: string, first: number) =>
      `{ partnerUsage(first: ${first}, after: "${after}") { pageInfo { endCursor hasNextPage } windows { nextCursor stale ageSeconds } } }`;
    // One edge of the first vendor page (1000 entries): settled history.
    const first = await query(harness, page('0', 1));
    await query(harness, page('0', 1));
    expect(harness.sims.arrays.hits()).toBe(1);
    expect(first.data.partnerUsage.pageInfo.hasNextPage).toBe(true);
    const windowEnd = first.data.partnerUsage.windows[0].nextCursor;
    const head = await query(harness, page(windowEnd, 1000));
    expect(head.data.partnerUsage.pageInfo.hasNextPage).toBe(false);
    harness.sims.arrays.append(10);
    const grown = await query(harness, page(windowEnd, 1000));
    expect(harness.sims.arrays.hits()).toBe(3);
    expect(grown.data.partnerUsage.pageInfo.endCursor).not.toBe(head.data.partnerUsage.pageInfo.endCursor);
    expect(grown.data.partnerUsage.windows[0]).toMatchObject({ stale: false, ageSeconds: 0 });
  });
});

describe('every simulator fault mode reaches the client as a typed error', () => {
  it.each([
    [{ mode: 'latency', ms: 50 }, null],
    [{ mode: 'hang' }, 'UPSTREAM_TIMEOUT'],
    [{ mode: 'status', status: 500 }, 'UPSTREAM_UNAVAILABLE'],
    [{ mode: 'rate-limit', retryAfter: '60' }, 'UPSTREAM_RATE_LIMITED'],
    [{ mode: 'malformed-json' }, 'UPSTREAM_BAD_RESPONSE'],
    [{ mode: 'html' }, 'UPSTREAM_BAD_RESPONSE'],
    [{ mode: 'truncated' }, 'UPSTREAM_UNAVAILABLE'],
    [{ mode: 'reset' }, 'UPSTREAM_UNAVAILABLE'],
    [{ mode: 'drift' }, 'UPSTREAM_BAD_RESPONSE'],
  ] as const)('%j → %s', async (fault, code) => {
    const harness = await open({ policy: { timeoutMs: 500, retryBudgetRatio: 0 } });
    harness.sims.sharpe.setFault({ fault });
    const body = await query(harness, SHARPE_ACCOUNT);
    if (code === null) expect(body.data.account.quotas.length).toBeGreaterThan(0);
    else expect(body.errors[0].extensions).toMatchObject({ code, provider: 'SHARPE' });
    harness.sims.sharpe.setFault(null);
  });
});

describe('demo mode', () => {
  it('providers { health } shows breaker state and last error with a fault switched on through the admin route', async () => {
    const lines: string[] = [];
    const running = await startGateway(
      loadConfig({ GATEWAY_DEMO: '1', PORT: '0', UPSTREAM_BREAKER_MIN_CALLS: '5' }),
      { logger: createLogger({ level: 'debug', write: (line) => lines.push(line) }) },
    );
    logs.push(lines);
    const ask = async (text: string) => {
      const { text: raw } = await graphqlRequest(globalThis, { url: running.url, query: text });
      responses.push(raw);
      return JSON.parse(raw);
    };
    try {
      const before = await ask(`{ providers { id origin health { state lastSuccessAt } } }`);
      const sharpe = before.data.providers.find((provider: any) => provider.id === 'SHARPE');
      expect(sharpe.health).toEqual({ state: 'CLOSED', lastSuccessAt: null });
      // As a user would: the admin token from the demo log line.
      const demoLine = JSON.parse(lines.find((line) => line.includes('"message":"demo mode')) ?? '{}') as Record<string, string>;
      const admin = await fetch(`${sharpe.origin}/__sim/fault`, {
        method: 'PUT',
        headers: { [demoLine.simulatorAdminHeader!]: demoLine.simulatorAdminToken! },
        body: JSON.stringify({ fault: { mode: 'status', status: 503 } }),
      });
      expect(admin.status).toBe(204);
      for (let i = 0; i < 5; i += 1) await ask(`{ accounts { provider { id } error { code } } }`);
      const after = await ask(SHARPE_HEALTH);
      for (const provider of after.data.providers) {
        if (provider.id === 'SHARPE') {
          expect(provider.health).toMatchObject({ state: 'OPEN', lastError: { code: 'UPSTREAM_UNAVAILABLE', httpStatus: 503 }, lastSuccessAt: null });
        } else {
          expect(provider.health).toMatchObject({ state: 'CLOSED', lastError: null });
          expect(provider.health.lastSuccessAt).not.toBeNull();
        }
      }
    } finally {
      await running.close();
    }
  });
});

describe('the canary credential', () => {
  /** Every fault Sharpe can answer with, the echoes included, each while Sharpe echoes the canary or not. */
  const FAULTS: FaultMode[] = [
    { mode: 'latency', ms: 20 },
    { mode: 'hang' },
    { mode: 'status', status: 500 },
    { mode: 'malformed-json' },
    { mode: 'html' },
    { mode: 'truncated' },
    { mode: 'reset' },
    { mode: 'drift' },
    ...[401, 403, 429, 500, 503].flatMap((status) => (['start', 'middle', 'end'] as const).map((at): FaultMode => ({ mode: 'echo', status, at }))),
    // The first 40 characters of a body that is not JSON are quoted: the canary before, across and at that cut.
    ...[0, 1, 12, 25, 33, 36, 39, 40, 200].map((offset): FaultMode => ({ mode: 'echo-text', status: 200, offset })),
    { mode: 'echo-text', status: 502, offset: 20 },
    { mode: 'rate-limit', retryAfter: '60' },
  ];
  /** A 429 pauses every later call to Sharpe: the fault after it gets a fresh gateway. */
  const pauses = (fault: FaultMode) => fault.mode === 'rate-limit' || ('status' in fault && fault.status === 429);

  it('is echoed by Sharpe at the start, the middle, the end and across a cut, and no part of it reaches a response or a log line', async () => {
    const seen: string[] = [];
    const lines: string[][] = [];
    // Every answer must reach the adapter: nothing cached or served stale, no retries, no breaker.
    const fresh = async () => {
      const opened = await open({
        policies: { SHARPE: { timeoutMs: 500, cacheTtlMs: 0, staleIfErrorMs: 0, maxRetries: 0, breaker: { minimumCalls: 1e9 } } },
      });
      lines.push(opened.logs);
      return opened;
    };
    let harness = await fresh();
    const ask = async (text: string) => {
      const { body, text: raw } = await harness.query<any>(text);
      seen.push(raw);
      return body;
    };
    let echoed = 0;
    let previous: FaultMode | null = null;
    for (const fault of FAULTS) {
      if (previous !== null && pauses(previous)) harness = await fresh();
      previous = fault;
      harness.sims.sharpe.setFault({ fault });
      if (fault.mode === 'echo' || fault.mode === 'echo-text') {
        // Sharpe really sends the canary back, where the fault says.
        const direct = await (await fetch(`${harness.sims.sharpe.baseUrl}/v1/usage`, { headers: { authorization: `Bearer ${CANARY}` } })).text();
        if (fault.mode === 'echo-text') expect(direct.indexOf(CANARY)).toBe(fault.offset);
        else expect(direct).toContain(CANARY);
        echoed += 1;
      }
      const before = harness.sims.sharpe.hits();
      const body = await ask(SHARPE_ACCOUNT);
      // The answer came from Sharpe, not from a cache, a breaker or a budget.
      expect(harness.sims.sharpe.hits() - before, JSON.stringify(fault)).toBe(1);
      if (fault.mode !== 'latency') expect(body.errors?.[0]?.extensions?.provider, JSON.stringify(fault)).toBe('SHARPE');
      harness.sims.sharpe.setFault(null);
      // The health view quotes the last error too.
      await ask(SHARPE_HEALTH);
    }
    expect(echoed).toBe(FAULTS.filter((fault) => fault.mode.startsWith('echo')).length);
    expect(lines.flat().length).toBeGreaterThan(0);
    for (const text of [...seen, ...lines.flat()]) expectNoFragmentOf(text, CANARY);
    // The vendor's words did reach the client, the canary taken out of them.
    expect(seen.filter((text) => text.includes('[REDACTED]')).length).toBeGreaterThanOrEqual(echoed);
    responses.push(...seen);
  });
});

afterAll(() => {
  // A leak found after the last test still fails the file.
  expect(responses.join('\n')).not.toContain(CANARY);
});
