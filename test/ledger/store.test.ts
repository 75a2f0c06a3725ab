import { spawnSync } from 'node:child_process';
import { appendFile, cp, mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerConflictError, LedgerCorruptError, LedgerLockedError, LedgerReadOnlyError } from '../../src/ledger/errors.js';
import { FileLedgerStore, LEDGER_FILES } from '../../src/ledger/file-store.js';
import { ownerFileOf } from '../../src/ledger/lock.js';
import type { LedgerCommit } from '../../src/ledger/store.js';
import type { PartnerUsage } from '../../src/usage/model.js';
import { tempDir } from '../support/temp-dir.js';

const NOV_1 = Date.UTC(2026, 10, 1);
const HOUR = 3_600_000;

function user(sub: string, calls: number, tweets = 0, endpoint = '/v1/x/search'): PartnerUsage {
  return { sub, calls, discoveries: 0, tweets, byEndpoint: [{ endpoint, calls, discoveries: 0, tweets }] };
}

/** Pages of a made-up stream: page i ends at hour i of Nov 1 (i < 24), or later days beyond. */
function page(i: number, users: PartnerUsage[]): LedgerCommit {
  return { cursorBefore: i === 0 ? '0' : `${NOV_1 + (i - 1) * HOUR}-0`, cursorAfter: `${NOV_1 + i * HOUR}-0`, entries: 10, users };
}

describe('FileLedgerStore', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const open: FileLedgerStore[] = [];
  const openStore = async (options: Partial<Parameters<typeof FileLedgerStore.open>[0]> = {}, at = dir) => {
    const store = await FileLedgerStore.open({ dir: at, ...options });
    open.push(store);
    return store;
  };
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('ledger-test-'));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
    await cleanup();
  });

  it('keeps the cursor and the totals it produced across a clean restart (snapshot) and a crash (journal only)', async () => {
    const store = await openStore();
    await store.commit(page(0, [user('a', 1, 5), user('b', 2)]));
    await store.commit(page(1, [user('a', 3, 1, '/v1/x/user')]));
    // The disk as a kill -9 would leave it right now: no final snapshot, only the fsync'd journal.
    const crashed = await tempDir('ledger-test-');
    await cp(dir, crashed.dir, { recursive: true });
    await store.close();

    for (const at of [dir, crashed.dir]) {
      const reopened = await openStore({ readOnly: true }, at);
      expect(await reopened.position()).toMatchObject({ startCursor: '0', cursor: page(1, []).cursorAfter, entries: 20, pages: 2, users: 2 });
      const [a, b, nobody] = await reopened.getUsers(['a', 'b', 'c']);
      expect(a).toMatchObject({ sub: 'a', calls: 4, tweets: 6 });
      expect(a!.byEndpoint.map((e) => [e.endpoint, e.calls])).toEqual([['/v1/x/search', 1], ['/v1/x/user', 3]]);
      expect(b).toMatchObject({ calls: 2 });
      expect(nobody).toBeNull();
    }
    await crashed.cleanup();
  });

  it('compacts the journal into snapshots and recovers snapshot + the journal records after it', async () => {
    const store = await openStore({ snapshotEveryCommits: 2 });
    for (let i = 0; i < 5; i++) await store.commit(page(i, [user(`u${i % 2}`, i + 1)]));
    const crashed = await tempDir('ledger-test-');
    await cp(dir, crashed.dir, { recursive: true });
    // Five commits, snapshots after the second and fourth: the journal holds only the fifth.
    expect((await stat(join(dir, LEDGER_FILES.snapshot))).size).toBeGreaterThan(0);
    const journal = await readFile(join(dir, LEDGER_FILES.journal));
    expect(journal.length).toBeGreaterThan(0);
    expect(journal.toString('latin1')).toContain(page(4, []).cursorAfter);
    expect(journal.toString('latin1')).not.toContain(`"a":"${page(3, []).cursorAfter}"`);
    const reopened = await openStore({ readOnly: true }, crashed.dir);
    expect(await reopened.position()).toMatchObject({ pages: 5, entries: 50, cursor: page(4, []).cursorAfter });
    expect((await reopened.getUsers(['u0', 'u1'])).map((u) => u?.calls)).toEqual([1 + 3 + 5, 2 + 4]);
    await crashed.cleanup();
  });

  it('drops and truncates a torn journal tail, then appends after the last whole record', async () => {
    const store = await openStore();
    await store.commit(page(0, [user('a', 1)]));
    await store.commit(page(1, [user('a', 2)]));
    const crashed = await tempDir('ledger-test-');
    await cp(dir, crashed.dir, { recursive: true });
    // The crashed writer's lock, which nobody refreshes any more: stale.
    const dead = new Date(Date.now() - 60_000);
    await utimes(join(crashed.dir, LEDGER_FILES.lock), dead, dead);
    const journalFile = join(crashed.dir, LEDGER_FILES.journal);
    const whole = (await stat(journalFile)).size;
    // Half of a third record, as a crash during its write leaves it.
    const third = (await readFile(journalFile)).subarray(0, 40);
    await appendFile(journalFile, third);
    const recovered = await openStore({}, crashed.dir);
    expect((await stat(journalFile)).size).toBe(whole);
    expect(await recovered.position()).toMatchObject({ pages: 2, cursor: page(1, []).cursorAfter });
    await recovered.commit(page(2, [user('a', 4)]));
    await recovered.close();
    const again = await openStore({ readOnly: true }, crashed.dir);
    expect((await again.getUsers(['a']))[0]?.calls).toBe(7);
    await crashed.cleanup();
  });

  it('refuses a commit that does not start at the committed cursor, and one that would pass 2^53 - 1, leaving no trace', async () => {
    const store = await openStore();
    await store.commit(page(0, [user('a', Number.MAX_SAFE_INTEGER - 1)]));
    await expect(store.commit(page(2, [user('b', 1)]))).rejects.toBeInstanceOf(LedgerConflictError);
    await expect(store.commit(page(1, [user('b', 1), user('a', 5)]))).rejects.toMatchObject({ code: 'LEDGER_BAD_PAGE' });
    expect(await store.position()).toMatchObject({ pages: 1, users: 1 });
    expect(await store.getUsers(['a', 'b'])).toMatchObject([{ calls: Number.MAX_SAFE_INTEGER - 1 }, null]);
    await store.commit(page(1, [user('b', 1)]));
    expect(await store.position()).toMatchObject({ pages: 2, users: 2 });
  });

  it('refuses a second writer while the first lives, takes over a dead writer\'s lock, and opens read-only without the lock', async () => {
    const first = await openStore();
    await first.commit(page(0, [user('a', 1)]));
    const refused = FileLedgerStore.open({ dir });
    await expect(refused).rejects.toBeInstanceOf(LedgerLockedError);
    await expect(refused).rejects.toMatchObject({ code: 'LEDGER_LOCKED', pid: process.pid, message: expect.stringContaining('only one follower') });
    const reader = await openStore({ readOnly: true });
    expect(reader.writable).toBe(false);
    expect((await reader.getUsers(['a']))[0]?.calls).toBe(1);
    await expect(reader.commit(page(1, [user('a', 1)]))).rejects.toBeInstanceOf(LedgerReadOnlyError);
    await first.close();

    const lock = join(dir, LEDGER_FILES.lock);
    // A live process that is not this one holds the lock while it keeps refreshing it: refusing is
    // the safe answer, whatever its pid is, ours included (another container's pid 1 on the volume).
    await mkdir(lock);
    const refresh = setInterval(() => void utimes(lock, new Date(), new Date()), 100);
    try {
      await writeFile(ownerFileOf(lock), JSON.stringify({ pid: process.ppid, host: 'other-host' }));
      await expect(FileLedgerStore.open({ dir })).rejects.toMatchObject({ code: 'LEDGER_LOCKED', pid: process.ppid, host: 'other-host' });
      await writeFile(ownerFileOf(lock), JSON.stringify({ pid: process.pid, host: hostname() }));
      await expect(FileLedgerStore.open({ dir })).rejects.toMatchObject({ code: 'LEDGER_LOCKED', pid: process.pid });
    } finally {
      clearInterval(refresh);
    }
    // A dead writer's lock: nobody has refreshed it for longer than the stale time.
    await writeFile(ownerFileOf(lock), JSON.stringify({ pid: spawnSync(process.execPath, ['-e', '']).pid!, host: hostname() }));
    const dead = new Date(Date.now() - 60_000);
    await utimes(lock, dead, dead);
    const takeover = await openStore();
    expect(takeover.writable).toBe(true);
    expect(JSON.parse(await readFile(ownerFileOf(lock), 'utf8'))).toEqual({ pid: process.pid, host: hostname() });
    await takeover.commit(page(1, [user('a', 1)]));
  });

  it('refuses to open a snapshot that fails its checksum', async () => {
    const store = await openStore();
    await store.commit(page(0, [user('a', 1)]));
    await store.close();
    const file = join(dir, LEDGER_FILES.snapshot);
    const bytes = await readFile(file);
    bytes[bytes.indexOf('"a"') + 1] = 'b'.charCodeAt(0);
    await writeFile(file, bytes);
    await expect(FileLedgerStore.open({ dir })).rejects.toBeInstanceOf(LedgerCorruptError);
    // The refused open released its lock.
    await writeFile(file, bytes.toString().replace('"b"', '"a"'));
    expect((await openStore()).writable).toBe(true);
  });

  it('lists users in each order with exact 20-digit near-twins, pages by cursor, and sums day ranges', async () => {
    const store = await openStore();
    const twinA = '12345678901234567890';
    const twinB = '12345678901234567891';
    await store.commit(page(0, [user(twinB, 5, 1), user(twinA, 5, 2), user('100003', 2, 9)]));
    // A second day: only twinA and 100003 use it.
    await store.commit({ cursorBefore: page(0, []).cursorAfter, cursorAfter: `${NOV_1 + 30 * HOUR}-0`, entries: 1, users: [user(twinA, 1), user('100003', 7)] });
    const subs = async (orderBy: 'CALLS' | 'TWEETS' | 'SUB', range: { sinceDay: number | null; untilDay: number | null } | null = null) =>
      (await store.listUsers({ orderBy, first: 10, after: null, range })).users.map((u) => [u.user.sub, u.counts.calls]);
    expect(await subs('SUB')).toEqual([['100003', 9], [twinA, 6], [twinB, 5]]);
    expect(await subs('CALLS')).toEqual([['100003', 9], [twinA, 6], [twinB, 5]]);
    expect(await subs('TWEETS')).toEqual([['100003', 9], [twinA, 6], [twinB, 5]]);
    const day1 = NOV_1 / 86_400_000;
    // Ties in the range sort by sub: twinA before twinB, one digit apart and never merged.
    expect(await subs('CALLS', { sinceDay: day1, untilDay: day1 + 1 })).toEqual([[twinA, 5], [twinB, 5], ['100003', 2]]);
    expect(await subs('CALLS', { sinceDay: day1 + 1, untilDay: null })).toEqual([['100003', 7], [twinA, 1]]);
    const first = await store.listUsers({ orderBy: 'CALLS', first: 1, after: null, range: null });
    expect(first).toMatchObject({ totalCount: 3, hasNextPage: true });
    const rest = await store.listUsers({ orderBy: 'CALLS', first: 5, after: first.users[0]!.position, range: null });
    expect(rest.users.map((u) => u.user.sub)).toEqual([twinA, twinB]);
    expect(rest.hasNextPage).toBe(false);
  });
});
