import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPERATION_LIMITS } from '../../src/edge/operation-limits.js';
import { createGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/common/logger.js';
import { GRAPHIQL_DEFAULT_QUERY } from '../../src/schema/graphiql-query.js';
import { buildSchema } from '../../src/schema/index.js';
import { documentationGraphqlBlocks } from '../frontend/readme-blocks.js';
import { startHarness, type Harness } from '../support/harness.js';
import { selectEverything } from '../support/select-everything.js';

/**
 * GraphQL Armor's limits with their defaults: everything a person or a frontend asks passes,
 * the bombs are refused before anything executes, at no vendor call.
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

describe('bombs are refused before anything executes, at no vendor call', () => {
  const refuse = async (query: string, pattern: RegExp, code = 'GRAPHQL_VALIDATION_FAILED') => {
    const before = vendorCalls();
    // As the GraphQL-over-HTTP media type asks: a request error is a 4xx.
    const { status, body } = await harness.query(query, undefined, { accept: 'application/graphql-response+json' });
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.extensions?.code).toBe(code);
    expect(body.errors![0]!.message).toMatch(pattern);
    expect(status).toBe(400);
    expect(vendorCalls() - before).toBe(0);
  };

  it('200,000 aliases (5 MB): stopped at the token limit while parsing, memory flat', async () => {
    const bomb = `{ ${Array.from({ length: 200_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    expect(bomb.length).toBeGreaterThan(3_000_000);
    global.gc?.();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 5; i += 1) await refuse(bomb, /Token limit of 8000 exceeded/, 'GRAPHQL_PARSE_FAILED');
    // Five 5 MB bodies parsed to their 8,000th token only: generous bound, far below what parsing them whole takes (about 1 GB).
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('aliases past MAX_ALIASES (61 aliased apiKeyUsage inputs)', async () => {
    const bomb = `{ ${Array.from({ length: 61 }, (_, i) => `k${i}: apiKeyUsage(input: { limit: ${i + 1} }) { totals { requests } }`).join(' ')} }`;
    await refuse(bomb, /aliases/i);
  });

  it('depth past MAX_DEPTH', async () => {
    const nested = (depth: number): string => (depth === 0 ? 'name' : `ofType { ${nested(depth - 1)} }`);
    await refuse(`{ __type(name: "Account") { fields { type { ${nested(15)} } } } }`, /depth/i);
  });

  it('directives past MAX_DIRECTIVES', async () => {
    await refuse(`{ __typename ${'@skip(if: false) '.repeat(60)} }`, /directive/i);
  });

  it('cost past MAX_COST', async () => {
    const yoga = createGateway({ registry: harness.registry, logger: createLogger({ level: 'silent' }), edge: { operationLimits: { ...DEFAULT_OPERATION_LIMITS, cost: 50 } } });
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: GRAPHIQL_DEFAULT_QUERY }),
    });
    const body = (await response.json()) as any;
    expect(body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors[0].message).toMatch(/cost/i);
  });
});
