import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileWebhookOutbox, OUTBOX_FILES } from '../../../../src/monitoring/alerts/webhooks/file-outbox.js';
import type { NewWebhookMessage, WebhookOutbox } from '../../../../src/monitoring/alerts/webhooks/outbox-types.js';
import { PgWebhookOutbox } from '../../../../src/monitoring/alerts/webhooks/postgres-outbox.js';
import { postgresInstalled, postgresSuite, startPostgres, type PostgresServer } from '../../../support/postgres-server.js';
import { tempDir } from '../../../support/temp-dir.js';

/**
 * What every webhook outbox must do, against the embedded files and PostgreSQL alike: idempotent
 * enqueue per (endpoint, webhook-id), due order, claims that one worker wins, rescheduling,
 * finishing, disabled endpoints, pruning, and all of it surviving a reopen.
 */

const T0 = Date.UTC(2026, 4, 1);
const message = (endpointId: string, webhookId: string, createdAt = T0): NewWebhookMessage => ({
  endpointId,
  webhookId,
  type: 'alert.fired',
  body: JSON.stringify({ type: 'alert.fired', n: webhookId }),
  createdAt,
});
const ALL = new Set(['a', 'b']);

interface Subject {
  open(): Promise<WebhookOutbox>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function contract(name: string, subject: () => Promise<Subject>) {
  describe(name, () => {
    const opened = async (s: Subject) => {
      const outbox = await s.open();
      cleanups.push(() => outbox.close());
      return outbox;
    };

    it('enqueues each (endpoint, webhook-id) once, whoever enqueues it and however often, and keeps it across a reopen', async () => {
      const s = await subject();
      const outbox = await opened(s);
      await outbox.enqueue([message('a', 'msg_1'), message('b', 'msg_1'), message('a', 'msg_1')]);
      await outbox.enqueue([{ ...message('a', 'msg_1', T0 + 5), body: 'other' }, message('a', 'msg_2', T0 + 1)]);
      const due = await outbox.due(T0 + 10, 10, ALL);
      expect(due.map((m) => [m.endpointId, m.webhookId, m.attempts, m.status, m.claimedUntil])).toEqual([
        ['a', 'msg_1', 0, 'pending', null],
        ['b', 'msg_1', 0, 'pending', null],
        ['a', 'msg_2', 0, 'pending', null],
      ]);
      expect(due[0]!.body).toBe(message('a', 'msg_1').body);
      expect(await outbox.pending()).toEqual(new Map([['a', { count: 2, oldestCreatedAt: T0 }], ['b', { count: 1, oldestCreatedAt: T0 }]]));
      expect((await outbox.due(T0 + 10, 10, new Set(['b']))).map((m) => m.endpointId)).toEqual(['b']);
      expect(await outbox.due(T0 - 1, 10, ALL)).toEqual([]);
      await outbox.close();
      const again = await opened(s);
      expect((await again.due(T0 + 10, 10, ALL)).map((m) => m.webhookId)).toEqual(['msg_1', 'msg_1', 'msg_2']);
    });

    it('claims a message for one attempt: one claimer wins, the lease hides it, a reschedule or a finish ends it', async () => {
      const s = await subject();
      const outbox = await opened(s);
      await outbox.enqueue([message('a', 'msg_1'), message('a', 'msg_2')]);
      const [first, second] = await Promise.all([outbox.claim('a', 'msg_1', T0, T0 + 20_000), outbox.claim('a', 'msg_1', T0, T0 + 20_000)]);
      expect([first, second].filter((claim) => claim !== null)).toHaveLength(1);
      expect((first ?? second)!).toMatchObject({ attempts: 1, claimedUntil: T0 + 20_000 });
      expect((await outbox.due(T0 + 1, 10, ALL)).map((m) => m.webhookId)).toEqual(['msg_2']);
      expect(await outbox.nextDue(ALL)).toBe(T0);
      await outbox.reschedule('a', 'msg_1', T0 + 60_000);
      expect((await outbox.due(T0 + 59_999, 10, ALL)).map((m) => m.webhookId)).toEqual(['msg_2']);
      expect((await outbox.due(T0 + 60_000, 10, ALL)).map((m) => [m.webhookId, m.attempts])).toEqual([['msg_2', 0], ['msg_1', 1]]);
      await outbox.finish('a', 'msg_2', 'delivered', T0 + 100);
      expect(await outbox.claim('a', 'msg_2', T0 + 200, T0 + 300)).toBeNull();
      expect(await outbox.nextDue(ALL)).toBe(T0 + 60_000);
      expect(await outbox.nextDue(new Set(['b']))).toBeNull();
      expect(await outbox.pending()).toEqual(new Map([['a', { count: 1, oldestCreatedAt: T0 }]]));
      // A finished message still makes its enqueue a no-op until pruned.
      await outbox.enqueue([message('a', 'msg_2')]);
      expect(await outbox.pending()).toEqual(new Map([['a', { count: 1, oldestCreatedAt: T0 }]]));
      await outbox.prune(T0 + 101);
      await outbox.enqueue([message('a', 'msg_2', T0 + 500)]);
      expect((await outbox.pending()).get('a')).toEqual({ count: 2, oldestCreatedAt: T0 });
    });

    it('keeps disabled endpoints with their URL, across a reopen, until enabled again', async () => {
      const s = await subject();
      const outbox = await opened(s);
      await outbox.setDisabled('a', { url: 'https://a.example/hook', at: T0 });
      await outbox.setDisabled('b', { url: 'https://b.example/hook', at: T0 + 1 });
      await outbox.setDisabled('b', null);
      await outbox.close();
      const again = await opened(s);
      expect(await again.disabledEndpoints()).toEqual(new Map([['a', { url: 'https://a.example/hook', at: T0 }]]));
    });
  });
}

contract('the embedded webhook outbox', async () => {
  const { dir, cleanup } = await tempDir('outbox-test-');
  cleanups.push(cleanup);
  return { open: () => FileWebhookOutbox.open({ dataDir: dir }) };
});

describe('the embedded webhook outbox, on its own', () => {
  it('cuts a torn last line off, voids the claims of a process that died, and refuses a second owner', async () => {
    const { dir, cleanup } = await tempDir('outbox-test-');
    cleanups.push(cleanup);
    const outbox = await FileWebhookOutbox.open({ dataDir: dir });
    await outbox.enqueue([message('a', 'msg_1')]);
    expect(await outbox.claim('a', 'msg_1', T0, T0 + 20_000)).not.toBeNull();
    await expect(FileWebhookOutbox.open({ dataDir: dir })).rejects.toMatchObject({ code: 'WEBHOOK_OUTBOX_LOCKED' });
    await outbox.close();
    const journal = join(dir, OUTBOX_FILES.dir, OUTBOX_FILES.journal);
    await appendFile(journal, '{"m":{"endpointId":"a","webhookId":"msg_2"');
    const again = await FileWebhookOutbox.open({ dataDir: dir });
    cleanups.push(() => again.close());
    expect((await readFile(journal, 'utf8')).endsWith('\n')).toBe(true);
    expect((await again.due(T0, 10, ALL)).map((m) => [m.webhookId, m.attempts, m.claimedUntil])).toEqual([['msg_1', 1, null]]);
    await again.enqueue([message('a', 'msg_3')]);
    expect((await again.pending()).get('a')?.count).toBe(2);
  });
});

describe.skipIf(!postgresInstalled)(postgresSuite('the PostgreSQL webhook outbox'), () => {
  let server: PostgresServer;
  let databases = 0;
  beforeAll(async () => {
    server = await startPostgres('outbox');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });
  contract('against one database per test', async () => {
    const url = await server.createDatabase(`outbox_${++databases}`);
    return { open: () => PgWebhookOutbox.open({ url, password: null }) };
  });
});
