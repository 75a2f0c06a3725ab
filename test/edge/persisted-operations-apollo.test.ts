import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startGateway, type RunningGateway } from '../../src/server.js';

/**
 * A real Apollo Client 4 (PersistedQueryLink over HttpLink) against a real gateway on 127.0.0.1,
 * with every request it sends recorded at its fetch: the first query falls back (hash alone →
 * PERSISTED_QUERY_NOT_FOUND, then the registration), the second is the hash alone, answered.
 * The gateway's CSRF rule is on: HttpLink's `content-type: application/json` passes it, GET too.
 */

let running: RunningGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'apq-apollo-'));
  running = await startGateway(loadConfig({ GATEWAY_DEMO: '1', PORT: '0', LOG_LEVEL: 'silent', DATA_DIR: dataDir }));
});
afterAll(async () => {
  await running?.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Sent {
  method: string;
  query: string | null;
  hash: string | null;
  status: number;
  codes: string[];
}

/** A fetch that records what went over the wire and what came back. */
function recordingFetch(sent: Sent[]): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const fields: Record<string, unknown> =
      method === 'GET'
        ? { query: url.searchParams.get('query'), extensions: JSON.parse(url.searchParams.get('extensions') ?? 'null') }
        : JSON.parse(String(init?.body));
    const response = await fetch(input, init);
    const body = (await response.clone().json()) as { errors?: { extensions?: { code?: string } }[] };
    sent.push({
      method,
      query: typeof fields['query'] === 'string' ? fields['query'] : null,
      hash: (fields['extensions'] as { persistedQuery?: { sha256Hash?: string } } | null)?.persistedQuery?.sha256Hash ?? null,
      status: response.status,
      codes: (body.errors ?? []).map((error) => error.extensions?.code ?? ''),
    });
    return response;
  };
}

describe.each([false, true])('Apollo Client with useGETForHashedQueries %s', (useGETForHashedQueries) => {
  it('falls back and registers on the first query, then sends the hash alone', async () => {
    const sent: Sent[] = [];
    const client = new ApolloClient({
      cache: new InMemoryCache(),
      link: new PersistedQueryLink({ sha256: (text) => createHash('sha256').update(text).digest('hex'), useGETForHashedQueries }).concat(
        new HttpLink({ uri: running.url, fetch: recordingFetch(sent) }),
      ),
    });
    // A query of its own per run, so the second run's first request cannot hit the first's registration.
    const query = gql(`query ApolloProviders${useGETForHashedQueries ? 'Get' : 'Post'} { providers { id simulated } }`);
    const first = await client.query({ query, fetchPolicy: 'network-only' });
    const second = await client.query({ query, fetchPolicy: 'network-only' });
    expect(first.error).toBeUndefined();
    expect((first.data as { providers: unknown[] }).providers.length).toBeGreaterThan(0);
    expect(second.data).toEqual(first.data);

    const hashed = useGETForHashedQueries ? 'GET' : 'POST';
    const hash = sent[0]?.hash;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(sent).toEqual([
      { method: hashed, query: null, hash, status: 200, codes: ['PERSISTED_QUERY_NOT_FOUND'] },
      { method: 'POST', query: expect.stringContaining('ApolloProviders'), hash, status: 200, codes: [] },
      { method: hashed, query: null, hash, status: 200, codes: [] },
    ]);
    client.stop();
  });
});
