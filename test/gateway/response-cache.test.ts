import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.js';
import { createLogger } from '../../src/common/logger.js';
import { useResponseCache } from '../../src/edge/response-cache.js';
import { buildSchema } from '../../src/schema/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { graphqlRequest } from '../support/graphql-request.js';

const OVERVIEW = '{ accounts { provider { id } error { code } account { quotas { name used } fetchedAt } } }';
const TTL_MS = 1000;
const logger = createLogger({ level: 'silent' });

/**
 * The gateway's schema and context behind a yoga whose response cache reads a clock the test
 * moves, and which counts executions: a reused answer executes nothing.
 */
describe('response cache', () => {
  let harness: Harness;
  let now: number;
  let executions: number;
  let yoga: { fetch(url: string, init: RequestInit): Promise<Response> | Response };
  const ask = async (query: string, variables?: Record<string, unknown>) => {
    const { text } = await graphqlRequest(yoga, { query, ...(variables === undefined ? {} : { variables }) });
    return { text, executions };
  };

  beforeAll(async () => {
    // Vendor answers are not cached upstream, so a vendor fault shows in the very next execution.
    harness = await startHarness({ policy: { cacheTtlMs: 0 } });
    yoga = createYoga({
      schema: buildSchema(),
      logging: false,
      context: () => {
        executions += 1;
        return createContext(harness.registry, logger);
      },
      plugins: [useResponseCache({ ttlMs: TTL_MS, now: () => now })],
    });
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(() => {
    now = Date.now();
    executions = 0;
    for (const sim of [harness.sims.arrays, harness.sims.anylayer, harness.sims.sharpe, harness.sims.faraday]) sim.setFault(null);
  });

  it('answers an identical overview from the cache until the TTL is over, then executes again', async () => {
    now += 10 * TTL_MS;
    const first = await ask(OVERVIEW);
    expect(JSON.parse(first.text).errors).toBeUndefined();
    now += TTL_MS - 1;
    const second = await ask(OVERVIEW);
    expect(second.text).toBe(first.text);
    expect(second.executions).toBe(1);
    now += 1;
    expect((await ask(OVERVIEW)).executions).toBe(2);
  });

  it('keys on the query and the variables', async () => {
    now += 10 * TTL_MS;
    const query = 'query ($id: ProviderId!) { account(provider: $id) { quotas { used } } }';
    await ask(query, { id: 'SHARPE' });
    const other = await ask(query, { id: 'FARADAY' });
    expect(other.executions).toBe(2);
    expect((await ask(query, { id: 'SHARPE' })).executions).toBe(2);
  });

  it.each([
    ['ageSeconds, which moves with the clock', '{ account(provider: SHARPE) { ageSeconds } }'],
    ['provider health, which moves with every call', '{ providers { id health { state } } }'],
    ['partnerUsage, whose stream head is read afresh', '{ partnerUsage(first: 1) { pageInfo { endCursor } } }'],
    ['an aliased error field, which the failure check could not see', '{ accounts { provider { id } problem: error { code } } }'],
  ])('never reuses an answer selecting %s', async (_what, query) => {
    now += 10 * TTL_MS;
    const first = JSON.parse((await ask(query)).text);
    expect(first.errors).toBeUndefined();
    expect((await ask(query)).executions).toBe(2);
  });

  it('never keeps an answer with errors, and answers fresh once the vendor is back', async () => {
    now += 10 * TTL_MS;
    harness.sims.sharpe.setFault({ fault: { mode: 'status', status: 401 } });
    const failed = JSON.parse((await ask('{ account(provider: SHARPE) { quotas { used } } }')).text);
    expect(failed.errors).toHaveLength(1);
    harness.sims.sharpe.setFault(null);
    const fresh = JSON.parse((await ask('{ account(provider: SHARPE) { quotas { used } } }')).text);
    expect(fresh.errors).toBeUndefined();
    expect(executions).toBe(2);
  });

  it('never keeps a partial overview: a vendor error entry in the data', async () => {
    now += 10 * TTL_MS;
    harness.sims.faraday.setFault({ fault: { mode: 'status', status: 401 } });
    const partial = JSON.parse((await ask('{ accounts { provider { id } error { code } } }')).text);
    expect(partial.data.accounts.find((entry: any) => entry.provider.id === 'FARADAY').error.code).toBe('UPSTREAM_AUTH_FAILED');
    expect((await ask('{ accounts { provider { id } error { code } } }')).executions).toBe(2);
  });

  it('is off with a TTL of 0', async () => {
    const off = createYoga({
      schema: buildSchema(),
      logging: false,
      context: () => {
        executions += 1;
        return createContext(harness.registry, logger);
      },
      plugins: [useResponseCache({ ttlMs: 0, now: () => now })],
    });
    for (let i = 0; i < 2; i += 1) {
      await off.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: OVERVIEW }) });
    }
    expect(executions).toBe(2);
  });
});

describe('response cache in the gateway', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ responseCacheTtlMs: 60_000 });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('neither serves nor keeps answers for inline-trace requests', async () => {
    const plain = await harness.query<any>(OVERVIEW);
    expect(plain.body.extensions?.ftv1).toBeUndefined();
    const traced = await harness.query<any>(OVERVIEW, undefined, { 'apollo-federation-include-trace': 'ftv1' });
    expect(traced.body.data).toEqual(plain.body.data);
    expect(typeof traced.body.extensions?.ftv1).toBe('string');
    const again = await harness.query<any>(OVERVIEW);
    expect(again.body.extensions?.ftv1).toBeUndefined();
  });
});
