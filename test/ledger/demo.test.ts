import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/common/logger.js';
import { startGateway, type RunningGateway } from '../../src/server.js';
import { startArraysSimulator, sumStream, type ArraysSimulatorHandle } from '../../src/simulators/arrays.js';
import { tempDir } from '../support/temp-dir.js';
import { eventually } from '../support/eventually.js';

async function graphql(url: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return response.json();
}

describe('the demo gateway', () => {
  let gateway: RunningGateway;
  let twin: ArraysSimulatorHandle;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const data = await tempDir('ledger-test-');
    cleanup = data.cleanup;
    const config = loadConfig({ GATEWAY_DEMO: '1', PORT: '0', DATA_DIR: data.dir, ARRAYS_POLL_INTERVAL_MS: '100' });
    gateway = await startGateway(config, { logger: createLogger({ level: 'silent' }) });
    // The demo's Arrays simulator is deterministic: one started alike holds the same stream.
    twin = await startArraysSimulator();
  });
  afterAll(async () => {
    await gateway.close();
    await twin.close();
    await cleanup();
  });

  it('follows the simulated stream until its ledger totals equal the sum of the stream', async () => {
    let ledger: any;
    await eventually(async () => {
      ledger = (await graphql(gateway.url, '{ partnerLedger { caughtUp entriesIngested users cursor lagMs lastError { code } } }')).data.partnerLedger;
      return ledger.caughtUp;
    }, { withinMs: 30_000, everyMs: 10, what: 'the demo ledger to catch up' });
    const expected = sumStream(twin);
    expect(ledger).toMatchObject({ entriesIngested: twin.length, users: expected.size, cursor: twin.entry(twin.length - 1).id, lagMs: 0, lastError: null });

    const seen = new Map<string, { calls: number; discoveries: number; tweets: number }>();
    let after: string | null = null;
    do {
      const body: any = await graphql(
        gateway.url,
        'query ($after: String) { partnerUsers(first: 1000, after: $after, orderBy: SUB) { edges { node { sub calls discoveries tweets } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      expect(body.errors).toBeUndefined();
      for (const { node } of body.data.partnerUsers.edges) seen.set(node.sub, { calls: node.calls, discoveries: node.discoveries, tweets: node.tweets });
      after = body.data.partnerUsers.pageInfo.hasNextPage ? body.data.partnerUsers.pageInfo.endCursor : null;
    } while (after !== null);
    expect(seen).toEqual(expected);
  });
});
