import { describe, expect, it } from 'vitest';
import { accountFromPartnerPage, streamWindow } from '../../src/providers/arrays/to-usage.js';
import { UpstreamBadResponseError } from '../../src/upstream/errors.js';
import type { PartnerUsagePage } from '../../src/usage/model.js';

describe('Arrays stream windows', () => {
  it('labels a window by both cursors', () => {
    expect(streamWindow('1732147200000-3', '1732147260000-0')).toEqual({
      kind: 'STREAM_WINDOW',
      label: 'entries after 1732147200000-3 through 1732147260000-0',
      start: new Date(1732147200000),
      end: new Date(1732147260000),
    });
  });
});

describe('accountFromPartnerPage', () => {
  const page = (calls: number[]): PartnerUsagePage => ({
    entries: calls.map((n, i) => ({
      sub: `u${i}`,
      calls: n,
      discoveries: 0,
      tweets: 0,
      byEndpoint: [{ endpoint: '/a', calls: n, discoveries: 0, tweets: 0 }],
    })),
    nextCursor: '0',
    hasMore: false,
    fromCursor: '0',
    upstreamRequestId: null,
  });

  it('maps an empty page to no endpoints and zero requests', () => {
    const account = accountFromPartnerPage(page([]));
    expect(account.endpoints).toEqual([]);
    expect(account.totals?.requests).toBe(0);
    expect(account.totals?.window).toEqual({ kind: 'STREAM_WINDOW', label: 'entries after 0 through 0', start: null, end: null });
  });

  it('refuses a sum that would lose precision instead of rounding it', () => {
    expect(() => accountFromPartnerPage(page([Number.MAX_SAFE_INTEGER, 1]))).toThrow(UpstreamBadResponseError);
  });
});
