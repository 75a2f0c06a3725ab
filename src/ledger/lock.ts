import { chmod, mkdir, readFile, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import { LedgerLockedError, LedgerLockLostError } from './errors.js';
import { LEDGER_DIR_MODE, LEDGER_FILE_MODE } from './file-modes.js';

/**
 * The single-writer lock: a directory made with mkdir (atomic on every file system, NFS included)
 * whose mtime its holder refreshes (proper-lockfile). Liveness is that refresh, not a pid: a pid
 * means nothing across hosts, or across containers on one volume that are each pid 1. A lock
 * whose mtime is older than `staleMs` was left by a writer that died, and is taken over.
 */

/** Options of the ledger's writer lock. */
export interface LedgerLockOptions {
  /**
   * A lock not refreshed for this long is a dead writer's and is taken over, ms. Default 10000;
   * at least 2000 (proper-lockfile's floor). A restart after a crash waits up to this long.
   */
  staleMs?: number;
  /** How often the holder refreshes the lock, ms. Default 2000; from 1000 to staleMs / 2. */
  updateMs?: number;
}

const DEFAULTS = { staleMs: 10_000, updateMs: 2_000 };

/** How often a refused starter looks at the lock's mtime again, ms: the wait after a crash ends within this of the stale time. */
const POLL_MS = 100;

/** A takeover guard older than this was left by a starter that died inside its few milliseconds. */
const GUARD_STALE_MS = 5_000;

/**
 * Runs `attempt` while holding `<lock>.takeover` (another mkdir lock), so that only one starter at
 * a time may judge the lock stale. Without it, proper-lockfile's stale takeover races: two starters
 * both see the dead writer's lock, the first removes it and makes its own, and the second then
 * removes that fresh lock and makes another — two writers (CI saw it with four racing starters).
 */
async function withTakeoverGuard<T>(file: string, attempt: () => Promise<T>): Promise<T> {
  const guard = `${file}.takeover`;
  for (;;) {
    try {
      await mkdir(guard, { mode: LEDGER_DIR_MODE });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const mtimeMs = await stat(guard).then((stats) => stats.mtimeMs, () => null);
    if (mtimeMs !== null && Date.now() - mtimeMs > GUARD_STALE_MS) await rmdir(guard).catch(() => undefined);
    else await new Promise((done) => setTimeout(done, 5 + Math.random() * 10));
  }
  try {
    return await attempt();
  } finally {
    await rmdir(guard).catch(() => undefined);
  }
}

/** Locks this process holds: a second store here is refused at once, without watching the mtime. */
const held = new Set<string>();

export interface LedgerLock {
  readonly file: string;
  /**
   * Calls `listener` once if the lock is lost: its refresh failed for longer than `staleMs` (a
   * stalled process, a lost volume) or another process took it over. From then on this process
   * must not write. Called at once when the lock is already lost.
   */
  onLost(listener: (error: LedgerLockLostError) => void): void;
  release(): Promise<void>;
}

/** Who holds a lock, as its holder wrote next to it (for the refusal's message; never trusted for liveness). */
interface LockOwner {
  pid: number;
  host: string;
}

/** The file beside the lock naming its holder; beside, since a write inside would change the lock's mtime. */
export function ownerFileOf(lockFile: string): string {
  return `${lockFile}.owner`;
}

/**
 * Takes the lock at `path` or throws LedgerLockedError. A lock held by a live writer is refused as
 * soon as its holder is seen refreshing it (within `updateMs`); a lock nobody refreshes is waited
 * for until it is stale and then taken, so a restart after a crash resumes writing by itself.
 */
export async function acquireLock(path: string, options: LedgerLockOptions = {}): Promise<LedgerLock> {
  const file = resolve(path);
  const { staleMs, updateMs } = { ...DEFAULTS, ...options };
  let lost: LedgerLockLostError | null = null;
  const listeners: ((error: LedgerLockLostError) => void)[] = [];
  const lockOptions = {
    realpath: false,
    lockfilePath: file,
    stale: staleMs,
    update: updateMs,
    onCompromised: (cause: Error) => {
      lost = new LedgerLockLostError(file, { cause });
      held.delete(file);
      for (const listener of listeners.splice(0)) listener(lost);
    },
  };
  let release: () => Promise<void>;
  let firstRefusal: { at: number; mtimeMs: number } | null = null;
  for (;;) {
    try {
      release = await withTakeoverGuard(file, () => lockfile.lock(file, lockOptions));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    }
    if (held.has(file)) throw new LedgerLockedError(file, { pid: process.pid, host: hostname() });
    const mtimeMs = await stat(file).then((stats) => stats.mtimeMs, () => null);
    // null: the holder let go meanwhile; try again at once.
    if (mtimeMs === null) continue;
    if (firstRefusal === null) firstRefusal = { at: Date.now(), mtimeMs };
    // A refreshed mtime is a live holder. One unchanged past twice the stale time has a clock ahead
    // of ours (another host): refusing is the safe answer.
    else if (mtimeMs !== firstRefusal.mtimeMs || Date.now() - firstRefusal.at > 2 * staleMs) throw new LedgerLockedError(file, await readOwner(file));
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
  held.add(file);
  try {
    await chmod(file, LEDGER_DIR_MODE);
    const owner: LockOwner = { pid: process.pid, host: hostname() };
    await writeFile(ownerFileOf(file), `${JSON.stringify(owner)}\n`, { mode: LEDGER_FILE_MODE });
  } catch (error) {
    held.delete(file);
    await release().catch(() => undefined);
    // The directory vanished under us: another starter judged the same dead writer's lock stale
    // and took it over between our mkdir and this chmod. It holds the lock; we lost the race.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new LedgerLockedError(file, await readOwner(file));
    throw error;
  }
  return {
    file,
    onLost(listener) {
      if (lost !== null) listener(lost);
      else listeners.push(listener);
    },
    async release() {
      if (lost !== null || !held.delete(file)) return;
      // Before the lock goes: once it has, the owner file may be the next holder's.
      await unlink(ownerFileOf(file)).catch(() => undefined);
      await release().catch((error: NodeJS.ErrnoException) => {
        // Released already, or lost in the meantime: either way it is no longer ours.
        if (error.code !== 'ERELEASED') throw error;
      });
    },
  };
}

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    const owner = JSON.parse(await readFile(ownerFileOf(file), 'utf8')) as Partial<LockOwner>;
    return Number.isSafeInteger(owner.pid) && typeof owner.host === 'string' ? { pid: owner.pid!, host: owner.host } : null;
  } catch {
    // Not written yet (the holder has just taken the lock), or by a version that wrote none.
    return null;
  }
}
