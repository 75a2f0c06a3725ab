import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/common/logger.js';
import { createAlertRetention } from '../../../src/monitoring/alerts/alert-retention.js';
import { startAlertingService } from '../../../src/monitoring/alerts/alerting-service.js';
import { FileAlertStore } from '../../../src/monitoring/alerts/file-alert-store.js';
import { FileHistoryStore } from '../../../src/monitoring/file-history-store.js';
import { alertKey, type AlertEvent } from '../../../src/usage/alert-evaluation.js';
import { DAY, tempDataDir } from '../support.js';

const START = Date.UTC(2026, 4, 10, 12);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function recordingLogger(): Logger & { warnings: [string, Record<string, unknown> | undefined][] } {
  const warnings: [string, Record<string, unknown> | undefined][] = [];
  return { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (message, fields) => void warnings.push([message, fields]), warnings };
}

describe('alert retention', () => {
  it('prunes at the first call, then once a day, before the retention days', async () => {
    let now = START;
    const cutoffs: number[] = [];
    const retention = createAlertRetention({ store: { prune: async (before) => void cutoffs.push(before) }, retentionDays: 30, now: () => now });
    await retention.pruneIfDue();
    await retention.pruneIfDue();
    now = START + DAY - 1;
    await retention.pruneIfDue();
    expect(cutoffs).toEqual([START - 30 * DAY]);
    now = START + DAY;
    await retention.pruneIfDue();
    expect(cutoffs).toEqual([START - 30 * DAY, START - 29 * DAY]);
  });

  it('logs a failed prune without rejecting, and tries again a day later', async () => {
    let now = START;
    let calls = 0;
    const logger = recordingLogger();
    const failing = Object.assign(new Error('disk full'), { code: 'ALERT_STORE_UNAVAILABLE' });
    const retention = createAlertRetention({
      store: {
        prune: async () => {
          calls += 1;
          throw failing;
        },
      },
      retentionDays: 30,
      now: () => now,
      logger,
    });
    await expect(retention.pruneIfDue()).resolves.toBeUndefined();
    expect(logger.warnings).toEqual([[expect.stringContaining('pruning old alert events failed'), { condition: 'ALERT_STORE_UNAVAILABLE', reason: 'disk full' }]]);
    now += DAY / 2;
    await retention.pruneIfDue();
    expect(calls).toBe(1);
    now += DAY / 2;
    await retention.pruneIfDue();
    expect(calls).toBe(2);
  });
});

function fired(threshold: number): AlertEvent {
  return {
    key: alertKey(`utilization-${threshold}`, 'quota:monthly_requests', threshold, 0, 1000),
    ruleId: `utilization-${threshold}`,
    provider: 'SHARPE',
    series: 'quota:monthly_requests',
    threshold,
    period: 0,
    limit: 1000,
    kind: 'FIRED',
    at: START,
    value: threshold * 10,
  };
}

/** A DATA_DIR whose alert journal holds a resolved alert recorded `age` ago, and one still firing. */
async function dataDirWithOldEvents(age: number): Promise<{ dir: string; history: FileHistoryStore }> {
  const { dir, cleanup } = await tempDataDir();
  cleanups.push(cleanup);
  const seed = await FileAlertStore.open({ dataDir: dir, now: () => START - age });
  await seed.record([fired(80), fired(90), { ...fired(80), kind: 'RESOLVED', reason: 'PERIOD_RESET' }]);
  await seed.close();
  const history = await FileHistoryStore.open({ dataDir: dir, now: () => START });
  cleanups.push(() => history.close());
  return { dir, history };
}

describe('the alerting service', () => {
  it('on the history leader, prunes at start with HISTORY_RETENTION_DAYS and keeps what fires', async () => {
    const { dir, history } = await dataDirWithOldEvents(31 * DAY);
    expect(await history.tryLead()).toBe(true);
    const service = await startAlertingService({ rules: { path: null, rules: [], webhooks: [] }, history, retentionDays: 30, dataDir: dir, database: null, now: () => START });
    cleanups.push(() => service.close());
    // close waits for the prune begun at start; a second service reads what it left.
    await service.close();
    const after = await startAlertingService({ rules: { path: null, rules: [], webhooks: [] }, history, retentionDays: 30, dataDir: dir, database: null, now: () => START });
    cleanups.push(() => after.close());
    expect((await after.queries.events({ after: null, first: 10 })).events.map((e) => [e.threshold, e.kind])).toEqual([[90, 'FIRED']]);
    expect((await after.queries.firing()).map((e) => e.threshold)).toEqual([90]);
  });

  it('keeps events younger than the retention, and prunes again after the evaluation a day later', async () => {
    const { dir, history } = await dataDirWithOldEvents(29 * DAY);
    expect(await history.tryLead()).toBe(true);
    let now = START;
    const service = await startAlertingService({ rules: { path: null, rules: [], webhooks: [] }, history, retentionDays: 30, dataDir: dir, database: null, now: () => now });
    cleanups.push(() => service.close());
    await service.evaluator.evaluate();
    expect((await service.queries.events({ after: null, first: 10 })).events.length).toBe(3);
    now = START + DAY / 2;
    await service.evaluator.evaluate();
    now = START + 2 * DAY;
    expect((await service.queries.events({ after: null, first: 10 })).events.length).toBe(3);
    await service.evaluator.evaluate();
    expect((await service.queries.events({ after: null, first: 10 })).events.map((e) => e.threshold)).toEqual([90]);
  });

  it('does not prune on an instance that does not lead the history', async () => {
    const { dir, history } = await dataDirWithOldEvents(31 * DAY);
    expect(history.isLeader).toBe(false);
    const service = await startAlertingService({ rules: { path: null, rules: [], webhooks: [] }, history, retentionDays: 30, dataDir: dir, database: null, now: () => START });
    cleanups.push(() => service.close());
    await service.close();
    const reader = await FileAlertStore.open({ dataDir: dir });
    cleanups.push(() => reader.close());
    expect((await reader.list({ after: null, first: 10 })).events.length).toBe(3);
  });
});
