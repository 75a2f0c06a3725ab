import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway.js';
import { startPartnerLedger, type PartnerLedgerOptions, type RunningPartnerLedger } from '../../src/ledger/index.js';
import { createLogger } from '../../src/common/logger.js';
import { ArraysClient } from '../../src/providers/arrays/client.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { startArraysSimulator, type ArraysSimulatorHandle } from '../../src/simulators/arrays.js';
import { UpstreamHttp } from '../../src/upstream/http.js';
import { tempDir } from '../support/temp-dir.js';
import { eventually } from '../support/eventually.js';

/** `partnerLedger.lastError` is for clients: what it must never carry of the process it came from. */
describe('partnerLedger.lastError', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sim: ArraysSimulatorHandle;
  let http: UpstreamHttp;
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const running: RunningPartnerLedger[] = [];

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('ledger-test-'));
    sim = await startArraysSimulator({ entries: 300, subs: 20 });
    http = new UpstreamHttp({ timeoutMs: 3000 });
    logs.length = 0;
  });
  afterEach(async () => {
    for (const ledger of running.splice(0)) await ledger.close();
    await http.close();
    await sim.close();
    await cleanup();
  });

  async function follow(source?: PartnerLedgerOptions['source']): Promise<RunningPartnerLedger> {
    const client = new ArraysClient({ baseUrl: sim.baseUrl, credential: sim.credential, http });
    const ledger = await startPartnerLedger({
      dir,
      startCursor: '0',
      pollIntervalMs: 20,
      source: source ?? ((from, count) => client.fetchPackedPartnerPage(from, count)),
      logger,
      follower: { backoffBaseMs: 10, backoffMaxMs: 50 },
    });
    running.push(ledger);
    return ledger;
  }

  async function lastErrorOf(ledger: RunningPartnerLedger): Promise<{ code: string; message: string }> {
    const registry = createProviderRegistry({ ARRAYS: { baseUrl: sim.baseUrl, credential: sim.credential, simulated: true } }, http);
    const response = await createGateway({ registry, logger, ledger }).fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ partnerLedger { lastError { code message } } }' }),
    });
    const body = (await response.json()) as { data: { partnerLedger: { lastError: { code: string; message: string } } } };
    return body.data.partnerLedger.lastError;
  }

  function expectNothingInternal(text: string): void {
    expect(text).not.toContain(dir);
    expect(text).not.toContain('ledger.lock');
    expect(text).not.toMatch(new RegExp(`\\b${process.pid}\\b`));
    expect(text).not.toContain(hostname());
    expect(text).not.toMatch(/127\.0\.0\.1|:\d{2,5}\b/);
  }

  it('names the lock held by another follower by its code, without the lock path, pid or host, which only the log has', async () => {
    const first = await follow();
    await eventually(() => first.status().caughtUp, { withinMs: 10_000, everyMs: 10, what: 'catch-up' });
    const second = await follow();
    const error = await lastErrorOf(second);
    expect(error).toEqual({ code: 'LEDGER_LOCKED', message: 'Another gateway follows this ledger; this one serves its totals read-only.' });
    expectNothingInternal(JSON.stringify(error));
    expect(logs.some((line) => line.includes('LEDGER_LOCKED') && line.includes(dir) && line.includes(`process ${process.pid}`))).toBe(true);
  });

  it('masks an I/O error (an errno code, a path) as INTERNAL_SERVER_ERROR, and an unreachable vendor without its address', async () => {
    const ioError = Object.assign(new Error(`EACCES: permission denied, open '${dir}/ledger.journal'`), { code: 'EACCES' });
    const failing = await follow(() => Promise.reject(ioError));
    await eventually(() => failing.status().consecutiveFailures >= 1, { withinMs: 5000, everyMs: 10, what: 'a failure' });
    const error = await lastErrorOf(failing);
    expect(error).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' });
    expectNothingInternal(JSON.stringify(error));
    await failing.close();
    running.length = 0;

    await sim.close();
    const refused = await follow();
    await eventually(() => refused.status().consecutiveFailures >= 1, { withinMs: 5000, everyMs: 10, what: 'a failure' });
    expect(refused.status().lastError?.message).toContain('ECONNREFUSED');
    const unreachable = await lastErrorOf(refused);
    expect(unreachable.code).toBe('UPSTREAM_UNAVAILABLE');
    expectNothingInternal(JSON.stringify(unreachable));
  });
});
