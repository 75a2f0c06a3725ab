import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { checkPage } from '../../src/ledger/follower.js';
import { compareCursors, cursorMs, cursorTime, CURSOR_PATTERN, isCursor } from '../../src/ledger/stream-cursor.js';
import { startHarness, type Harness } from '../support/harness.js';

/** Every kind of cursor the grammar decides, with whether it is one and why. */
const CURSORS: readonly [cursor: string, accepted: boolean, why: string][] = [
  ['0', true, 'the beginning of the stream'],
  ['1732147200000-0', true, 'a stream id'],
  ['1732147200000-3', true, 'a stream id'],
  ['0-0', true, "Redis' smallest id: the epoch, sequence 0"],
  ['1-0', true, 'a one-digit time'],
  ['1732147200000-9007199254740993', true, 'a sequence past 2^53 stays exact'],
  ['1732147200000-18446744073709551615', true, "the largest sequence, Redis' 2^64 - 1"],
  ['8640000000000000-0', true, 'the latest time a Date holds'],
  ['999999999999999-0', true, 'fifteen digits of time'],
  ['00', false, 'a leading zero: two spellings of the start'],
  ['01732147200000-3', false, 'a leading zero in the time: two spellings of one entry'],
  ['1732147200000-03', false, 'a leading zero in the sequence'],
  ['00-0', false, 'a leading zero in a zero time'],
  ['1732147200000', false, 'no sequence'],
  ['1732147200000-', false, 'an empty sequence'],
  ['-3', false, 'no time'],
  ['-', false, 'neither part'],
  ['-1', false, 'negative'],
  ['-1732147200000-3', false, 'a negative time'],
  ['1732147200000--3', false, 'a negative sequence'],
  ['+1732147200000-3', false, 'a sign'],
  ['1732147200000-18446744073709551616', false, "a sequence past Redis' 2^64 - 1"],
  ['1732147200000-123456789012345678901', false, 'a 21-digit sequence'],
  ['8640000000000001-0', false, 'a time no Date holds'],
  ['99999999999999999-0', false, 'seventeen digits of time'],
  ['1732147200000 -3', false, 'a space inside'],
  ['1732147200000- 3', false, 'a space inside'],
  ['1732147200000-3-1', false, 'a third part'],
  ['1732147200000.5-3', false, 'a fraction'],
  ['1.7e12-3', false, 'an exponent'],
  ['0x10-0', false, 'hexadecimal'],
  ['１７３２１４７２０００００-3', false, 'digits other than ASCII'],
  ['1732147200000-*', false, "XADD's auto sequence is not a position"],
  ['$', false, "Redis' latest-entry id is not a position"],
  ['latest', false, 'a word'],
  ['not-a-cursor', false, 'opaque text'],
];

const expected = Object.fromEntries(CURSORS.map(([cursor, accepted]) => [cursor, accepted]));

/** Each consumer's verdict over the whole table: a failure shows every disagreement at once. */
async function verdicts(accepts: (cursor: string) => boolean | Promise<boolean>): Promise<Record<string, boolean>> {
  const entries: [string, boolean][] = [];
  for (const [cursor] of CURSORS) entries.push([cursor, await accepts(cursor)]);
  return Object.fromEntries(entries);
}

function configAccepts(cursor: string): boolean {
  try {
    return loadConfig({ ARRAYS_START_CURSOR: cursor }).vendorSettings.ARRAYS!.ARRAYS_START_CURSOR === cursor;
  } catch (error) {
    if (error instanceof ConfigError && error.problems.some((problem) => problem.startsWith('ARRAYS_START_CURSOR:'))) return false;
    throw error;
  }
}

/** The ledger takes a cursor as a place in the stream when it accepts the head page read from it. */
function ledgerAccepts(cursor: string): boolean {
  try {
    checkPage(cursor, { fromCursor: cursor, nextCursor: cursor, hasMore: false, entries: [], upstreamRequestId: null });
    return true;
  } catch {
    return false;
  }
}

const PAGE = /* GraphQL */ `
  query Page($after: String) {
    partnerUsage(first: 1, after: $after) { windows { fromCursor } }
  }
`;

describe('the Arrays stream cursor grammar', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ simulators: { arrays: { entries: 100, subs: 10 } } });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('CURSOR_PATTERN and isCursor decide the table', async () => {
    expect(await verdicts((cursor) => CURSOR_PATTERN.test(cursor))).toEqual(expected);
    expect(await verdicts(isCursor)).toEqual(expected);
  });

  it('config accepts exactly those as ARRAYS_START_CURSOR', async () => {
    expect(await verdicts(configAccepts)).toEqual(expected);
  });

  it("partnerUsage accepts exactly those as `after`, refusing the rest before any vendor call", async () => {
    const schemaAccepts = async (cursor: string) => {
      harness.sims.arrays.resetHits();
      const { body } = await harness.query<any>(PAGE, { after: cursor });
      if (body.errors === undefined) {
        expect(body.data.partnerUsage.windows[0].fromCursor).toBe(cursor);
        return true;
      }
      expect(body.errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', provider: 'ARRAYS' });
      expect(harness.sims.arrays.hits()).toBe(0);
      return false;
    };
    expect(await verdicts(schemaAccepts)).toEqual(expected);
  });

  it('the ledger accepts exactly those as a place in the stream', async () => {
    expect(await verdicts(ledgerAccepts)).toEqual(expected);
  });

  it('config trims the variable and treats an empty one as unset, as it does every variable', () => {
    expect(loadConfig({ ARRAYS_START_CURSOR: ' 1732147200000-3\n' }).vendorSettings.ARRAYS!.ARRAYS_START_CURSOR).toBe('1732147200000-3');
    expect(loadConfig({ ARRAYS_START_CURSOR: '' }).vendorSettings.ARRAYS!.ARRAYS_START_CURSOR).toBe('0');
    // Everywhere else a cursor is taken verbatim: it was copied from a page, not typed.
    for (const cursor of [' 1732147200000-3', '1732147200000-3\n', '']) {
      expect(isCursor(cursor)).toBe(false);
      expect(ledgerAccepts(cursor)).toBe(false);
    }
  });

  it('bounds each part exactly, at every digit of its limit', () => {
    // Every number that keeps a prefix of the limit and differs at the next digit, with the rest
    // all 0s or all 9s, and every power of ten around its length.
    const within = (max: bigint, part: (n: bigint) => string) => {
      const digits = max.toString();
      const candidates = new Set<bigint>([max + 1n]);
      for (let at = 0; at < digits.length; at++) {
        for (let digit = 0; digit <= 9; digit++) {
          for (const fill of ['0', '9']) candidates.add(BigInt(digits.slice(0, at) + digit + fill.repeat(digits.length - at - 1)));
        }
      }
      for (let power = 1n; power <= max * 10n; power *= 10n) candidates.add(power - 1n).add(power);
      for (const n of candidates) expect([n, CURSOR_PATTERN.test(part(n))]).toEqual([n, n <= max]);
    };
    within(8_640_000_000_000_000n, (ms) => `${ms}-0`);
    within(2n ** 64n - 1n, (seq) => `1732147200000-${seq}`);
  });

  it('orders ids by time, then by sequence, as numbers', () => {
    expect(compareCursors('0', '0-0')).toBeLessThan(0);
    expect(compareCursors('1732147200000-9', '1732147200000-10')).toBeLessThan(0);
    expect(compareCursors('999999999999-9', '1732147200000-0')).toBeLessThan(0);
    expect(compareCursors('1732147200000-18446744073709551614', '1732147200000-18446744073709551615')).toBeLessThan(0);
    expect(compareCursors('1732147200000-3', '1732147200000-3')).toBe(0);
    expect(() => compareCursors('01732147200000-3', '0')).toThrow(TypeError);
  });

  it('reads the millisecond part of a stream id and nothing else', () => {
    expect(cursorTime('1732147200000-3')).toEqual(new Date(1732147200000));
    expect(cursorTime('0')).toBeNull();
    expect(cursorTime('1732147200000')).toBeNull();
    expect(cursorTime('opaque-token')).toBeNull();
    expect(cursorTime('99999999999999999-0')).toBeNull();
    expect(cursorTime('8640000000000000-0')).toEqual(new Date(8.64e15));
    expect([cursorMs('0'), cursorMs('1732147200000-3'), cursorMs('latest')]).toEqual([null, 1732147200000, undefined]);
  });
});
