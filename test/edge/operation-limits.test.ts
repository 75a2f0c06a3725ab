import { describe, expect, it } from 'vitest';
import { DEFAULT_OPERATION_LIMITS, operationLimitPlugins } from '../../src/edge/operation-limits.js';
import { graphqlRequest } from '../support/graphql-request.js';
import { tinyYoga } from '../support/tiny-yoga.js';

/** GraphQL Armor's limits with their defaults: the bombs are refused before anything executes. */
describe('bombs are refused before anything executes', () => {
  const { yoga, resolverCalls } = tinyYoga(operationLimitPlugins(DEFAULT_OPERATION_LIMITS));

  const refuse = async (query: string, pattern: RegExp, code = 'GRAPHQL_VALIDATION_FAILED') => {
    const before = resolverCalls();
    // As the GraphQL-over-HTTP media type asks: a request error is a 4xx.
    const { status, body } = await graphqlRequest(yoga, { query, headers: { accept: 'application/graphql-response+json' } });
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.extensions?.code).toBe(code);
    expect(body.errors![0]!.message).toMatch(pattern);
    expect(status).toBe(400);
    expect(resolverCalls() - before).toBe(0);
  };

  it('answers an operation within every limit', async () => {
    const { status, body } = await graphqlRequest(yoga, { query: '{ accounts { id parent { name } } }' });
    expect(status).toBe(200);
    expect(body).toEqual({ data: { accounts: [{ id: '1', parent: { name: 'account 1.parent' } }, { id: '2', parent: { name: 'account 2.parent' } }] } });
    expect(resolverCalls()).toBe(4);
  });

  it('200,000 aliases (5 MB): stopped at the token limit while parsing, memory flat', async () => {
    const bomb = `{ ${Array.from({ length: 200_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    expect(bomb.length).toBeGreaterThan(3_000_000);
    global.gc?.();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 5; i += 1) await refuse(bomb, /Token limit of 8000 exceeded/, 'GRAPHQL_PARSE_FAILED');
    // Five 5 MB bodies parsed to their 8,000th token only: generous bound, far below what parsing them whole takes (about 1 GB).
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('aliases past MAX_ALIASES (61 aliased fields with arguments)', async () => {
    await refuse(`{ ${Array.from({ length: 61 }, (_, i) => `k${i}: account(id: "${i}") { id }`).join(' ')} }`, /aliases/i);
  });

  it('depth past MAX_DEPTH', async () => {
    const nested = (depth: number): string => (depth === 0 ? 'name' : `parent { ${nested(depth - 1)} }`);
    await refuse(`{ account(id: "1") { ${nested(15)} } }`, /depth/i);
    const introspection = (depth: number): string => (depth === 0 ? 'name' : `ofType { ${introspection(depth - 1)} }`);
    await refuse(`{ __type(name: "Account") { fields { type { ${introspection(15)} } } } }`, /depth/i);
  });

  it('directives past MAX_DIRECTIVES', async () => {
    await refuse(`{ __typename ${'@skip(if: false) '.repeat(60)} }`, /directive/i);
  });

  it('cost past MAX_COST', async () => {
    const cheap = tinyYoga(operationLimitPlugins({ ...DEFAULT_OPERATION_LIMITS, cost: 50 }));
    const query = `{ ${Array.from({ length: 10 }, (_, i) => `a${i}: account(id: "${i}") { id name parent { id name } }`).join(' ')} }`;
    const { body } = await graphqlRequest(cheap.yoga, { query });
    expect(body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors![0]!.message).toMatch(/cost/i);
    expect(cheap.resolverCalls()).toBe(0);
    // The same operation within the default cost runs.
    expect((await graphqlRequest(yoga, { query })).body.errors).toBeUndefined();
  });
});
