import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuthenticator, type Authenticator } from '../../src/edge/identity/authenticator.js';
import { DEFAULT_OPERATION_LIMITS } from '../../src/edge/operation-limits.js';
import { createLogger } from '../../src/common/logger.js';
import { GRAPHIQL_DEFAULT_QUERY } from '../../src/schema/graphiql-query.js';
import { PARTNER_USAGE_MAX_VENDOR_CALLS } from '../../src/schema/partner-usage.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * Demand control end to end through `yoga.fetch`: estimates before execution, refusals that cost no
 * vendor call, `extensions.cost` on every answer, and each caller's share of a vendor's budget;
 * every vendor call counted on the simulators.
 */

const cost = (estimated: number, actual: number) => ({ vendorCalls: { estimated, actual } });

describe('the vendor-call estimate and the refusal', () => {
  let harness: Harness;
  const vendorCalls = () => harness.vendorCalls();

  beforeAll(async () => {
    // More aliases than GraphQL Armor's default admits, so that demand control is what refuses.
    harness = await startHarness({
      simulators: { arrays: { entries: 60_000 } },
      edge: { operationLimits: { ...DEFAULT_OPERATION_LIMITS, aliases: 100 } },
    });
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(() => {
    for (const sim of [harness.sims.arrays, harness.sims.anylayer, harness.sims.sharpe, harness.sims.faraday]) sim.resetHits();
  });

  it('refuses 61 aliased apiKeyUsage inputs with one error, its estimate and the limit, and no vendor call', async () => {
    const aliases = Array.from({ length: 61 }, (_, i) => `a${i}: apiKeyUsage(input: { limit: ${i + 1} }) { totals { requests } }`);
    const { status, body } = await harness.query(`{ ${aliases.join('\n')} }`);
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.extensions).toEqual({ code: 'OPERATION_TOO_EXPENSIVE', estimatedVendorCalls: 61, maxVendorCallsPerOperation: 10 });
    expect(body.errors![0]!.message).toMatch(/61 vendor calls.*at most 10/);
    expect(body.extensions).toEqual({ cost: cost(61, 0) });
    expect(harness.sims.anylayer.hits()).toBe(0);
    expect(vendorCalls()).toBe(0);
  });

  it('prices partnerUsage at its vendor-call bound, and makes that many calls when the edges need them', async () => {
    // 500 entries hold about 400 users: 5000 edges would take more pages than the field may read.
    const big = 'partnerUsage(first: 5000, entriesPerVendorCall: 500)';
    const five = await harness.query<any>(`{ ${big} { pageInfo { hasNextPage } windows { users } } }`);
    expect(five.body.errors).toBeUndefined();
    expect(five.body.data.partnerUsage.windows).toHaveLength(PARTNER_USAGE_MAX_VENDOR_CALLS);
    expect(five.body.data.partnerUsage.pageInfo.hasNextPage).toBe(true);
    expect(five.body.extensions).toEqual({ cost: cost(5, 5) });
    expect(harness.sims.arrays.hits()).toBe(5);
    // One call more than the limit: refused whole.
    const eleven = await harness.query(`{ a: ${big} { pageInfo { hasNextPage } } b: partnerUsage(first: 5000, entriesPerVendorCall: 400) { pageInfo { hasNextPage } } apiKeyUsage { totals { requests } } }`);
    expect(eleven.body.errors![0]!.extensions).toMatchObject({ code: 'OPERATION_TOO_EXPENSIVE', estimatedVendorCalls: 11 });
    expect(vendorCalls()).toBe(5);
    // Chains from one start with one page size share their reads, whatever first: 5. All five pages
    // are cached by now (settled history).
    const chains = await harness.query(`{ a: ${big} { pageInfo { endCursor } } b: partnerUsage(first: 3000, entriesPerVendorCall: 500) { pageInfo { endCursor } } }`);
    expect(chains.body.errors).toBeUndefined();
    expect(chains.body.extensions).toEqual({ cost: cost(5, 0) });
  });

  it('counts identical aliases once, as the loaders call them once', async () => {
    const same = Array.from({ length: 61 }, (_, i) => `a${i}: apiKeyUsage(input: { limit: 5 }) { totals { requests } }`);
    const { body } = await harness.query(`{ ${same.join('\n')} }`);
    expect(body.errors).toBeUndefined();
    expect(body.extensions).toEqual({ cost: cost(1, 1) });
    expect(harness.sims.anylayer.hits()).toBe(1);
    // Omitted fields are the vendor's defaults, so these are all Anylayer's account call.
    const defaults = await harness.query(`{
      a: apiKeyUsage { totals { requests } }
      b: apiKeyUsage(input: {}) { totals { requests } }
      c: apiKeyUsage(input: { timeframe: LAST_24_HOURS, limit: 100, offset: 0 }) { totals { requests } }
      d: account(provider: ANYLAYER) { fetchedAt }
      e: account(provider: ARRAYS) { fetchedAt }
      f: partnerUsage(first: 100, entriesPerVendorCall: 1000) { pageInfo { endCursor } }
      g: partnerUsage { pageInfo { endCursor } }
    }`);
    expect(defaults.body.errors).toBeUndefined();
    // Anylayer's one, and partnerUsage's bound (5), its first page the Arrays account's.
    expect(defaults.body.extensions).toEqual({ cost: cost(1 + PARTNER_USAGE_MAX_VENDOR_CALLS, 2) });
    expect(harness.sims.anylayer.hits()).toBe(2);
    expect(harness.sims.arrays.hits()).toBe(1);
  });

  it('counts through variables, named and inline fragments, and as if every @skip/@include were included', async () => {
    const query = /* GraphQL */ `
      query Priced($a: Int!, $b: Int!, $input: ApiKeyUsageInput, $skip: Boolean!) {
        ...Outer
        ... on Query { y: apiKeyUsage(input: { limit: $b }) { totals { requests } } }
        z: apiKeyUsage(input: $input) @skip(if: $skip) { totals { requests } }
        accounts @include(if: false) { provider { id } }
      }
      fragment Outer on Query { x: apiKeyUsage(input: { limit: $a }) { totals { requests } } ...Inner ...Inner }
      fragment Inner on Query { w: apiKeyUsage(input: { limit: $a }) { pagination { total } } }
    `;
    // $a twice, $b, $input, and accounts' five: eight distinct calls, allowed; none skipped ones sent.
    const allowed = await harness.query(query, { a: 1, b: 2, input: { limit: 3 }, skip: true });
    expect(allowed.body.errors).toBeUndefined();
    expect(allowed.body.extensions).toEqual({ cost: cost(8, 2) });
    expect(vendorCalls()).toBe(2);
    // The same document with other variables prices other calls.
    const same = await harness.query(query, { a: 1, b: 1, input: { limit: 1 }, skip: false });
    expect(same.body.extensions).toEqual({ cost: cost(6, 0) });
    // partnerUsage(first: 4): four calls at most, its first the Arrays account's: three more.
    const wider = `${query.replace('accounts @include(if: false)', 'partnerUsage(first: 4) @include(if: false) { pageInfo { endCursor } } accounts @include(if: false)')}`;
    const refused = await harness.query(wider, { a: 4, b: 5, input: { limit: 6 }, skip: true });
    expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'OPERATION_TOO_EXPENSIVE', estimatedVendorCalls: 11 });
    expect(vendorCalls()).toBe(2);
  });

  it('estimates a cold and a warm overview alike; the warm one sends nothing', async () => {
    const cold = await startHarness();
    try {
      const first = await cold.query(GRAPHIQL_DEFAULT_QUERY);
      expect(first.body.errors).toBeUndefined();
      // accounts: one call per vendor, Faraday's two; apiKeyUsage its own one; partnerUsage(first: 3)
      // reads the Arrays account's page, and is priced at the three calls it could make.
      const calls = cold.sims.arrays.hits() + cold.sims.anylayer.hits() + cold.sims.sharpe.hits() + cold.sims.faraday.hits();
      expect(calls).toBe(6);
      expect(first.body.extensions).toEqual({ cost: cost(8, 6) });
      const second = await cold.query(GRAPHIQL_DEFAULT_QUERY);
      expect(second.body.extensions).toEqual({ cost: cost(8, 0) });
      expect(cold.sims.arrays.hits() + cold.sims.anylayer.hits() + cold.sims.sharpe.hits() + cold.sims.faraday.hits()).toBe(calls);
    } finally {
      await cold.close();
    }
  });

  it('puts extensions.cost on every answer, errors included', async () => {
    const answers = await Promise.all([
      harness.query('{ accounts { provider { id } '),
      harness.query('{ noSuchField }'),
      harness.query('query ($n: Int!) { apiKeyUsage(input: { limit: $n }) { keyId } }', { n: 'many' }),
      harness.query('{ apiKeyUsage(input: { limit: 0 }) { keyId } }'),
      harness.query('{ __typename }'),
    ]);
    for (const { body } of answers) expect(body.extensions).toEqual({ cost: cost(0, 0) });
    expect(answers[3]!.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(vendorCalls()).toBe(0);
  });
});

describe('beside the operation limits', () => {
  it('leaves the 61-alias bomb to MAX_ALIASES, and refuses 20 distinct inputs, both without a vendor call', async () => {
    const harness = await startHarness();
    try {
      const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: apiKeyUsage(input: { limit: ${i + 1} }) { keyId }`).join('\n');
      const bomb = await harness.query(`{ ${aliases(61)} }`);
      expect(bomb.body.errors![0]!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED' });
      expect(bomb.body.extensions).toEqual({ cost: cost(0, 0) });
      const twenty = await harness.query(`{ ${aliases(20)} }`);
      expect(twenty.body.errors).toHaveLength(1);
      expect(twenty.body.errors![0]!.extensions).toEqual({ code: 'OPERATION_TOO_EXPENSIVE', estimatedVendorCalls: 20, maxVendorCallsPerOperation: 10 });
      expect(twenty.body.extensions).toEqual({ cost: cost(20, 0) });
      expect(harness.sims.anylayer.hits()).toBe(0);
    } finally {
      await harness.close();
    }
  });
});

describe('what actually left for a vendor', () => {
  it('counts each attempt, retries included', async () => {
    const harness = await startHarness({ policy: { retryBudgetRatio: 1, retryBaseDelayMs: 1, cacheTtlMs: 0, staleIfErrorMs: 0 } });
    try {
      harness.sims.sharpe.setFault({ fault: { mode: 'status', status: 503 }, count: 1 });
      const { body } = await harness.query<any>('{ account(provider: SHARPE) { fetchedAt } }');
      expect(body.errors).toBeUndefined();
      expect(harness.sims.sharpe.hits()).toBe(2);
      expect(body.extensions).toEqual({ cost: cost(1, 2) });
      harness.sims.sharpe.setFault({ fault: { mode: 'status', status: 500 }, count: 1 });
      const failed = await harness.query<any>('{ account(provider: SHARPE) { fetchedAt } }');
      expect(failed.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
      expect(failed.body.extensions).toEqual({ cost: cost(1, 1) });
    } finally {
      await harness.close();
    }
  });

  it("counts an in-flight call to the request that sent it, and 0 to the one that joined it", async () => {
    const harness = await startHarness();
    try {
      harness.sims.sharpe.setFault({ fault: { mode: 'latency', ms: 200 } });
      const bodies = await Promise.all([1, 2].map(() => harness.query('{ account(provider: SHARPE) { fetchedAt } }')));
      expect(harness.sims.sharpe.hits()).toBe(1);
      expect(bodies.map(({ body }) => (body.extensions as any).cost.vendorCalls.actual).sort()).toEqual([0, 1]);
    } finally {
      await harness.close();
    }
  });

  it("never counts the ledger follower's background calls to a request, even while they run beside it", async () => {
    const harness = await startHarness({ services: true, serviceSettings: { ARRAYS_POLL_INTERVAL_MS: 100 } });
    try {
      harness.sims.sharpe.setFault({ fault: { mode: 'hang' } });
      const pending = harness.query('{ account(provider: SHARPE) { fetchedAt } partnerLedger { users } }');
      const polled = harness.sims.arrays.hits();
      while (harness.sims.sharpe.hits() === 0 || harness.sims.arrays.hits() < polled + 2) await new Promise((resolve) => setTimeout(resolve, 20));
      harness.sims.sharpe.setFault(null);
      const { body } = await pending;
      expect(body.errors).toBeUndefined();
      expect(body.extensions).toEqual({ cost: cost(1, 1) });
    } finally {
      await harness.close();
    }
  });
});

describe("each caller's share of a vendor's budget", () => {
  const KEYS = { a: 'ugw_caller_a_2f9c41d0e7b8', b: 'ugw_caller_b_8e1a07c3d5f6' };
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  let dir: string;
  let authenticator: Authenticator;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'caller-share-'));
    const apiKeysFile = join(dir, 'api-keys.json');
    await writeFile(
      apiKeysFile,
      JSON.stringify(Object.entries(KEYS).map(([name, key]) => ({ name, sha256: sha256(key), scopes: ['usage:read'] }))),
    );
    authenticator = await createAuthenticator({ apiKeysFile, logger: createLogger({ level: 'silent' }) });
  });
  afterAll(async () => {
    await authenticator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps half of a vendor minute from any one caller: past it UPSTREAM_RATE_LIMITED, while another caller still gets through', async () => {
    const harness = await startHarness({
      authenticator,
      policies: { SHARPE: { rateLimitPerMinute: 4, callerShareRatio: 0.5, cacheTtlMs: 0, staleIfErrorMs: 0, timeoutMs: 500 } },
    });
    try {
      const ask = (caller: keyof typeof KEYS) => harness.query<any>('{ account(provider: SHARPE) { fetchedAt } }', undefined, { 'x-api-key': KEYS[caller] });
      expect((await ask('a')).body.errors).toBeUndefined();
      expect((await ask('a')).body.errors).toBeUndefined();
      const past = await ask('a');
      expect(past.body.errors![0]!.extensions!).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', provider: 'SHARPE' });
      expect(past.body.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(50);
      expect(past.body.extensions).toEqual({ cost: cost(1, 0) });
      expect(harness.sims.sharpe.hits()).toBe(2);
      const other = await ask('b');
      expect(other.body.errors).toBeUndefined();
      expect(harness.sims.sharpe.hits()).toBe(3);
    } finally {
      await harness.close();
    }
  });

  it('serves a caller past its share the cached answer, marked stale, as the budget does', async () => {
    const harness = await startHarness({
      authenticator,
      policies: { SHARPE: { rateLimitPerMinute: 4, callerShareRatio: 0.5, cacheTtlMs: 0, timeoutMs: 500 } },
    });
    try {
      const ask = () => harness.query<any>('{ account(provider: SHARPE) { stale staleReason { code } } }', undefined, { 'x-api-key': KEYS.a });
      await ask();
      await ask();
      const third = await ask();
      expect(third.body.data.account).toEqual({ stale: true, staleReason: { code: 'UPSTREAM_RATE_LIMITED' } });
      expect(harness.sims.sharpe.hits()).toBe(2);
    } finally {
      await harness.close();
    }
  });
});
