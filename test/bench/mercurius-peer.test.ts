import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../../bench/lib/load.js';
import { PEERS, peerEnv } from '../../bench/lib/peers.js';
import { killAll, startService, type Service } from '../../bench/lib/processes.js';
import { graphqlBody, OVERVIEW_QUERY } from '../../bench/lib/queries.js';
import { compareOverviewAnswers } from '../../bench/lib/same-data.js';
import { SimulatorsClient } from '../../bench/lib/simulators.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = (path: string) => join(root, path);

/**
 * The Mercurius peer as the bench runs it, against the bench's simulators: it starts, answers the
 * overview with the data ours answers, and its cache is what spares the vendors (no load here).
 */
describe('the Mercurius peer', () => {
  let sims: SimulatorsClient;
  let ours: Service;
  let cached: Service;
  let shipped: Service;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-mercurius-test-'));
  const body = graphqlBody(OVERVIEW_QUERY);

  beforeAll(async () => {
    sims = SimulatorsClient.of(await startService('simulators', here('bench/services/simulators.ts'), {}));
    const env = sims.gatewayEnv();
    [ours, cached, shipped] = await Promise.all([
      startService('ours', here('src/main.ts'), {
        ...env,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        DATA_DIR: dataDir,
        ARRAYS_POLL_INTERVAL_MS: '86400000',
        HISTORY_SAMPLE_INTERVAL_SECONDS: '86400',
      }),
      startService(PEERS.mercurius.targets.cached, here(PEERS.mercurius.script), { ...env, ...peerEnv('cached') }),
      startService(PEERS.mercurius.targets['as-shipped'], here(PEERS.mercurius.script), { ...env, ...peerEnv('as-shipped') }),
    ]);
  }, 180_000);

  afterAll(() => {
    killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the overview with the data ours answers, cached and as shipped', async () => {
    const oursText = (await post(ours, body)).text;
    const answers = { cached: (await post(cached, body)).text, shipped: (await post(shipped, body)).text };
    const { same, differences } = compareOverviewAnswers(oursText, { ourShape: answers, meshShape: {} });
    expect(differences).toEqual({});
    expect(same).toEqual({ cached: true, shipped: true });
  });

  it('calls no vendor for a warm overview with its cache on, and every endpoint once without', async () => {
    // Ours reads the Arrays stream as its ledger catches up: those calls would count as the peer's.
    await ours.stop();
    await post(cached, body);
    await sims.resetHits();
    for (let i = 0; i < 3; i += 1) expect((await post(cached, body)).status).toBe(200);
    expect(await sims.hits()).toEqual({ arrays: 0, anylayer: 0, sharpe: 0, faraday: 0 });

    await post(shipped, body);
    await sims.resetHits();
    for (let i = 0; i < 3; i += 1) expect((await post(shipped, body)).status).toBe(200);
    // Four vendors, Faraday's account two endpoints: five calls a query.
    expect(await sims.hits()).toEqual({ arrays: 3, anylayer: 3, sharpe: 3, faraday: 6 });
  });
});
