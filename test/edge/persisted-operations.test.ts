import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersistedOperationsOptions } from '../../src/edge/persisted-operations.js';
import { createGateway, type EdgeOptions, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/common/logger.js';
import { startHarness, type Harness } from '../support/harness.js';
import { graphqlRequest } from '../support/graphql-request.js';

/**
 * Persisted operations through `yoga.fetch`: APQ by Apollo's protocol over POST and GET, manifest
 * ids in `allow` and `only` mode, and the edge's other rules (CSRF, limits, demand control, the
 * response cache, the access log) still holding for documents named by id.
 */

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const PROVIDERS = 'query Providers { providers { id simulated } }';
const SHARPE = 'query SharpeFetched { account(provider: SHARPE) { fetchedAt } }';
const MANIFEST_QUERY = 'query ManifestProviders { providers { id } }';
const APQ_HEADERS = { 'content-type': 'application/json' };

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

const logger = createLogger({ level: 'silent' });

/** A gateway over the harness's vendors with these persisted-operation rules. */
function gateway(persistedOperations: PersistedOperationsOptions = {}, more: { edge?: EdgeOptions; introspection?: boolean; maxVendorCallsPerOperation?: number; responseCacheTtlMs?: number; logs?: string[] } = {}): Gateway {
  const { edge, logs, ...rest } = more;
  return createGateway({
    registry: harness.registry,
    logger: logs === undefined ? logger : createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    ...rest,
    edge: { ...edge, persistedOperations },
  });
}

const manifestOf = (...documents: string[]) => ({ current: new Map(documents.map((document) => [sha256(document), document])) });

type Answer = { status: number; body: any };

async function post(yoga: Gateway, body: Record<string, unknown>, headers: Record<string, string> = APQ_HEADERS): Promise<Answer> {
  const { status, body: answer } = await graphqlRequest(yoga, { otherFields: body, headers });
  return { status, body: answer };
}

/** A GET as Apollo's HttpLink sends it (its `content-type: application/json` makes browsers preflight it). */
async function get(yoga: Gateway, fields: Record<string, unknown>, headers: Record<string, string> = APQ_HEADERS): Promise<Answer> {
  const { status, body } = await graphqlRequest(yoga, { otherFields: fields, method: 'GET', headers });
  return { status, body };
}

const apq = (query: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256(query) } });

describe('automatic persisted queries (allow, no manifest)', () => {
  it.each([
    ['POST', post],
    ['GET', get],
  ] as const)('%s: an unknown hash is PERSISTED_QUERY_NOT_FOUND, the registration runs, then the hash alone is answered', async (_method, send) => {
    const yoga = gateway();
    const query = `${PROVIDERS} # ${_method}`;
    const miss = await send(yoga, { operationName: 'Providers', extensions: apq(query) });
    expect(miss.status).toBe(200);
    expect(miss.body.errors).toEqual([{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }]);
    expect(miss.body.data).toBeUndefined();

    // Apollo's clients always register by POST (the query may be long).
    const registered = await post(yoga, { query, operationName: 'Providers', extensions: apq(query) });
    expect(registered.status).toBe(200);
    expect(registered.body.errors).toBeUndefined();
    expect(registered.body.data.providers.length).toBeGreaterThan(0);

    const hit = await send(yoga, { operationName: 'Providers', extensions: apq(query) });
    expect(hit.status).toBe(200);
    expect(hit.body.data).toEqual(registered.body.data);

    // Another gateway has its own store: the hit came from this one's registration.
    expect((await send(gateway(), { extensions: apq(query) })).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses a registration whose hash is not the SHA-256 of its query, and stores nothing', async () => {
    const yoga = gateway();
    const claimed = sha256('query Other { providers { id } }');
    const refused = await post(yoga, { query: PROVIDERS, extensions: { persistedQuery: { version: 1, sha256Hash: claimed } } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    expect(refused.body.errors[0].message).toMatch(/not the SHA-256/);
    expect((await post(yoga, { extensions: { persistedQuery: { version: 1, sha256Hash: claimed } } })).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('cannot be poisoned: a registered hash sent with a different query is refused and keeps its document', async () => {
    const yoga = gateway();
    expect((await post(yoga, { query: PROVIDERS, extensions: apq(PROVIDERS) })).body.errors).toBeUndefined();
    const poison = await post(yoga, { query: SHARPE, extensions: apq(PROVIDERS) });
    expect(poison.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    const hit = await post(yoga, { extensions: apq(PROVIDERS) });
    expect(Object.keys(hit.body.data)).toEqual(['providers']);
  });

  it('keeps the CSRF rule: a hash-only GET without a preflight-forcing header is refused 403', async () => {
    const yoga = gateway();
    await post(yoga, { query: PROVIDERS, extensions: apq(PROVIDERS) });
    const forged = await get(yoga, { extensions: apq(PROVIDERS) }, {});
    expect(forged.status).toBe(403);
    expect(forged.body.data).toBeUndefined();
  });

  it('answers neither query nor id with a clear PERSISTED_QUERY_ID_REQUIRED', async () => {
    const answer = await post(gateway(), { variables: {} });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_ID_REQUIRED');
  });

  it('evicts the least recently used document past APQ_MAX_ENTRIES', async () => {
    const yoga = gateway({ apqMaxEntries: 2 });
    const queries = ['a', 'b', 'c'].map((name) => `query ${name.toUpperCase()} { providers { id } }`);
    for (const query of queries) await post(yoga, { query, extensions: apq(query) });
    expect((await post(yoga, { extensions: apq(queries[0]!) })).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post(yoga, { extensions: apq(queries[2]!) })).body.data.providers).toBeDefined();
  });

  it('puts the operation name of a hash-only request in the access log', async () => {
    const logs: string[] = [];
    const yoga = gateway({}, { logs });
    await post(yoga, { query: PROVIDERS, extensions: apq(PROVIDERS) });
    // No operationName in the request: the log reads it from the stored document.
    await post(yoga, { extensions: apq(PROVIDERS) });
    const access = logs.map((line) => JSON.parse(line)).filter((line) => line.message === 'request');
    expect(access.at(-1)).toMatchObject({ operationName: 'Providers', status: 200 });
  });
});

describe('the rules of the edge still apply to persisted documents', () => {
  const TWO_VENDORS = 'query Two { s: account(provider: SHARPE) { fetchedAt } f: account(provider: FARADAY) { fetchedAt } }';

  it('demand control refuses an over-limit manifest document and APQ document, with no vendor call', async () => {
    const yoga = gateway({ manifest: manifestOf(TWO_VENDORS) }, { maxVendorCallsPerOperation: 1 });
    const before = harness.vendorCalls();
    const byId = await post(yoga, { documentId: sha256(TWO_VENDORS) });
    expect(byId.body.errors[0].extensions.code).toBe('OPERATION_TOO_EXPENSIVE');
    const query = `${TWO_VENDORS} # apq`;
    await post(yoga, { query, extensions: apq(query) });
    const byHash = await post(yoga, { extensions: apq(query) });
    expect(byHash.body.errors[0].extensions.code).toBe('OPERATION_TOO_EXPENSIVE');
    expect(harness.vendorCalls()).toBe(before);
  });

  it('operation limits refuse an over-limit manifest document', async () => {
    const aliased = 'query Aliased { a: providers { id } b: providers { id } c: providers { id } }';
    const yoga = gateway({ manifest: manifestOf(aliased) }, { edge: { operationLimits: { depth: 12, aliases: 1, tokens: 8000, directives: 50, cost: 5_000_000 } } });
    const answer = await post(yoga, { documentId: sha256(aliased) });
    expect(answer.body.errors[0]).toMatchObject({ message: expect.stringMatching(/Aliases limit of 1/), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(answer.body.data).toBeUndefined();
  });

  it('the response cache shares one answer between the full request, the registration and the hash alone', async () => {
    const yoga = gateway({}, { responseCacheTtlMs: 60_000 });
    const query = `${SHARPE} # cache`;
    const full = await post(yoga, { query });
    const calls = harness.vendorCalls();
    const registered = await post(yoga, { query, extensions: apq(query) });
    const hit = await post(yoga, { extensions: apq(query) });
    expect(registered.body.data).toEqual(full.body.data);
    expect(hit.body.data).toEqual(full.body.data);
    // Estimated 0: answered from the response cache, before anything was parsed.
    expect(registered.body.extensions.cost.vendorCalls).toEqual({ estimated: 0, actual: 0 });
    expect(hit.body.extensions.cost.vendorCalls).toEqual({ estimated: 0, actual: 0 });
    expect(harness.vendorCalls()).toBe(calls);
    // A different query under the same hash is refused, never answered from that entry.
    expect((await post(yoga, { query: PROVIDERS, extensions: apq(query) })).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
  });
});

describe('a manifest in allow mode', () => {
  const yoga = () => gateway({ manifest: manifestOf(MANIFEST_QUERY) });
  const id = sha256(MANIFEST_QUERY);

  it.each([
    ['documentId (graphql-codegen)', { documentId: id }],
    ['id (Relay)', { id }],
    ['doc_id (Relay)', { doc_id: id }],
    ['extensions.persistedQuery.sha256Hash (Apollo)', { extensions: { persistedQuery: { version: 1, sha256Hash: id } } }],
  ])('serves a document by %s over POST', async (_name, body) => {
    const answer = await post(yoga(), { ...body, variables: {} });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body.data)).toEqual(['providers']);
  });

  it('serves a document by documentId over GET', async () => {
    const answer = await get(yoga(), { documentId: id });
    expect(Object.keys(answer.body.data)).toEqual(['providers']);
  });

  it('answers an unknown id PERSISTED_QUERY_NOT_FOUND, and still runs arbitrary documents and APQ', async () => {
    const gw = yoga();
    expect((await post(gw, { documentId: sha256('nope') })).body.errors[0]).toMatchObject({ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
    expect((await post(gw, { query: PROVIDERS })).body.data.providers).toBeDefined();
    await post(gw, { query: PROVIDERS, extensions: apq(PROVIDERS) });
    expect((await post(gw, { extensions: apq(PROVIDERS) })).body.data.providers).toBeDefined();
  });

  it('reads the manifest on every request, so a reloaded one serves at once', async () => {
    const manifest = { current: new Map<string, string>() };
    const gw = gateway({ manifest });
    expect((await post(gw, { documentId: id })).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    manifest.current = manifestOf(MANIFEST_QUERY).current;
    expect((await post(gw, { documentId: id })).body.data.providers).toBeDefined();
  });
});

describe('only mode', () => {
  const id = sha256(MANIFEST_QUERY);

  it('serves the manifest by every kind of id', async () => {
    const yoga = gateway({ mode: 'only', manifest: manifestOf(MANIFEST_QUERY) });
    for (const body of [{ documentId: id }, { id }, { doc_id: id }, { extensions: { persistedQuery: { version: 1, sha256Hash: id } } }]) {
      expect(Object.keys((await post(yoga, body)).body.data)).toEqual(['providers']);
    }
    expect(Object.keys((await get(yoga, { extensions: { persistedQuery: { version: 1, sha256Hash: id } } })).body.data)).toEqual(['providers']);
  });

  it.each([true, false])('refuses an arbitrary document 400 PERSISTED_QUERY_ONLY with no vendor call (introspection %s)', async (introspection) => {
    const yoga = gateway({ mode: 'only', manifest: manifestOf(MANIFEST_QUERY) }, { introspection });
    const before = harness.vendorCalls();
    for (const query of [SHARPE, MANIFEST_QUERY, `{ __typename ${SHARPE.slice(SHARPE.indexOf('{') + 1)}`]) {
      const answer = await post(yoga, { query });
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toHaveLength(1);
      expect(answer.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
      expect(answer.body.data).toBeUndefined();
    }
    expect(harness.vendorCalls()).toBe(before);
  });

  it('refuses an APQ registration and stores nothing', async () => {
    const yoga = gateway({ mode: 'only', manifest: manifestOf(MANIFEST_QUERY) });
    const registration = await post(yoga, { query: PROVIDERS, extensions: apq(PROVIDERS) });
    expect(registration.status).toBe(400);
    expect(registration.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
    expect((await post(yoga, { extensions: apq(PROVIDERS) })).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('answers introspection (GraphiQL, schema downloads) when INTROSPECTION is on, and refuses it when off', async () => {
    const introspection = '{ __schema { queryType { name } } }';
    const on = await post(gateway({ mode: 'only', manifest: manifestOf(MANIFEST_QUERY) }, { introspection: true }), { query: introspection });
    expect(on.body).toMatchObject({ data: { __schema: { queryType: { name: 'Query' } } } });
    const off = await post(gateway({ mode: 'only', manifest: manifestOf(MANIFEST_QUERY) }, { introspection: false }), { query: introspection });
    expect(off.status).toBe(400);
    expect(off.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
  });
});
