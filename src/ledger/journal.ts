import { crc32 } from 'node:zlib';
import type { PartnerEndpointUsage, PartnerUsage } from '../usage/model.js';
import { LedgerCorruptError } from './errors.js';
import type { LedgerCommit } from './store.js';

/**
 * The journal: one framed record per committed page, appended and fsync'd before the page counts.
 * Frame: magic (4 bytes), payload length (u32 LE), CRC-32 of the payload (u32 LE), then the
 * payload, a compact JSON of the commit. A frame that is short, or whose magic, length or checksum
 * does not hold, is a write the crash interrupted: it and everything after it are dropped.
 */

const MAGIC = 0x314a4c55; // "ULJ1" little-endian
const HEADER_BYTES = 12;
/** Larger than any page (5000 entries) can encode: a length beyond it is garbage, not a record. */
const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

export interface JournalRecord {
  /** 1 for the ledger's first commit, then +1 per commit; snapshots remember the last one they hold. */
  seq: number;
  /** When the commit was made, ms since the epoch. */
  committedAt: number;
  commit: LedgerCommit;
}

/** Wire form: endpoint names once per record, rows `[sub, calls, discoveries, tweets, (endpoint index, calls, discoveries, tweets)*]`. */
interface Payload {
  s: number;
  t: number;
  b: string;
  a: string;
  n: number;
  e: string[];
  u: (string | number)[][];
}

export function encodeRecord({ seq, committedAt, commit }: JournalRecord): Buffer {
  const endpoints = new Map<string, number>();
  const rows = commit.users.map((user) => {
    const row: (string | number)[] = [user.sub, user.calls, user.discoveries, user.tweets];
    for (const e of user.byEndpoint) {
      let id = endpoints.get(e.endpoint);
      if (id === undefined) endpoints.set(e.endpoint, (id = endpoints.size));
      row.push(id, e.calls, e.discoveries, e.tweets);
    }
    return row;
  });
  const payload: Payload = { s: seq, t: committedAt, b: commit.cursorBefore, a: commit.cursorAfter, n: commit.entries, e: [...endpoints.keys()], u: rows };
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(body.length, 4);
  header.writeUInt32LE(crc32(body), 8);
  return Buffer.concat([header, body]);
}

/** The record a frame made by `encodeRecord` holds. */
export function decodeRecord(frame: Buffer): JournalRecord {
  return decode(frame.subarray(HEADER_BYTES), 0);
}

export interface JournalScan {
  /** Bytes of intact records from the start; what follows is a torn write. */
  intactBytes: number;
  tornBytes: number;
}

/** Yields the intact records of a journal in order; `scan` is filled in when iteration ends. */
export function* readRecords(journal: Buffer, scan: JournalScan): Generator<JournalRecord> {
  let offset = 0;
  while (offset + HEADER_BYTES <= journal.length) {
    const length = journal.readUInt32LE(offset + 4);
    const end = offset + HEADER_BYTES + length;
    if (journal.readUInt32LE(offset) !== MAGIC || length > MAX_PAYLOAD_BYTES || end > journal.length) break;
    const body = journal.subarray(offset + HEADER_BYTES, end);
    if (crc32(body) !== journal.readUInt32LE(offset + 8)) break;
    yield decode(body, offset);
    offset = end;
  }
  scan.intactBytes = offset;
  scan.tornBytes = journal.length - offset;
}

function decode(body: Buffer, offset: number): JournalRecord {
  const corrupt = () => new LedgerCorruptError(`journal record at byte ${offset} passes its checksum but is not a commit`);
  let payload: Payload;
  try {
    payload = JSON.parse(body.toString('utf8')) as Payload;
  } catch {
    throw corrupt();
  }
  if (typeof payload.s !== 'number' || typeof payload.b !== 'string' || typeof payload.a !== 'string' || !Array.isArray(payload.u)) throw corrupt();
  const users = payload.u.map((row): PartnerUsage => {
    const [sub, calls, discoveries, tweets] = row as [string, number, number, number];
    const byEndpoint: PartnerEndpointUsage[] = [];
    for (let at = 4; at < row.length; at += 4) {
      const [id, c, d, t] = row.slice(at, at + 4) as [number, number, number, number];
      byEndpoint.push({ endpoint: payload.e[id]!, calls: c, discoveries: d, tweets: t });
    }
    return { sub, calls, discoveries, tweets, byEndpoint };
  });
  return { seq: payload.s, committedAt: payload.t, commit: { cursorBefore: payload.b, cursorAfter: payload.a, entries: payload.n, users } };
}
