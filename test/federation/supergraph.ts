import { composeServices } from '@apollo/composition';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import { loadConfig } from '../../src/config/index.js';
import { startGateway, type RunningGateway } from '../../src/server.js';
import { startUsersSubgraph, type UsersSubgraph } from './users-subgraph.js';
import { graphqlRequest } from '../support/graphql-request.js';

export interface Subgraph {
  name: string;
  url: string;
  sdl: string;
}

/** Composes subgraphs the way `rover supergraph compose` does; fails loudly on any composition error. */
export function composeSupergraph(subgraphs: readonly Subgraph[]): string {
  const result = composeServices(subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })));
  if (result.errors && result.errors.length > 0) {
    throw new Error(`composition failed:\n${result.errors.map((error) => error.message).join('\n')}`);
  }
  return result.supergraphSdl!;
}

export async function postGraphQL<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ data?: T; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] }> {
  return (await graphqlRequest(globalThis, { url, query, headers, ...(variables === undefined ? {} : { variables }) })).body as never;
}

export interface UsageSubgraph extends RunningGateway {
  sdl: string;
}

/**
 * Our gateway as the real entry point runs it (demo mode: simulators, ledger following the Arrays
 * stream), on a loopback port with a fresh data directory, once the ledger has caught up.
 * `headers` go with the fixture's own queries (a token, when `env` turns authentication on).
 */
export async function startUsageSubgraph(env: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<UsageSubgraph> {
  const dataDir = await mkdtemp(join(tmpdir(), 'usage-subgraph-'));
  const config = loadConfig({ GATEWAY_DEMO: '1', PORT: '0', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ARRAYS_POLL_INTERVAL_MS: '500', ...env });
  const running = await startGateway(config);
  const giveUp = Date.now() + 60_000;
  for (;;) {
    const { data } = await postGraphQL(running.url, '{ partnerLedger { caughtUp users } }', undefined, headers);
    if (data?.partnerLedger?.caughtUp && data.partnerLedger.users > 0) break;
    if (Date.now() > giveUp) throw new Error('the ledger did not catch up within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const { data } = await postGraphQL(running.url, '{ _service { sdl } }', undefined, headers);
  return {
    url: running.url,
    metricsUrl: running.metricsUrl,
    alerting: running.alerting,
    sdl: data._service.sdl,
    reload: () => running.reload(),
    async close() {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const UNKNOWN_SUB = '99999999999999999999';

export interface LedgerUser {
  sub: string;
  calls: number;
  tweets: number;
  discoveries: number;
}

/** Our subgraph, a `users` subgraph owning three of our heaviest partner users plus one unknown, composed. */
export interface FederationFixture {
  usage: UsageSubgraph;
  users: UsersSubgraph;
  heavy: LedgerUser[];
  supergraphSdl: string;
  close(): Promise<void>;
}

/**
 * `env`: more configuration of our subgraph (e.g. FEDERATION_AUTH_DIRECTIVES=0 for @apollo/gateway);
 * `headers`: what the fixture's own queries send (a token with partners:read and ops:read).
 */
export async function startFederationFixture(env: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<FederationFixture> {
  const usage = await startUsageSubgraph(env, headers);
  const { data } = await postGraphQL(
    usage.url,
    '{ partnerUsers(first: 3, orderBy: CALLS) { edges { node { sub calls tweets discoveries } } } }',
    undefined,
    headers,
  );
  const heavy: LedgerUser[] = data.partnerUsers.edges.map((edge: { node: LedgerUser }) => edge.node);
  const users = await startUsersSubgraph([
    ...heavy.map((user, index) => ({ id: user.sub, name: `Heavy user ${index + 1}` })),
    { id: UNKNOWN_SUB, name: 'Never used the partner API' },
  ]);
  const supergraphSdl = composeSupergraph([
    { name: 'users', url: users.url, sdl: users.sdl },
    { name: 'usage', url: usage.url, sdl: usage.sdl },
  ]);
  return {
    usage,
    users,
    heavy,
    supergraphSdl,
    async close() {
      await users.close();
      await usage.close();
    },
  };
}

/** The checks both real gateways must pass, against the ledger's own numbers. */
export async function expectCrossSubgraphQuery(gatewayUrl: string, fixture: FederationFixture, expect: (value: unknown) => any): Promise<void> {
  const { data, errors } = await postGraphQL(gatewayUrl, '{ users { id name partnerUsage { calls tweets discoveries } } }');
  expect(errors).toBeUndefined();
  expect(data.users).toEqual([
    ...fixture.heavy.map((user, index) => ({
      id: user.sub,
      name: `Heavy user ${index + 1}`,
      partnerUsage: { calls: user.calls, tweets: user.tweets, discoveries: user.discoveries },
    })),
    { id: UNKNOWN_SUB, name: 'Never used the partner API', partnerUsage: null },
  ]);
}
