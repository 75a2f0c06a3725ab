import { envelop, useEngine, useSchema } from '@envelop/core';
import { execute, parse, subscribe, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runsCompiled, useCompiledExecution } from '../../src/execution/compiled-execution.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { executeOperation } from '../../src/execution/incremental-delivery.js';
import { createLogger } from '../../src/common/logger.js';
import { buildSchema } from '../../src/schema/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { graphqlRequest } from '../support/graphql-request.js';

/**
 * graphql-jit (`GRAPHQL_JIT`): which operations it runs, and that its answers are graphql-js's,
 * key order included. The rest of the suite runs with it on, as `createGateway`'s default.
 */

const ENTITIES_NONE = '{ _entities(representations: []) { __typename } }';

const schema = buildSchema();

/** Runs `query` through the engine as the gateway sets it up; graphql-jit marks its results with their own `stringify`. */
async function runWith(jit: boolean, query: string) {
  const getEnveloped = envelop({
    plugins: [useSchema(schema), useEngine({ execute: executeOperation, subscribe, parse, validate }), ...(jit ? [useCompiledExecution()] : [])],
  });
  const { execute: run, contextFactory } = getEnveloped();
  return run({ schema, document: parse(query), contextValue: await contextFactory() });
}

describe('runsCompiled', () => {
  it('picks operations with partnerUsage or _entities at the root, through fragments too', () => {
    expect(runsCompiled(parse('{ partnerUsage(first: 5) { pageInfo { hasNextPage } } }'))).toBe(true);
    expect(runsCompiled(parse(ENTITIES_NONE))).toBe(true);
    expect(runsCompiled(parse('{ ... on Query { ...Page } } fragment Page on Query { partnerUsage { pageInfo { hasNextPage } } }'))).toBe(true);
    expect(runsCompiled(parse('{ accounts { provider { id } } }'))).toBe(false);
    expect(runsCompiled(parse('{ providers { id } me { partnerUsage { pageInfo { hasNextPage } } } }'))).toBe(false);
  });

  it('picks the named operation only, and never one with @defer or @stream', () => {
    const document = parse('query Page { partnerUsage { pageInfo { hasNextPage } } } query Providers { providers { id } }');
    expect(runsCompiled(document, 'Page')).toBe(true);
    expect(runsCompiled(document, 'Providers')).toBe(false);
    expect(runsCompiled(parse('{ partnerUsage { edges @stream { cursor } } }'))).toBe(false);
    expect(runsCompiled(parse('{ partnerUsage { ... @defer { pageInfo { hasNextPage } } } }'))).toBe(false);
  });
});

describe('useCompiledExecution', () => {
  it('runs a picked operation compiled, and leaves the others to graphql-js', async () => {
    const compiled = (await runWith(true, ENTITIES_NONE)) as { data: unknown; stringify?: unknown };
    expect(compiled.data).toEqual({ _entities: [] });
    expect(typeof compiled.stringify).toBe('function');
    const interpreted = (await runWith(false, ENTITIES_NONE)) as { data: unknown; stringify?: unknown };
    expect(interpreted).toEqual({ data: { _entities: [] } });
    const other = (await runWith(true, '{ __typename }')) as { data: unknown; stringify?: unknown };
    expect(other).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('a gateway with graphql-jit on and off', () => {
  let harness: Harness;
  let interpreted: Gateway;
  const logs: string[] = [];
  beforeAll(async () => {
    harness = await startHarness();
    interpreted = createGateway({ registry: harness.registry, logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }), jit: false });
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
  });

  const ask = async (yoga: Gateway, query: string, variables?: Record<string, unknown>) => {
    const response = await graphqlRequest(yoga, { query, ...(variables === undefined ? {} : { variables }), headers: { accept: 'application/json' } });
    // Fetch times and `extensions.cost` (the second gateway shares the first's upstream cache) left out; key order kept.
    const { data, errors } = JSON.parse(response.text, (key, value: unknown) => (key === 'fetchedAt' ? '…' : value)) as { data?: unknown; errors?: { message: string; locations?: unknown }[] };
    return { status: response.status, text: JSON.stringify({ data, errors }), errors };
  };

  it('answers the same bytes, keys in the order asked, vendor errors and variables included', async () => {
    const query = `query ($first: Int) {
      accounts { error { code httpStatus } provider { simulated id } account { quotas { used name limit } fetchedAt } }
      partnerUsage(first: $first) { pageInfo { hasNextPage endCursor } edges { node { tweets sub calls byEndpoint { calls endpoint } } } }
    }`;
    expect(runsCompiled(parse(query))).toBe(true);
    harness.sims.sharpe.setFault({ fault: { mode: 'status', status: 404 } });
    try {
      const [jit, plain] = [await ask(harness.yoga, query, { first: 3 }), await ask(interpreted, query, { first: 3 })];
      expect(jit.status).toBe(200);
      expect(jit.text).toContain('"code":"UPSTREAM_NOT_FOUND"');
      expect(jit.text.indexOf('"error"')).toBeLessThan(jit.text.indexOf('"provider"'));
      expect(jit.text).toBe(plain.text);
    } finally {
      harness.sims.sharpe.setFault(null);
    }
  });

  it("masks a vendor's failure under partnerUsage as graphql-js does, extensions.code and provider included, but without locations", async () => {
    // Vendor-call arguments no other test asks for, so that no cached page answers instead.
    const query = '{ partnerUsage(first: 2, entriesPerVendorCall: 77) { edges { node { sub } } } }';
    harness.sims.arrays.setFault({ fault: { mode: 'status', status: 404 } });
    try {
      const [jit, plain] = [await ask(harness.yoga, query), await ask(interpreted, query)];
      expect(jit.errors).toHaveLength(1);
      expect(jit.errors![0]).toMatchObject({ path: ['partnerUsage'], extensions: { code: 'UPSTREAM_NOT_FOUND', provider: 'ARRAYS', httpStatus: 404 } });
      // graphql-jit does not locate the errors resolvers throw (graphql-js adds `locations`); each call has its own vendor request id.
      expect(jit.errors![0]!.locations).toBeUndefined();
      expect(plain.errors![0]!.locations).toEqual([{ line: 1, column: 3 }]);
      const comparable = (text: string) => text.replace(/"locations":\[[^\]]*\],/g, '').replace(/"upstreamRequestId":"[^"]+"/g, '');
      expect(comparable(jit.text)).toBe(comparable(plain.text));
    } finally {
      harness.sims.arrays.setFault(null);
    }
  });

  it('answers a compiled operation with an inline trace of its fields when a router asks for one', async () => {
    const response = await harness.yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'apollo-federation-include-trace': 'ftv1' },
      body: JSON.stringify({ query: '{ partnerUsage(first: 2) { edges { node { sub calls } } } }' }),
    });
    const body = (await response.json()) as { data: { partnerUsage: { edges: unknown[] } }; extensions?: { ftv1?: string } };
    expect(body.data.partnerUsage.edges).toHaveLength(2);
    const trace = Buffer.from(body.extensions?.ftv1 ?? '', 'base64');
    // The trace is protobuf; its nodes carry their response names as plain bytes.
    for (const field of ['partnerUsage', 'edges', 'node', 'sub', 'calls']) expect(trace.includes(field)).toBe(true);
  });

  // graphql-jit coerces variables with its own code: its message adds "Expected type Int;" and the error has no `locations`.
  it('refuses a variable of the wrong type before anything runs, as graphql-js does, in its own words', async () => {
    const query = 'query ($first: Int) { partnerUsage(first: $first) { edges { node { sub } } } }';
    expect(runsCompiled(parse(query))).toBe(true);
    const [jit, plain] = [await ask(harness.yoga, query, { first: 'three' }), await ask(interpreted, query, { first: 'three' })];
    expect(jit.status).toBe(plain.status);
    expect(jit.errors).toHaveLength(1);
    expect(jit.errors![0]!.message).toBe('Variable "$first" got invalid value "three"; Expected type Int; Int cannot represent non-integer value: "three"');
    expect(plain.errors![0]!.message).toBe('Variable "$first" got invalid value "three"; Int cannot represent non-integer value: "three"');
    expect(plain.errors![0]!.locations).toEqual([{ line: 1, column: 8 }]);
    expect(jit.errors![0]!.locations).toBeUndefined();
  });
});
