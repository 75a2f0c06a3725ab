import { open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { LedgerCorruptError } from './errors.js';
import { LEDGER_FILE_MODE } from './file-modes.js';
import { LedgerIndex, type IndexHeader, type UserRow } from './user-totals-index.js';

/**
 * Snapshots: the whole index as JSON lines — a header, one line per user, and a trailer with the
 * CRC-32 of everything before it. Written to a temporary file, fsync'd, renamed over the previous
 * snapshot and the directory fsync'd, so the snapshot on disk is always a complete one.
 */

const FORMAT = 'partner-usage-ledger-snapshot';
const VERSION = 1;
/** Lines are gathered into writes of about this size: few syscalls, no whole-file string. */
const CHUNK_BYTES = 1 << 18;

interface SnapshotHeader extends IndexHeader {
  format: typeof FORMAT;
  version: number;
  users: number;
}

/**
 * Writes `index` to `temp`, then renames it to `target`. `midway` runs once about half the users
 * are written and `renamed` right after the rename (crash-test hooks).
 */
export async function writeSnapshot(
  index: LedgerIndex,
  temp: string,
  target: string,
  hooks: { midway?: () => void; renamed?: () => void } = {},
): Promise<void> {
  // Private from its creation: the rename keeps the mode.
  const handle = await open(temp, 'w', LEDGER_FILE_MODE);
  try {
    const header: SnapshotHeader = { format: FORMAT, version: VERSION, ...index.header(), users: index.userCount };
    let crc = 0;
    let chunk = `${JSON.stringify(header)}\n`;
    const flush = async () => {
      const bytes = Buffer.from(chunk, 'utf8');
      crc = crc32(bytes, crc);
      chunk = '';
      await handle.write(bytes);
    };
    let written = 0;
    const half = Math.floor(index.userCount / 2);
    for (const row of index.rows()) {
      chunk += `${JSON.stringify(row)}\n`;
      written += 1;
      if (chunk.length >= CHUNK_BYTES) await flush();
      if (written === half && hooks.midway) {
        await flush();
        hooks.midway();
      }
    }
    await flush();
    await handle.write(`${JSON.stringify({ end: true, crc32: crc })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
  hooks.renamed?.();
  await syncDirectory(dirname(target));
}

/** A rename is durable only once its directory is. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The index a snapshot holds, or null when there is none. */
export async function readSnapshot(file: string): Promise<LedgerIndex | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const corrupt = (why: string) => new LedgerCorruptError(`snapshot ${file} ${why}; it was renamed into place complete, so the disk damaged it`);
  const trailerStart = bytes.lastIndexOf(0x0a, bytes.length - 2) + 1;
  let trailer: { end?: boolean; crc32?: number };
  try {
    trailer = JSON.parse(bytes.subarray(trailerStart).toString('utf8'));
  } catch {
    throw corrupt('has no trailer');
  }
  if (trailer.end !== true || trailer.crc32 !== crc32(bytes.subarray(0, trailerStart))) throw corrupt('fails its checksum');
  const text = bytes.subarray(0, trailerStart).toString('utf8');
  const firstBreak = text.indexOf('\n');
  const header = JSON.parse(text.slice(0, firstBreak)) as SnapshotHeader;
  if (header.format !== FORMAT || header.version !== VERSION) throw corrupt(`is not a version ${VERSION} ledger snapshot`);
  const index = LedgerIndex.fromSnapshot(header, lines(text, firstBreak + 1));
  if (index.userCount !== header.users) throw corrupt(`holds ${index.userCount} users where its header says ${header.users}`);
  return index;
}

/** Parses one line at a time, so the users are never an array of strings and objects at once. */
function* lines(text: string, from: number): Generator<UserRow> {
  let start = from;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    yield JSON.parse(text.slice(start, end)) as UserRow;
    start = end + 1;
  }
}
