import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/common/logger.js';
import { nodeIdOf } from '../../src/schema/node-id.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startTestAuth, type TestAuth } from '../support/jwt.js';

/**
 * Object identification for client caches: every type with an identity has an `id` unique across
 * the schema, and `node(id:)` fetches that same object again, under the same scope rules as the
 * fields that first served it (counted: a refused node costs no vendor call and no ledger read).
 */

let harness: Harness;
let auth: TestAuth;
let token: (claims: Record<string, unknown>) => Promise<Record<string, string>>;

const OVERVIEW = /* GraphQL */ `
  {
    providers { id kind name }
    accounts { id provider { id } account { id provider { id } plan { tier } fetchedAt } error { code } }
    partnerUsers(first: 5) { edges { node { id sub calls } } }
  }
`;

const NODE = /* GraphQL */ `
  query Node($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Provider { kind name }
      ... on Account { provider { id } plan { tier } fetchedAt }
      ... on AccountResult { provider { id } account { id } error { code } }
      ... on PartnerUser { sub calls }
    }
  }
`;

beforeAll(async () => {
  auth = await startTestAuth([], createLogger({ level: 'silent' }));
  token = async (claims) => ({ authorization: `Bearer ${await auth.keys.sign(claims)}` });
  harness = await startHarness({
    authenticator: auth.authenticator,
    services: true,
    serviceSettings: { ARRAYS_POLL_INTERVAL_MS: 86_400_000 },
    simulators: { arrays: { entries: 2000, subs: 40 } },
    // Vendor answers stay cached for the whole file, so refetching by id costs no new vendor call.
    policy: { cacheTtlMs: 600_000 },
  });
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await auth?.close();
});

const everything = () => token({ sub: 'ops', scope: 'usage:read partners:read' });

describe('Node ids', () => {
  it('are unique across every object of an answer, and node(id:) answers each object again', async () => {
    const headers = await everything();
    const { body } = await harness.query<any>(OVERVIEW, {}, headers);
    expect(body.errors).toBeUndefined();
    const objects: { typename: string; id: string; expected: Record<string, unknown> }[] = [
      ...body.data.providers.map((p: any) => ({ typename: 'Provider', id: p.id, expected: { kind: p.kind, name: p.name } })),
      ...body.data.accounts.map((r: any) => ({ typename: 'AccountResult', id: r.id, expected: { provider: r.provider, account: { id: r.account.id } } })),
      ...body.data.accounts.map((r: any) => ({ typename: 'Account', id: r.account.id, expected: { provider: r.account.provider, plan: r.account.plan, fetchedAt: r.account.fetchedAt } })),
      ...body.data.partnerUsers.edges.map(({ node }: any) => ({ typename: 'PartnerUser', id: node.id, expected: { sub: node.sub, calls: node.calls } })),
    ];
    expect(objects.length).toBeGreaterThan(10);
    expect(new Set(objects.map((object) => object.id)).size).toBe(objects.length);
    // The provider's id is the vendor's id (its federation key), the enum beside it.
    for (const provider of body.data.providers) expect(provider.id).toBe(provider.kind);
    for (const object of objects) {
      const { body: again } = await harness.query<any>(NODE, { id: object.id }, headers);
      expect(again.errors, object.id).toBeUndefined();
      expect(again.data.node).toMatchObject({ __typename: object.typename, id: object.id, ...object.expected });
    }
  });

  it('a well-formed id of nothing is null; an id that is not one of ours is BAD_USER_INPUT', async () => {
    const headers = await everything();
    const unknownUser = await harness.query<any>(NODE, { id: nodeIdOf('PartnerUser', '99999999999999999999') }, headers);
    expect(unknownUser.body).toMatchObject({ data: { node: null } });
    expect(unknownUser.body.errors).toBeUndefined();
    const unconfigured = await harness.query<any>(NODE, { id: nodeIdOf('Account', 'NOT_A_VENDOR') }, headers);
    expect(unconfigured.body).toMatchObject({ data: { node: null } });
    expect(unconfigured.body.errors).toBeUndefined();
    const before = harness.vendorCalls();
    for (const id of ['', 'garbage!', Buffer.from('Plan:ARRAYS').toString('base64url'), Buffer.from('PartnerUser:').toString('base64url')]) {
      const { body } = await harness.query<any>(NODE, { id }, headers);
      expect(body.data.node, id).toBeNull();
      expect(body.errors?.[0]?.extensions?.code, id).toBe('BAD_USER_INPUT');
    }
    expect(harness.vendorCalls()).toBe(before);
  });

  it('follows the scope rules of the fields that served the object, before any vendor call or ledger read', async () => {
    const { body } = await harness.query<any>('{ partnerUsers(first: 2) { edges { node { id sub } } } }', {}, await everything());
    const [own, other] = body.data.partnerUsers.edges.map((edge: any) => edge.node);
    const self = await token({ sub: own.sub, scope: 'partners:self' });

    const mine = await harness.query<any>(NODE, { id: own.id }, self);
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data.node).toMatchObject({ __typename: 'PartnerUser', sub: own.sub });

    const [calls, reads] = [harness.vendorCalls(), harness.ledgerReads()];
    for (const id of [other.id, 'ARRAYS', nodeIdOf('Account', 'SHARPE'), nodeIdOf('AccountResult', 'FARADAY')]) {
      const refused = await harness.query<any>(NODE, { id }, self);
      expect(refused.body.data.node, id).toBeNull();
      expect(refused.body.errors?.[0]?.extensions?.code, id).toBe('FORBIDDEN');
    }
    expect([harness.vendorCalls(), harness.ledgerReads()]).toEqual([calls, reads]);
  });

  it('prices node(id:) of an account in vendor calls, like account(provider:)', async () => {
    // Demand control refuses an operation over its vendor-call budget (10) before anything runs.
    const ids = ['SHARPE', 'FARADAY', 'ANYLAYER', 'ARRAYS'].flatMap((vendor) => [nodeIdOf('Account', vendor), nodeIdOf('AccountResult', vendor)]);
    const aliases = Array.from({ length: 3 }, (_, copy) => ids.map((id, i) => `n${copy}_${i}: node(id: "${id}") { id }`).join(' ')).join(' ');
    const before = harness.vendorCalls();
    const { body } = await harness.query<any>(`{ ${aliases} }`, {}, await everything());
    // Three copies of the same ids are the same calls: the estimate counts distinct calls, so this fits.
    expect(body.errors).toBeUndefined();
    expect(harness.vendorCalls() - before).toBeLessThanOrEqual(ids.length / 2);
  });
});
