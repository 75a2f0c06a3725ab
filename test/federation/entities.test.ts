import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { startPartnerLedger, type RunningPartnerLedger } from '../../src/ledger/service.js';
import { createLogger } from '../../src/logger.js';
import { ArraysClient } from '../../src/providers/arrays/client.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { startArraysSimulator, sumStream, type ArraysSimulatorHandle } from '../../src/simulators/index.js';
import { UpstreamHttp } from '../../src/upstream/http.js';
import { tempDataDir, waitFor } from '../ledger/support.js';

const logger = createLogger({ level: 'silent' });

async function post(yoga: Gateway, query: string, variables: Record<string, unknown>): Promise<any> {
  const response = await yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

const PARTNER_USERS = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on PartnerUser { sub calls discoveries tweets } }
  }
`;

const HOST_USERS = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on User { id partnerUsage { sub calls tweets } } }
  }
`;

describe('_entities', () => {
  let sim: ArraysSimulatorHandle;
  let http: UpstreamHttp;
  let ledger: RunningPartnerLedger;
  let yoga: Gateway;
  let cleanup: () => Promise<void>;
  let totals: Map<string, { calls: number; discoveries: number; tweets: number }>;

  beforeAll(async () => {
    sim = await startArraysSimulator({ entries: 12_000, subs: 1500 });
    http = new UpstreamHttp({ timeoutMs: 3000 });
    const data = await tempDataDir();
    cleanup = data.cleanup;
    const client = new ArraysClient({ baseUrl: sim.baseUrl, credential: sim.credential, http });
    ledger = await startPartnerLedger({ dir: data.dir, startCursor: '0', pollIntervalMs: 50, source: (f, c) => client.fetchPartnerPage(f, c), logger });
    await waitFor(async () => ledger.status().caughtUp && (await ledger.store.position()).entries === sim.length);
    const registry = createProviderRegistry({ ARRAYS: { baseUrl: sim.baseUrl, credential: sim.credential, simulated: true } }, http);
    yoga = createGateway({ registry, logger, ledger });
    totals = sumStream(sim);
  });
  afterAll(async () => {
    await ledger.close();
    await http.close();
    await sim.close();
    await cleanup();
  });

  it('answers 1,000 PartnerUser representations with one ledger read and no upstream call', async () => {
    const subs = [...totals.keys()].slice(0, 1000);
    expect(subs).toHaveLength(1000);
    sim.resetHits();
    const readsBefore = ledger.store.stats.reads;
    const body = await post(yoga, PARTNER_USERS, {
      representations: subs.map((sub) => ({ __typename: 'PartnerUser', sub })),
    });
    expect(body.errors).toBeUndefined();
    expect(ledger.store.stats.reads - readsBefore).toBe(1);
    expect(sim.hits()).toBe(0);
    expect(body.data._entities).toHaveLength(1000);
    for (const [index, entity] of body.data._entities.entries()) {
      expect(entity).toEqual({ sub: subs[index], ...totals.get(subs[index]!) });
    }
  });

  it('resolves unknown subs to null without failing the batch', async () => {
    const [known] = totals.keys();
    const body = await post(yoga, PARTNER_USERS, {
      representations: [
        { __typename: 'PartnerUser', sub: '99999999999999999999' },
        { __typename: 'PartnerUser', sub: known },
      ],
    });
    expect(body.errors).toBeUndefined();
    expect(body.data._entities[0]).toBeNull();
    expect(body.data._entities[1]).toMatchObject({ sub: known, calls: totals.get(known!)!.calls });
  });

  it("adds partnerUsage to the host graph's User with one ledger read for the batch", async () => {
    const subs = [...totals.keys()].slice(0, 300);
    const readsBefore = ledger.store.stats.reads;
    const body = await post(yoga, HOST_USERS, {
      representations: [...subs, '12345'].map((id) => ({ __typename: 'User', id })),
    });
    expect(body.errors).toBeUndefined();
    expect(ledger.store.stats.reads - readsBefore).toBe(1);
    for (const [index, sub] of subs.entries()) {
      const { calls, tweets } = totals.get(sub)!;
      expect(body.data._entities[index]).toEqual({ id: sub, partnerUsage: { sub, calls, tweets } });
    }
    expect(body.data._entities.at(-1)).toEqual({ id: '12345', partnerUsage: null });
  });

  it('keeps two 20-digit subs that differ only in the last digit apart', async () => {
    const long = [...totals.keys()].filter((sub) => sub.length === 20);
    const twins = long.filter((sub) => long.includes(sub.slice(0, 19) + String((Number(sub.at(-1)) + 1) % 10)));
    expect(twins.length).toBeGreaterThan(0);
    const a = twins[0]!;
    const b = a.slice(0, 19) + String((Number(a.at(-1)) + 1) % 10);
    const body = await post(yoga, PARTNER_USERS, {
      representations: [a, b].map((sub) => ({ __typename: 'PartnerUser', sub })),
    });
    expect(body.data._entities.map((entity: any) => entity.sub)).toEqual([a, b]);
    expect(body.data._entities.map((entity: any) => entity.calls)).toEqual([totals.get(a)!.calls, totals.get(b)!.calls]);
  });
});
