import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/common/logger.js';
import { Lifecycle } from '../../src/edge/lifecycle.js';
import { createGateway } from '../../src/gateway.js';
import { storageErrorOf, LedgerDiskFullError, LedgerDiskReadOnlyError, LedgerPermissionDeniedError } from '../../src/ledger/errors.js';
import { FileLedgerStore, LEDGER_FILES, type CrashPoint } from '../../src/ledger/file-store.js';
import { startPartnerLedger, type RunningPartnerLedger } from '../../src/ledger/index.js';
import { GatewayMetrics } from '../../src/observability/metrics.js';
import { ArraysClient } from '../../src/providers/arrays/client.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { readinessOf } from '../../src/server.js';
import { startArraysSimulator, type ArraysSimulatorHandle } from '../../src/simulators/arrays.js';
import { UpstreamHttp } from '../../src/upstream/http.js';
import { eventually } from '../support/eventually.js';
import { tempDir } from '../support/temp-dir.js';
import { expectStoreEquals, replayStream } from './stream-replay.fixtures.js';

/** An errno error as node:fs raises it. */
function errnoError(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed, write '${path}'`), { code, errno: -28, syscall: 'write', path });
}

describe('storageErrorOf', () => {
  it('names each disk condition by its code, and leaves any other error alone', () => {
    const path = '/data/ledger.journal';
    const full = storageErrorOf(errnoError('ENOSPC', path), path);
    expect(full).toBeInstanceOf(LedgerDiskFullError);
    expect(full).toMatchObject({ code: 'LEDGER_DISK_FULL', path });
    expect(full!.message).toBe(`partner ledger: cannot write ${path}: no space left on the file system`);
    expect(storageErrorOf(errnoError('EDQUOT', path), path)?.code).toBe('LEDGER_DISK_FULL');
    expect(storageErrorOf(errnoError('EROFS', path), path)).toBeInstanceOf(LedgerDiskReadOnlyError);
    expect(storageErrorOf(errnoError('EACCES', path), path)).toBeInstanceOf(LedgerPermissionDeniedError);
    expect(storageErrorOf(errnoError('EPERM', path), path)?.code).toBe('LEDGER_PERMISSION_DENIED');
    expect(storageErrorOf(errnoError('EIO', path), path)).toBeNull();
    expect(storageErrorOf(new Error('a bug'), path)).toBeNull();
  });
});

/**
 * The journal's writes fail as a full (or read-only) disk makes them fail: after the bytes went out,
 * before the fsync, so the store must also cut the partial record off. No real full disk needed.
 */
describe('a ledger whose disk cannot be written', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sim: ArraysSimulatorHandle;
  let http: UpstreamHttp;
  let probe: Server | undefined;
  const running: RunningPartnerLedger[] = [];
  const disk: { failWith: string | null; failures: number; snapshotFailWith: string | null } = { failWith: null, failures: 0, snapshotFailWith: null };
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
  const logged = () => lines.map((line) => JSON.parse(line) as { level: string; message: string; code?: string });

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('ledger-test-'));
    sim = await startArraysSimulator({ entries: 3000, subs: 40 });
    http = new UpstreamHttp({ timeoutMs: 3000 });
    disk.failWith = null;
    disk.failures = 0;
    disk.snapshotFailWith = null;
    lines.length = 0;
  });
  afterEach(async () => {
    for (const ledger of running.splice(0)) await ledger.close();
    await new Promise<void>((resolve) => (probe ? probe.close(() => resolve()) : resolve()));
    probe = undefined;
    await http.close();
    await sim.close();
    await cleanup();
  });

  async function follow(metrics: GatewayMetrics, snapshotEveryCommits?: number): Promise<RunningPartnerLedger> {
    const client = new ArraysClient({ baseUrl: sim.baseUrl, credential: sim.credential, http });
    const ledger = await startPartnerLedger({
      dir,
      startCursor: '0',
      pollIntervalMs: 20,
      source: (from, count) => client.fetchPackedPartnerPage(from, count),
      logger,
      follower: { pageSize: 250, backoffBaseMs: 5, backoffMaxMs: 20 },
      observer: metrics.ledgerObserver,
      store: {
        ...(snapshotEveryCommits === undefined ? {} : { snapshotEveryCommits }),
        onCrashPoint: (point: CrashPoint) => {
          if (point === 'mid-snapshot' && disk.snapshotFailWith !== null) throw errnoError(disk.snapshotFailWith, `${dir}/${LEDGER_FILES.snapshotTemp}`);
          if (point !== 'after-journal-write' || disk.failWith === null) return;
          disk.failures += 1;
          throw errnoError(disk.failWith, `${dir}/ledger.journal`);
        },
      },
    });
    running.push(ledger);
    return ledger;
  }

  async function lastErrorOf(ledger: RunningPartnerLedger): Promise<{ code: string; message: string }> {
    const registry = createProviderRegistry({ ARRAYS: { baseUrl: sim.baseUrl, credential: sim.credential, simulated: true } }, http);
    const response = await createGateway({ registry, logger, ledger }).fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ partnerLedger { lastError { code message } consecutiveFailures } }' }),
    });
    const body = (await response.json()) as { data: { partnerLedger: { lastError: { code: string; message: string } } } };
    return body.data.partnerLedger.lastError;
  }

  async function ready(ledger: RunningPartnerLedger): Promise<{ status: number; body: unknown }> {
    const lifecycle = new Lifecycle(() => readinessOf(ledger));
    probe = createServer(lifecycle.wrap((_req, res) => res.writeHead(404).end()));
    await new Promise<void>((resolve) => probe!.listen(0, '127.0.0.1', resolve));
    const response = await fetch(`http://127.0.0.1:${(probe.address() as AddressInfo).port}/ready`);
    const body: unknown = await response.json();
    await new Promise<void>((resolve) => probe!.close(() => resolve()));
    probe = undefined;
    return { status: response.status, body };
  }

  async function metric(metrics: GatewayMetrics, line: RegExp): Promise<number | null> {
    const { body } = await metrics.exposition();
    const found = body.split('\n').find((text) => line.test(text));
    return found === undefined ? null : Number(found.split(' ').pop());
  }

  it('stalls with LEDGER_DISK_FULL (lastError, /ready still 200, metric, one warning), then resumes on its own with exact totals', async () => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    const ledger = await follow(metrics);
    await eventually(async () => (await ledger.store.position()).entries > 0, { withinMs: 10_000, what: 'a first commit' });
    disk.failWith = 'ENOSPC';
    await eventually(() => ledger.status().consecutiveFailures >= 5, { withinMs: 10_000, what: 'five failed commits' });
    const stuckAt = (await ledger.store.position()).entries;
    expect(stuckAt).toBeLessThan(3000);

    const status = ledger.status();
    expect(status.stalled).toBe(true);
    expect(status.lastError?.code).toBe('LEDGER_DISK_FULL');
    // The operator's words name the file; the client's do not.
    expect(status.lastError?.message).toContain(`${dir}/ledger.journal`);
    const forClients = await lastErrorOf(ledger);
    expect(forClients.code).toBe('LEDGER_DISK_FULL');
    expect(forClients.message).toMatch(/disk .* is full.*resumes on its own/);
    expect(JSON.stringify(forClients)).not.toContain(dir);

    expect(await ready(ledger)).toEqual({ status: 200, body: { status: 'ready', components: { config: 'ok', ledger: 'stalled', draining: false } } });
    expect(await metric(metrics, /^usage_gateway_ledger_stalled /)).toBe(1);
    expect(await metric(metrics, /^usage_gateway_ledger_follower_failures_total\{code="LEDGER_DISK_FULL"\}/)).toBeGreaterThanOrEqual(5);

    const warnings = () => logged().filter((line) => line.message.startsWith('partner ledger: stalled'));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({ level: 'warn', code: 'LEDGER_DISK_FULL' });
    // Each retry failed, and none was logged again.
    expect(logged().filter((line) => line.level === 'error' && line.message.includes('page rejected'))).toEqual([]);
    expect((await ledger.store.position()).entries).toBe(stuckAt);

    disk.failWith = null;
    await eventually(async () => ledger.status().caughtUp && (await ledger.store.position()).entries === 3000, { withinMs: 20_000, what: 'catch-up after space returned' });
    expect(ledger.status().stalled).toBe(false);
    expect(ledger.status().consecutiveFailures).toBe(0);
    expect(await ready(ledger)).toMatchObject({ status: 200, body: { components: { ledger: 'recovered' } } });
    expect(await metric(metrics, /^usage_gateway_ledger_stalled /)).toBe(0);
    expect(warnings()).toHaveLength(1);
    expect(logged().filter((line) => line.message.startsWith('partner ledger: writing again'))).toHaveLength(1);
    await expectStoreEquals(ledger.store, replayStream(sim));

    // And after a restart, from the files alone: no partial record survived the failed writes.
    await ledger.close();
    running.length = 0;
    const reopened = await FileLedgerStore.open({ dir, readOnly: true });
    try {
      await expectStoreEquals(reopened, replayStream(sim));
      expect((await reopened.position()).entries).toBe(3000);
    } finally {
      await reopened.close();
    }
  });

  it('warns once per change of condition: full, then read-only, then permission', async () => {
    const metrics = new GatewayMetrics({ processMetrics: false });
    const ledger = await follow(metrics);
    await eventually(async () => (await ledger.store.position()).entries > 0, { withinMs: 10_000, what: 'a first commit' });
    for (const [errno, code] of [
      ['ENOSPC', 'LEDGER_DISK_FULL'],
      ['EROFS', 'LEDGER_DISK_READ_ONLY'],
      ['EACCES', 'LEDGER_PERMISSION_DENIED'],
    ] as const) {
      const before = disk.failures;
      disk.failWith = errno;
      await eventually(() => disk.failures >= before + 3 && ledger.status().lastError?.code === code, { withinMs: 10_000, what: `three failures with ${errno}` });
      expect((await lastErrorOf(ledger)).code).toBe(code);
    }
    const warnings = logged().filter((line) => line.message.startsWith('partner ledger: stalled'));
    expect(warnings.map((line) => line.code)).toEqual(['LEDGER_DISK_FULL', 'LEDGER_DISK_READ_ONLY', 'LEDGER_PERMISSION_DENIED']);
    disk.failWith = null;
    await eventually(() => !ledger.status().stalled, { withinMs: 10_000, what: 'resume' });
    expect(await metric(metrics, /^usage_gateway_ledger_stalled /)).toBe(0);
  });

  it('removes a snapshot that failed half-way, so that it does not keep the space the journal needs, and goes on committing', async () => {
    disk.snapshotFailWith = 'ENOSPC';
    const ledger = await follow(new GatewayMetrics({ processMetrics: false }), 1);
    await eventually(async () => ledger.status().caughtUp && (await ledger.store.position()).entries === 3000, { withinMs: 20_000, what: 'catch-up' });
    expect(existsSync(join(dir, LEDGER_FILES.snapshotTemp))).toBe(false);
    expect(existsSync(join(dir, LEDGER_FILES.snapshot))).toBe(false);
    expect(logged().filter((line) => line.message.startsWith('partner ledger: snapshot failed')).length).toBeGreaterThan(0);
    // Snapshots failing stall nothing: every commit is in the journal.
    expect(ledger.status().stalled).toBe(false);
    await expectStoreEquals(ledger.store, replayStream(sim));
    // Space back: the snapshot on close succeeds.
    disk.snapshotFailWith = null;
  });
});
