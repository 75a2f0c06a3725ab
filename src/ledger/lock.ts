import { open, readFile, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LedgerLockedError } from './errors.js';
import { LEDGER_FILE_MODE } from './file-modes.js';

/**
 * The single-writer lock: a file created with O_EXCL that holds the writer's pid. A lock whose pid
 * is dead was left by a crash and is taken over; a live one refuses the second writer.
 */

/** Locks this process holds, so a second store in the same process is refused too. */
const held = new Set<string>();

export interface LedgerLock {
  readonly file: string;
  release(): Promise<void>;
}

function isAlive(pid: number, file: string): boolean {
  // Our own pid on a lock we do not hold is a previous life of this container's pid 1, or similar.
  if (pid === process.pid) return held.has(file);
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireLock(path: string): Promise<LedgerLock> {
  const file = resolve(path);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx', LEDGER_FILE_MODE);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      held.add(file);
      return { file, release: () => release(file) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw error;
    }
    const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    // An unreadable or empty lock is a writer that died between creating and filling it.
    if (Number.isSafeInteger(owner) && owner > 0 && isAlive(owner, file)) throw new LedgerLockedError(file, owner);
    await unlink(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

async function release(file: string): Promise<void> {
  if (!held.delete(file)) return;
  const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
  if (owner === process.pid) await unlink(file).catch(() => undefined);
}
