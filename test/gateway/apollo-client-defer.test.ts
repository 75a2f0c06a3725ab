import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * A real client: Apollo Client 4 with its 2022-08-24 `@defer` handler, over HTTP on loopback,
 * reads the gateway's multipart answer as it arrives.
 */

const DEFERRED = gql`
  query DeferredOverview {
    accounts {
      provider { id }
      ... on AccountResult @defer {
        account { plan { tier } }
        error { code }
      }
    }
  }
`;
const PLAIN = gql`
  query PlainOverview {
    accounts {
      provider { id }
      account { plan { tier } }
      error { code }
    }
  }
`;

let harness: Harness;
let server: Server;
let uri: string;

const clientFor = () =>
  new ApolloClient({ link: new HttpLink({ uri }), cache: new InMemoryCache(), incrementalHandler: new Defer20220824Handler() });

beforeAll(async () => {
  harness = await startHarness({ policy: { cacheTtlMs: 0 } });
  server = createServer(harness.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await harness?.close();
});

describe('Apollo Client 4 with Defer20220824Handler', () => {
  it('emits the overview first without its deferred part, then with it, equal to the answer without @defer', async () => {
    const expected = (await clientFor().query({ query: PLAIN, fetchPolicy: 'network-only' })).data as { accounts: unknown[] };
    expect(expected.accounts.length).toBeGreaterThan(1);

    // Every vendor holds its answer until the client has shown the first part, so that part
    // cannot arrive together with a deferred one, however the machine schedules the sockets.
    const sims = [harness.sims.arrays, harness.sims.anylayer, harness.sims.sharpe, harness.sims.faraday];
    for (const sim of sims) sim.setFault({ fault: { mode: 'hang' } });
    const emissions: { dataState: string; data: unknown }[] = [];
    const client = clientFor();
    await new Promise<void>((resolve, reject) => {
      const subscription = client.watchQuery({ query: DEFERRED, fetchPolicy: 'network-only' }).subscribe({
        next(result) {
          if (result.data === undefined) return;
          emissions.push({ dataState: result.dataState, data: structuredClone(result.data) });
          if (emissions.length === 1) for (const sim of sims) sim.setFault(null);
          if (result.dataState === 'complete') {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });

    const first = emissions[0]!;
    expect(first.dataState).toBe('streaming');
    const entries = (first.data as { accounts: Record<string, unknown>[] }).accounts;
    expect(entries).toHaveLength(expected.accounts.length);
    for (const entry of entries) {
      expect(entry).toHaveProperty('provider');
      expect(entry).not.toHaveProperty('account');
      expect(entry).not.toHaveProperty('error');
    }
    const last = emissions.at(-1)!;
    expect(last.dataState).toBe('complete');
    expect(last.data).toEqual(expected);
  }, 30_000);
});
