import { composeServices } from '@apollo/composition';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import { loadConfig } from '../../src/config.js';
import { startGateway, type RunningGateway } from '../../src/server.js';

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
): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as never;
}

export interface UsageSubgraph extends RunningGateway {
  sdl: string;
}

/**
 * Our gateway as the real entry point runs it (demo mode: simulators, ledger following the Arrays
 * stream), on a loopback port with a fresh data directory, once the ledger has caught up.
 */
export async function startUsageSubgraph(env: Record<string, string> = {}): Promise<UsageSubgraph> {
  const dataDir = await mkdtemp(join(tmpdir(), 'usage-subgraph-'));
  const config = loadConfig({ GATEWAY_DEMO: '1', PORT: '0', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ARRAYS_POLL_INTERVAL_MS: '500', ...env });
  const running = await startGateway(config);
  const giveUp = Date.now() + 60_000;
  for (;;) {
    const { data } = await postGraphQL(running.url, '{ partnerLedger { caughtUp users } }');
    if (data?.partnerLedger?.caughtUp && data.partnerLedger.users > 0) break;
    if (Date.now() > giveUp) throw new Error('the ledger did not catch up within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const { data } = await postGraphQL(running.url, '{ _service { sdl } }');
  return {
    url: running.url,
    sdl: data._service.sdl,
    async close() {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
