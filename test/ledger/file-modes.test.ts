import { chmod, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileLedgerStore, LEDGER_FILES } from '../../src/ledger/file-store.js';
import { tempDir } from '../support/temp-dir.js';

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('the ledger files are private to the gateway user', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let umask: number;
  beforeEach(async () => {
    ({ dir: root, cleanup } = await tempDir('ledger-test-'));
    // The usual umask, under which default modes give group and others read access.
    umask = process.umask(0o022);
  });
  afterEach(async () => {
    process.umask(umask);
    await cleanup();
  });

  it('creates DATA_DIR 0700, and the journal, the snapshot and the lock without any access for group or others', async () => {
    const dir = join(root, 'data', 'ledger');
    const store = await FileLedgerStore.open({ dir, snapshotEveryCommits: 1 });
    expect(await modeOf(dir)).toBe(0o700);
    expect((await modeOf(join(dir, LEDGER_FILES.lock))) & 0o077).toBe(0);
    await store.commit({ cursorBefore: '0', cursorAfter: '1700000000000-0', entries: 1, users: [{ sub: 'a', calls: 1, discoveries: 0, tweets: 0, byEndpoint: [] }] });
    await store.commit({ cursorBefore: '1700000000000-0', cursorAfter: '1700000000001-0', entries: 1, users: [{ sub: 'a', calls: 1, discoveries: 0, tweets: 0, byEndpoint: [] }] });
    expect(await modeOf(join(dir, LEDGER_FILES.journal))).toBe(0o600);
    expect(await modeOf(join(dir, LEDGER_FILES.snapshot))).toBe(0o600);
    await store.close();
  });

  it('tightens a journal and a snapshot an earlier version left readable to all', async () => {
    const store = await FileLedgerStore.open({ dir: root });
    await store.commit({ cursorBefore: '0', cursorAfter: '1700000000000-0', entries: 1, users: [{ sub: 'a', calls: 1, discoveries: 0, tweets: 0, byEndpoint: [] }] });
    await store.close();
    await chmod(join(root, LEDGER_FILES.journal), 0o644);
    await chmod(join(root, LEDGER_FILES.snapshot), 0o644);
    const reopened = await FileLedgerStore.open({ dir: root });
    expect(await modeOf(join(root, LEDGER_FILES.journal))).toBe(0o600);
    expect(await modeOf(join(root, LEDGER_FILES.snapshot))).toBe(0o600);
    await reopened.close();
  });
});
