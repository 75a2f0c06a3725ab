import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloClient, gql, HttpLink, InMemoryCache, type TypePolicies } from '@apollo/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * Apollo Client 4's normalized cache over a real gateway: the bug report's "Cache data may be
 * lost when replacing the partnerUser field" and `accounts` overwritten silently. Types with an
 * identity are normalized by `id` with no configuration; the value types inside them need the
 * `merge: true` policies of docs/frontend.md, read from that page itself so the snippet cannot drift.
 */

/** The value types the Apollo snippet of docs/frontend.md merges. */
function documentedMergedTypes(): string[] {
  const readme = readFileSync(new URL('../../docs/frontend.md', import.meta.url), 'utf8');
  const snippet = /```ts\n(import \{ InMemoryCache \}[\s\S]*?)```/.exec(readme)?.[1];
  if (snippet === undefined) throw new Error('docs/frontend.md: the Apollo InMemoryCache snippet is gone');
  const list = /\[((?:\s*'[A-Za-z]+',?)+)\s*\]\s*\.map\(\(type\) => \[type, \{ merge: true \}\]\)/.exec(snippet)?.[1];
  if (list === undefined) throw new Error('docs/frontend.md: the snippet no longer lists its merged types as an array');
  return [...list.matchAll(/'([A-Za-z]+)'/g)].map((match) => match[1]!);
}

const DASHBOARD = gql`
  query Dashboard {
    accounts { id provider { id name } account { id fetchedAt plan { tier } rateLimit { requestsPerMinute } totals { requests window { kind } } } error { code } }
    providers { id kind simulated health { state rateBudget { limitPerMinute } } }
    partnerLedger { cursor users }
  }
`;

const DASHBOARD_DETAIL = gql`
  query DashboardDetail {
    accounts { id account { id plan { requestsPerMinute monthlyLimit } rateLimit { remaining resetsAt } totals { successfulRequests window { label } } } error { message } }
    providers { id health { failuresInWindow rateBudget { usedLastMinute } } }
    partnerLedger { caughtUp entriesIngested }
  }
`;

const USER = gql`query User($sub: PartnerSub!) { partnerUser(sub: $sub) { id sub calls } }`;
const USER_DETAIL = gql`query UserDetail($sub: PartnerSub!) { partnerUser(sub: $sub) { id tweets byEndpoint { endpoint calls } } }`;

describe('Apollo Client cache identity over a real gateway', () => {
  let harness: Harness;
  let server: Server;
  let uri: string;
  let sub: string;

  beforeAll(async () => {
    harness = await startHarness({ simulators: { arrays: { entries: 2000, subs: 50 } }, services: true });
    server = createServer(harness.yoga);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const { body } = await harness.query<any>('{ partnerUsers(first: 1) { edges { node { sub } } } }');
    sub = body.data.partnerUsers.edges[0].node.sub;
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await harness?.close();
  });

  /** Runs the two dashboards and the two user views through one cache; returns Apollo's warnings. */
  async function warningsWith(typePolicies: TypePolicies): Promise<{ warnings: string[]; cache: Record<string, unknown> }> {
    const client = new ApolloClient({ link: new HttpLink({ uri }), cache: new InMemoryCache({ typePolicies }) });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const query of [DASHBOARD, DASHBOARD_DETAIL, DASHBOARD]) {
        const { error } = await client.query({ query, fetchPolicy: 'network-only' });
        expect(error).toBeUndefined();
      }
      for (const query of [USER, USER_DETAIL, USER]) {
        const { error } = await client.query({ query, variables: { sub }, fetchPolicy: 'network-only' });
        expect(error).toBeUndefined();
      }
      return { warnings: warn.mock.calls.map((call) => call.map(String).join(' ')), cache: client.cache.extract() as Record<string, unknown> };
    } finally {
      warn.mockRestore();
    }
  }

  it('normalizes every type with an identity by its id, and the documented policies leave nothing to lose', async () => {
    const merged = documentedMergedTypes();
    const { warnings, cache } = await warningsWith(Object.fromEntries(merged.map((type) => [type, { merge: true }])));
    expect(warnings.filter((line) => /Cache data may be lost/.test(line))).toEqual([]);
    const keys = Object.keys(cache);
    for (const typename of ['Provider', 'Account', 'AccountResult', 'PartnerUser']) {
      expect(keys.some((key) => key.startsWith(`${typename}:`)), typename).toBe(true);
    }
    // Both views of one partner user are one cache entry holding every field either asked for.
    const user = Object.values(cache).find((entry: any) => entry?.__typename === 'PartnerUser' && entry.sub === sub) as any;
    expect(user).toMatchObject({ sub, calls: expect.any(Number), tweets: expect.any(Number) });
    expect(user.byEndpoint.length).toBeGreaterThan(0);
  });

  it('without those policies Apollo warns about the value types, so the documented snippet is needed', async () => {
    const { warnings } = await warningsWith({});
    const lost = warnings.filter((line) => /Cache data may be lost/.test(line));
    expect(lost.length).toBeGreaterThan(0);
    // Never about a type with an identity: those are normalized.
    for (const line of lost) expect(line).not.toMatch(/replacing the (partnerUser|accounts|providers|account|provider) field/);
  });
});
