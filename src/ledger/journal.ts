import { crc32 } from 'node:zlib';
import { PackedPartnerUsage, PackedPartnerUsageBuilder } from '../usage/packed-partner-usage.js';
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
  // The JSON is written as one string, as JSON.stringify of a `Payload` would write it, without
  // building the payload's rows as arrays first: a page's worth of small arrays is garbage that
  // outlives the fsync.
  const endpoints = new Map<string, number>();
  const endpointId = (name: string) => {
    let id = endpoints.get(name);
    if (id === undefined) endpoints.set(name, (id = endpoints.size));
    return id;
  };
  let rows = '';
  const users = commit.users;
  if (users instanceof PackedPartnerUsage) {
    const ids = users.endpoints.map(endpointId);
    for (let user = 0; user < users.length; user++) {
      rows += `${user === 0 ? '' : ','}[${JSON.stringify(users.sub(user))},${users.total(user, 0)},${users.total(user, 1)},${users.total(user, 2)}`;
      for (let row = users.firstRow(user); row < users.firstRow(user + 1); row++) {
        rows += `,${ids[users.rowEndpoint(row)]!},${users.rowCounter(row, 0)},${users.rowCounter(row, 1)},${users.rowCounter(row, 2)}`;
      }
      rows += ']';
    }
  } else {
    let first = true;
    for (const user of users) {
      rows += `${first ? '' : ','}[${JSON.stringify(user.sub)},${number(user.calls)},${number(user.discoveries)},${number(user.tweets)}`;
      for (const e of user.byEndpoint) rows += `,${endpointId(e.endpoint)},${number(e.calls)},${number(e.discoveries)},${number(e.tweets)}`;
      rows += ']';
      first = false;
    }
  }
  const head = `{"s":${seq},"t":${committedAt},"b":${JSON.stringify(commit.cursorBefore)},"a":${JSON.stringify(commit.cursorAfter)},"n":${commit.entries},"e":${JSON.stringify([...endpoints.keys()])},"u":[`;
  const bodyLength = Buffer.byteLength(head) + Buffer.byteLength(rows) + 2;
  const frame = Buffer.allocUnsafe(HEADER_BYTES + bodyLength);
  let at = HEADER_BYTES;
  at += frame.write(head, at, 'utf8');
  at += frame.write(rows, at, 'utf8');
  frame.write(']}', at, 'latin1');
  const body = frame.subarray(HEADER_BYTES);
  frame.writeUInt32LE(MAGIC, 0);
  frame.writeUInt32LE(body.length, 4);
  frame.writeUInt32LE(crc32(body), 8);
  return frame;
}

/** A counter as JSON.stringify writes it (`null` for what is not a finite number, which `check` refuses anyway). */
function number(value: number): string {
  return JSON.stringify(value);
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
  const users = new PackedPartnerUsageBuilder(payload.u.length);
  const ids = Array.isArray(payload.e) ? payload.e.map((name) => users.endpointId(name)) : [];
  for (const row of payload.u) {
    const [sub, calls, discoveries, tweets] = row as [string, number, number, number];
    for (let at = 4; at < row.length; at += 4) users.addEndpoint(ids[row[at] as number]!, row[at + 1] as number, row[at + 2] as number, row[at + 3] as number);
    users.addUser(sub, calls, discoveries, tweets);
  }
  return { seq: payload.s, committedAt: payload.t, commit: { cursorBefore: payload.b, cursorAfter: payload.a, entries: payload.n, users: users.build() } };
}
