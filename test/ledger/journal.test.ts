import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord, readRecords, type JournalScan } from '../../src/ledger/journal.js';
import type { PartnerUsage } from '../../src/usage/model.js';
import { PackedPartnerUsage } from '../../src/usage/packed-partner-usage.js';

const users: PartnerUsage[] = [
  { sub: '18446744073709551557', calls: 9007199254740991, discoveries: 0, tweets: 3, byEndpoint: [{ endpoint: '/a', calls: 9007199254740991, discoveries: 0, tweets: 3 }] },
  { sub: 'ユーザー "quoted" \\', calls: 3, discoveries: 1, tweets: 0, byEndpoint: [{ endpoint: '/b', calls: 1, discoveries: 1, tweets: 0 }, { endpoint: '/a', calls: 2, discoveries: 0, tweets: 0 }] },
  { sub: '7', calls: 0, discoveries: 0, tweets: 0, byEndpoint: [] },
];
const commit = { cursorBefore: '1732147200000-0', cursorAfter: '1732147260000-7', entries: 5 };

describe('journal records', () => {
  it.each([
    ['an array of users', users],
    ['packed users', PackedPartnerUsage.from(users)],
  ])('round-trip %s: subs stay strings, counters exact, endpoints in order', (_name, given) => {
    const record = decodeRecord(encodeRecord({ seq: 4, committedAt: 1_700_000_000_000, commit: { ...commit, users: given } }));
    expect(record).toMatchObject({ seq: 4, committedAt: 1_700_000_000_000, commit });
    expect([...record.commit.users]).toEqual(users);
  });

  it('writes the same payload for packed users as for the array, so old and new journals read alike', () => {
    const fromArray = encodeRecord({ seq: 1, committedAt: 1, commit: { ...commit, users } });
    const fromPacked = encodeRecord({ seq: 1, committedAt: 1, commit: { ...commit, users: PackedPartnerUsage.from(users) } });
    expect(fromPacked.equals(fromArray)).toBe(true);
    // The payload is what JSON.stringify of the documented wire form gives, as earlier versions wrote it.
    const payload = JSON.parse(fromArray.subarray(12).toString('utf8'));
    expect(fromArray.subarray(12).toString('utf8')).toBe(JSON.stringify(payload));
    expect(payload).toEqual({
      s: 1, t: 1, b: commit.cursorBefore, a: commit.cursorAfter, n: 5, e: ['/a', '/b'],
      u: [['18446744073709551557', 9007199254740991, 0, 3, 0, 9007199254740991, 0, 3], ['ユーザー "quoted" \\', 3, 1, 0, 1, 1, 1, 0, 0, 2, 0, 0], ['7', 0, 0, 0]],
    });
  });

  it('drops a torn last frame and keeps the intact ones', () => {
    const first = encodeRecord({ seq: 1, committedAt: 1, commit: { ...commit, users } });
    const second = encodeRecord({ seq: 2, committedAt: 2, commit: { ...commit, cursorBefore: commit.cursorAfter, cursorAfter: '1732147260001-0', users } });
    const scan: JournalScan = { intactBytes: 0, tornBytes: 0 };
    const records = [...readRecords(Buffer.concat([first, second.subarray(0, second.length - 3)]), scan)];
    expect(records.map((r) => r.seq)).toEqual([1]);
    expect(scan).toEqual({ intactBytes: first.length, tornBytes: second.length - 3 });
  });
});
