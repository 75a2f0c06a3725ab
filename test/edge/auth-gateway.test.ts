import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/edge/identity/authenticator.js';
import { createLogger } from '../../src/common/logger.js';
import { startHarness, type Harness } from '../support/harness.js';
import { hmacWithPublicKey, startTestAuth, tamperedToken, unsignedToken, type TestAuth, type TestKeys } from '../support/jwt.js';
import { graphqlRequest } from '../support/graphql-request.js';

/**
 * The identity edge end to end, through `yoga.fetch`: every attack refused with the right code,
 * and no vendor call and no ledger read for anything refused (both counted).
 */

const API_KEY = 'ugw_test_key_5b1c9e7a3d2f8e60';

let harness: Harness;
let keys: TestKeys;
let auth: TestAuth;
let authenticator: Authenticator;
const authLogs: string[] = [];
/** Two partner users of the ledger: the caller's own, and someone else's. */
let own: { sub: string; calls: number };
let other: { sub: string; calls: number };

const vendorCalls = () => harness.vendorCalls();

async function ask(query: string, headers: Record<string, string> = {}, variables?: Record<string, unknown>) {
  const { status, headers: answered, body, text } = await graphqlRequest(harness.yoga, { query, headers, ...(variables === undefined ? {} : { variables }) });
  return { status, headers: answered, body: body as any, text };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** What a request cost upstream and in the ledger, and what it answered. */
async function counted(query: string, headers: Record<string, string>, variables?: Record<string, unknown>) {
  const [calls, reads] = [vendorCalls(), harness.ledgerReads()];
  const answer = await ask(query, headers, variables);
  return { ...answer, vendorCalls: vendorCalls() - calls, ledgerReads: harness.ledgerReads() - reads };
}

beforeAll(async () => {
  auth = await startTestAuth([{ name: 'dashboard', key: API_KEY, scopes: ['usage:read'] }], createLogger({ level: 'debug', write: (line) => authLogs.push(line) }));
  ({ keys, authenticator } = auth);
  harness = await startHarness({
    authenticator,
    services: true,
    // No poll of the stream head while the test counts vendor calls.
    serviceSettings: { ARRAYS_POLL_INTERVAL_MS: 86_400_000 },
    simulators: { arrays: { entries: 3000, subs: 60 } },
  });
  const token = await keys.sign({ sub: 'ops', scope: 'partners:read' });
  const { body } = await ask('{ partnerUsers(first: 2) { edges { node { sub calls } } } }', bearer(token));
  [own, other] = body.data.partnerUsers.edges.map((edge: any) => edge.node);
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await auth?.close();
});

describe('requests without a valid credential', () => {
  const attacks: [string, () => Promise<Record<string, string>>][] = [
    ['no credential', async () => ({})],
    ['a malformed token', async () => bearer('not-a-jwt')],
    ['an expired token', async () => bearer(await keys.sign({ sub: 'u', scope: 'usage:read', exp: Math.floor(Date.now() / 1000) - 3600 }))],
    ['a token not yet valid', async () => bearer(await keys.sign({ sub: 'u', scope: 'usage:read', nbf: Math.floor(Date.now() / 1000) + 3600 }))],
    ['a wrong issuer', async () => bearer(await keys.sign({ sub: 'u', scope: 'usage:read', iss: 'https://evil.test/' }))],
    ['a wrong audience', async () => bearer(await keys.sign({ sub: 'u', scope: 'usage:read', aud: 'another-api' }))],
    ['a tampered payload', async () => bearer(tamperedToken(await keys.sign({ sub: 'u', scope: 'usage:read' }), { scope: 'usage:read ops:read partners:read' }))],
    ['the signature of another key', async () => bearer(await keys.signWithOtherKey({ sub: 'u', scope: 'usage:read' }))],
    ['an unknown kid', async () => bearer(await keys.sign({ sub: 'u', scope: 'usage:read' }, { kid: 'who-knows' }))],
    ['alg: none', async () => bearer(unsignedToken({ sub: 'u', scope: 'usage:read' }))],
    ['HS256 signed with the public key as secret', async () => bearer(await hmacWithPublicKey(keys.publicJwk, { sub: 'u', scope: 'usage:read' }))],
    ['a wrong API key', async () => ({ 'x-api-key': 'ugw_test_key_wrong_000000000000' })],
  ];

  it.each(attacks)('%s: 401 UNAUTHENTICATED, WWW-Authenticate, no vendor call, no ledger read, the token in no log', async (_name, headersOf) => {
    const headers = await headersOf();
    const answer = await counted('{ accounts { provider { id } } partnerUsers(first: 1) { totalCount } }', headers);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(answer.body.data).toBeUndefined();
    expect([answer.vendorCalls, answer.ledgerReads]).toEqual([0, 0]);
    const secret = headers.authorization?.slice('Bearer '.length) ?? headers['x-api-key'];
    for (const line of [...authLogs, ...harness.logs]) if (secret !== undefined) expect(line).not.toContain(secret);
  });

  it('logs the reason at info, never the token', async () => {
    const token = await keys.sign({ sub: 'u', scope: 'usage:read', exp: Math.floor(Date.now() / 1000) - 3600 });
    await ask('{ providers { id } }', bearer(token));
    const refusal = harness.logs.filter((line) => line.includes('request refused: not authenticated')).at(-1)!;
    expect(JSON.parse(refusal)).toMatchObject({ level: 'info', reason: 'expired' });
    expect(refusal).not.toContain(token);
  });
});

describe('scopes per field', () => {
  it('usage:read reads accounts but not health, origin, partners or the ledger: each refused field null with FORBIDDEN and its scope', async () => {
    const token = await keys.sign({ sub: 'dash', scope: 'usage:read' });
    const answer = await counted(
      '{ accounts { provider { id } error { code } } providers { id origin health { state } } partnerLedger { caughtUp } partnerUsers(first: 1) { totalCount } }',
      bearer(token),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.data.accounts.map((entry: any) => entry.error)).toEqual([null, null, null, null]);
    expect(answer.body.data.providers[0]).toEqual({ id: 'ARRAYS', origin: null, health: null });
    expect(answer.body.data.partnerLedger).toBeNull();
    expect(answer.body.data.partnerUsers).toBeNull();
    const refused = answer.body.errors.map((error: any) => [error.path.join('.'), error.extensions.code, error.extensions.requiredScopes]);
    expect(refused).toEqual(
      expect.arrayContaining([
        ['providers.0.origin', 'FORBIDDEN', ['ops:read']],
        ['providers.0.health', 'FORBIDDEN', ['ops:read']],
        ['partnerLedger', 'FORBIDDEN', ['ops:read']],
        ['partnerUsers', 'FORBIDDEN', ['partners:read']],
      ]),
    );
    expect(answer.ledgerReads).toBe(0);
  });

  it('a caller without usage:read gets accounts null with FORBIDDEN and costs no vendor call', async () => {
    const token = await keys.sign({ sub: own.sub, scope: 'partners:self' });
    const answer = await counted('{ accounts { provider { id } } account(provider: SHARPE) { plan { tier } } apiKeyUsage { totals { requests } } }', bearer(token));
    expect(answer.body.data).toEqual({ accounts: null, account: null, apiKeyUsage: null });
    expect(answer.body.errors.map((error: any) => error.extensions.code)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    expect(answer.vendorCalls).toBe(0);
  });

  it('ops:read sees origin, health and the ledger', async () => {
    const token = await keys.sign({ sub: 'oncall', scope: 'usage:read ops:read' });
    const { body } = await ask('{ providers { origin health { state } } partnerLedger { caughtUp } }', bearer(token));
    expect(body.errors).toBeUndefined();
    expect(body.data.providers[0].origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(body.data.partnerLedger.caughtUp).toBe(true);
  });

  it('reads scopes from `scp` (an array) as well as `scope`', async () => {
    const token = await keys.sign({ sub: 'svc', scp: ['usage:read'] });
    const { body } = await ask('{ providers { id } }', bearer(token));
    expect(body.errors).toBeUndefined();
    expect(body.data.providers).toHaveLength(4);
  });

  it('an API key has its scopes, and its name (never the key) in the log', async () => {
    const { body } = await ask('{ providers { id } partnerLedger { caughtUp } }', { 'x-api-key': API_KEY });
    expect(body.data.providers).toHaveLength(4);
    expect(body.errors.map((error: any) => error.extensions.code)).toEqual(['FORBIDDEN']);
    for (const line of [...authLogs, ...harness.logs]) expect(line).not.toContain(API_KEY);
  });
});

describe('partners:self: only the caller\'s own usage', () => {
  let token: string;
  beforeAll(async () => {
    token = await keys.sign({ sub: own.sub, scope: 'partners:self' });
  });

  it('me and partnerUser(sub: own) answer the ledger totals of the caller\'s sub', async () => {
    const { body } = await ask('query ($sub: PartnerSub!) { me { sub calls } partnerUser(sub: $sub) { sub calls } }', bearer(token), { sub: own.sub });
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ me: own, partnerUser: own });
  });

  it('me is null for a sub the ledger has not counted', async () => {
    const stranger = await keys.sign({ sub: '99999999999999999999', scope: 'partners:self' });
    const { body } = await ask('{ me { sub } }', bearer(stranger));
    expect(body).toEqual({ data: { me: null }, extensions: { cost: { vendorCalls: { estimated: 0, actual: 0 } } } });
  });

  const otherSub = () => other.sub;
  const attempts: [string, () => [string, Record<string, unknown>?]][] = [
    ['directly', () => [`{ partnerUser(sub: "${otherSub()}") { sub calls } }`]],
    ['through an alias', () => [`{ mine: partnerUser(sub: "${otherSub()}") { calls } }`]],
    ['through a fragment', () => [`{ ...Spy } fragment Spy on Query { partnerUser(sub: "${otherSub()}") { calls } }`]],
    ['through a variable', () => ['query ($sub: PartnerSub!) { partnerUser(sub: $sub) { calls } }', { sub: otherSub() }]],
    [
      'through _entities as a PartnerUser',
      () => ['query ($r: [_Any!]!) { _entities(representations: $r) { ... on PartnerUser { calls } } }', { r: [{ __typename: 'PartnerUser', sub: otherSub() }] }],
    ],
    [
      "through _entities as the host graph's User",
      () => ['query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { partnerUsage { calls } } } }', { r: [{ __typename: 'User', id: otherSub() }] }],
    ],
    ['through partnerUsers', () => ['{ partnerUsers(first: 5) { edges { node { sub } } } }']],
    ['through partnerUsage, the raw stream', () => ['{ partnerUsage(first: 10) { edges { node { sub } } } }']],
  ];

  it.each(attempts)('another sub %s: FORBIDDEN, its numbers nowhere, no ledger read and no vendor call', async (_name, operation) => {
    const [query, variables] = operation();
    const answer = await counted(query, bearer(token), variables);
    expect(answer.status).toBe(200);
    expect(answer.body.errors.map((error: any) => error.extensions.code)).toEqual(['FORBIDDEN']);
    expect(answer.text).not.toContain(`"calls":${other.calls}`);
    expect([answer.vendorCalls, answer.ledgerReads]).toEqual([0, 0]);
  });
});

describe('inline traces and the response cache', () => {
  it('returns an ftv1 trace only to callers holding ops:read', async () => {
    const headers = { 'apollo-federation-include-trace': 'ftv1' };
    const plain = await ask('{ providers { id } }', { ...headers, ...bearer(await keys.sign({ sub: 'd', scope: 'usage:read' })) });
    const ops = await ask('{ providers { id } }', { ...headers, ...bearer(await keys.sign({ sub: 'o', scope: 'usage:read ops:read' })) });
    expect(plain.body.extensions?.ftv1).toBeUndefined();
    expect(typeof ops.body.extensions?.ftv1).toBe('string');
  });

  it('never serves a cached answer to a caller whose scopes would refuse it', async () => {
    const cached = await startHarness({ authenticator, responseCacheTtlMs: 1000 });
    try {
      const query = '{ accounts { provider { id } error { code } } }';
      const ask = (token: string) => cached.query<any>(query, undefined, bearer(token));
      const first = await ask(await keys.sign({ sub: 'd', scope: 'usage:read' }));
      const again = await ask(await keys.sign({ sub: 'd2', scope: 'usage:read' }));
      const refused = await ask(await keys.sign({ sub: own.sub, scope: 'partners:self' }));
      expect(first.body.data.accounts).toHaveLength(4);
      // The whole answer again, without executing: nothing sent to a vendor, nothing estimated.
      expect(first.body.extensions).toEqual({ cost: { vendorCalls: { estimated: 5, actual: 5 } } });
      expect(again.body).toEqual({ ...first.body, extensions: { cost: { vendorCalls: { estimated: 0, actual: 0 } } } });
      expect(refused.body.data).toEqual({ accounts: null });
      expect(refused.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    } finally {
      await cached.close();
    }
  });
});

describe('API keys', () => {
  it('a revoked key (removed from the file) is refused after a reload, without a restart', async () => {
    expect((await ask('{ providers { id } }', { 'x-api-key': API_KEY })).status).toBe(200);
    await auth.writeApiKeys([{ name: 'other', key: 'ugw_another_key_0000000000', scopes: ['usage:read'] }]);
    await authenticator.reload();
    const revoked = await ask('{ providers { id } }', { 'x-api-key': API_KEY });
    expect(revoked.status).toBe(401);
    expect(revoked.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
