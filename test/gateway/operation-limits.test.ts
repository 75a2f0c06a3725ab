import { documentationGraphqlBlocks } from '../frontend/readme-blocks.js';
import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_DEFAULT_QUERY } from '../../src/schema/graphiql-query.js';
import { buildSchema } from '../../src/schema/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { selectEverything } from '../support/select-everything.js';

/**
 * GraphQL Armor's limits with their defaults on the whole gateway: everything a person or a
 * frontend asks passes, and a refused operation makes no vendor call. The limits themselves are
 * tested on their own in test/edge/operation-limits.test.ts.
 */
let harness: Harness;
const vendorCalls = () => harness.vendorCalls();

/** Errors that GraphQL Armor or the parser raised (what the limits refuse). */
function limitErrors(body: { errors?: { message: string; extensions?: Record<string, unknown> }[] }) {
  return (body.errors ?? []).filter((error) => ['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED'].includes(String(error.extensions?.code)));
}

beforeAll(async () => {
  harness = await startHarness({ services: true, serviceSettings: { ARRAYS_POLL_INTERVAL_MS: 86_400_000 } });
});
afterAll(async () => {
  await harness.close();
});

describe('the default limits admit what people and frontends ask', () => {
  it('GraphiQL\'s default query', async () => {
    const { body } = await harness.query(GRAPHIQL_DEFAULT_QUERY);
    expect(body.errors).toBeUndefined();
  });

  it('every query of the README and the docs/ pages that is written against this schema', async () => {
    const schema = buildSchema();
    const blocks = documentationGraphqlBlocks().map((block) => block.source);
    const ours = blocks.filter((block) => {
      try {
        return validate(schema, parse(block)).length === 0;
      } catch {
        return false;
      }
    });
    expect(ours.length).toBeGreaterThanOrEqual(5);
    for (const query of ours) {
      const { body } = await harness.query(query);
      expect(limitErrors(body), query).toEqual([]);
    }
  });

  it('a query that selects every field of the schema once', async () => {
    const [sub] = (await harness.query<any>('{ partnerUsers(first: 1) { edges { node { sub } } } }')).body.data.partnerUsers.edges.map((edge: any) => edge.node.sub);
    const query = selectEverything(buildSchema(), { provider: 'SHARPE', sub: JSON.stringify(sub) });
    expect(query.split('\n').length).toBeGreaterThan(200);
    const { body } = await harness.query(query);
    expect(limitErrors(body)).toEqual([]);
    expect(body.data).toBeTruthy();
  });
});

describe('a refused operation costs no vendor call', () => {
  it('61 aliased apiKeyUsage inputs (each a vendor call) are refused at validation', async () => {
    const before = vendorCalls();
    const bomb = `{ ${Array.from({ length: 61 }, (_, i) => `k${i}: apiKeyUsage(input: { limit: ${i + 1} }) { totals { requests } }`).join(' ')} }`;
    const { status, body } = await harness.query(bomb, undefined, { accept: 'application/graphql-response+json' });
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors![0]!.message).toMatch(/aliases/i);
    expect(status).toBe(400);
    expect(vendorCalls() - before).toBe(0);
  });
});
