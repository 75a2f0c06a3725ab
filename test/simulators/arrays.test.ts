import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_NOW_MS } from '../../src/simulators/index.js';
import { ARRAYS_DEMO_CREDENTIAL, startArraysSimulator, sumStream, type ArraysSimulatorHandle } from '../../src/simulators/arrays.js';
import { get, type Reply } from '../support/http-get.js';
import { UUID } from '../support/json-values.js';

const DAY = 86_400_000;
let sim: ArraysSimulatorHandle;

function usage(query: string, token: string | null = sim.credential, s: ArraysSimulatorHandle = sim): Promise<Reply> {
  return get(`${s.baseUrl}/v1/partner/usage${query}`, token === null ? {} : { 'x-service-token': token });
}

interface Counts {
  calls: number;
  discoveries: number;
  tweets: number;
}

function addInto(totals: Map<string, Counts>, sub: string, c: Counts): void {
  const t = totals.get(sub) ?? { calls: 0, discoveries: 0, tweets: 0 };
  t.calls += c.calls;
  t.discoveries += c.discoveries;
  t.tweets += c.tweets;
  totals.set(sub, t);
}

/** Reads the whole stream page by page from '0'; returns per-sub sums and the cursors seen. */
async function readAll(count: number, s: ArraysSimulatorHandle = sim) {
  const totals = new Map<string, Counts>();
  const cursors: string[] = [];
  let from = '0';
  for (;;) {
    const body = (await usage(`?from_id=${from}&count=${count}`, s.credential, s)).json();
    for (const row of body.data) addInto(totals, row.sub, row);
    cursors.push(body.pagination.next_cursor);
    if (!body.pagination.has_more) return { totals, cursors };
    from = body.pagination.next_cursor;
  }
}

function withoutRequestId(body: Record<string, unknown>): Record<string, unknown> {
  const { request_id: _ignored, ...rest } = body;
  return rest;
}

beforeAll(async () => {
  sim = await startArraysSimulator();
});
afterAll(async () => {
  await sim.close();
});

describe('Arrays simulator: authentication', () => {
  it('answers 401 with the envelope when the token is missing', async () => {
    const reply = await usage('', null);
    expect(reply.status).toBe(401);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    const body = reply.json();
    expect(body).toEqual({
      success: false,
      data: [],
      error: {
        code: 'UNAUTHORIZED',
        message: 'Missing service token.',
        hint: 'Send your static partner service token in the X-Service-Token header.',
        docs_url: 'https://docs.arrays.org/api-reference/partner/usage',
      },
      request_id: expect.stringMatching(UUID),
    });
  });

  it('answers 401 for a wrong token, and never for the demo token', async () => {
    const wrong = await usage('', 'arr_svc_sim_wrong_token_000');
    expect(wrong.status).toBe(401);
    expect(wrong.json().error.message).toBe('Invalid service token.');
    expect(sim.credential).toBe(ARRAYS_DEMO_CREDENTIAL);
    expect((await usage('')).status).toBe(200);
  });
});

describe('Arrays simulator: parameters', () => {
  it.each(['0', '5001', 'abc', '', '1.5', '-3', '1e3'])('rejects count=%j with 400 INVALID_PARAMETER', async (count) => {
    const reply = await usage(`?count=${encodeURIComponent(count)}`);
    expect(reply.status).toBe(400);
    expect(reply.json()).toEqual({
      success: false,
      data: [],
      error: {
        code: 'INVALID_PARAMETER',
        message: "Invalid query parameter 'count'.",
        hint: "Check 'count': must be an integer between 1 and 5000.",
        details: [{ field: 'count', got: count, reason: 'must be an integer between 1 and 5000' }],
        docs_url: 'https://docs.arrays.org/api-reference/partner/usage',
      },
      request_id: expect.stringMatching(UUID),
    });
  });

  it.each(['abc', '123', '1-2-3', '-1', '1732147200000-', ''])('rejects from_id=%j with 400', async (fromId) => {
    const reply = await usage(`?from_id=${encodeURIComponent(fromId)}`);
    expect(reply.status).toBe(400);
    const body = reply.json();
    expect(body.error.code).toBe('INVALID_PARAMETER');
    expect(body.error.details).toEqual([{ field: 'from_id', got: fromId, reason: "must be '0' or a stream id '<unix-ms>-<seq>'" }]);
  });

  it('accepts the count bounds 1 and 5000 and defaults to 1000 entries from the beginning', async () => {
    const one = (await usage('?count=1')).json();
    expect(one.pagination).toEqual({ next_cursor: sim.entry(0).id, has_more: true });
    const max = (await usage('?count=5000')).json();
    expect(max.pagination.next_cursor).toBe(sim.entry(4999).id);
    const byDefault = (await usage('')).json();
    expect(byDefault.success).toBe(true);
    expect(byDefault.pagination).toEqual({ next_cursor: sim.entry(999).id, has_more: true });
    expect(byDefault.request_id).toMatch(UUID);
  });
});

describe('Arrays simulator: the stream', () => {
  it('aggregates exactly the entries a page processes, per sub and endpoint', async () => {
    const body = (await usage(`?from_id=${sim.entry(99).id}&count=40`)).json();
    const expected = new Map<string, { calls: number; discoveries: number; tweets: number; by_endpoint: Record<string, Counts> }>();
    for (let i = 100; i < 140; i++) {
      const e = sim.entry(i);
      const row = expected.get(e.sub) ?? { calls: 0, discoveries: 0, tweets: 0, by_endpoint: {} };
      row.calls += e.calls;
      row.discoveries += e.discoveries;
      row.tweets += e.tweets;
      const ep = (row.by_endpoint[e.endpoint] ??= { calls: 0, discoveries: 0, tweets: 0 });
      ep.calls += e.calls;
      ep.discoveries += e.discoveries;
      ep.tweets += e.tweets;
      expected.set(e.sub, row);
    }
    expect(body.data).toEqual([...expected].map(([sub, row]) => ({ sub, ...row })));
    expect(body.pagination).toEqual({ next_cursor: sim.entry(139).id, has_more: true });
  });

  it('covers every entry exactly once when pages are chained from 0 to the end', async () => {
    const expected = sumStream(sim);
    expect(expected.size).toBeGreaterThan(1000);
    for (const count of [5000, 3333]) {
      const { totals, cursors } = await readAll(count);
      expect(cursors).toHaveLength(Math.ceil(20_000 / count));
      expect(cursors.at(-1)).toBe(sim.entry(19_999).id);
      expect(totals).toEqual(expected);
    }
  });

  it('returns the identical page when a cursor is read again', async () => {
    const cursor = sim.entry(7_777).id;
    const first = (await usage(`?from_id=${cursor}&count=2500`)).json();
    const second = (await usage(`?from_id=${cursor}&count=2500`)).json();
    expect(first.request_id).not.toBe(second.request_id);
    expect(withoutRequestId(second)).toEqual(withoutRequestId(first));
  });

  it('starts a page at the first entry after a from_id that falls between ids', async () => {
    let i = 1;
    while (Number(sim.entry(i).id.split('-')[0]) - Number(sim.entry(i - 1).id.split('-')[0]) < 2) i++;
    const ms = Number(sim.entry(i).id.split('-')[0]);
    const body = (await usage(`?from_id=${ms - 1}-999&count=1`)).json();
    expect(body.pagination.next_cursor).toBe(sim.entry(i).id);
    expect(body.data[0].sub).toBe(sim.entry(i).sub);
  });

  it('echoes from_id with has_more false when nothing is left, even past 2^53', async () => {
    for (const cursor of [sim.entry(19_999).id, '99999999999999-0', '99999999999999999999999-5']) {
      const body = (await usage(`?from_id=${cursor}`)).json();
      expect(body).toMatchObject({ success: true, data: [], pagination: { next_cursor: cursor, has_more: false } });
    }
  });

  it('keeps ids strictly increasing, with shared milliseconds, over the 30 days before the fixed date', () => {
    let previous: [bigint, bigint] = [-1n, -1n];
    let shared = 0;
    for (let i = 0; i < 20_000; i++) {
      const [ms, seq] = sim.entry(i).id.split('-').map(BigInt) as [bigint, bigint];
      expect(ms > previous[0] || (ms === previous[0] && seq === previous[1] + 1n)).toBe(true);
      if (seq > 0n) shared++;
      previous = [ms, seq];
    }
    expect(shared).toBeGreaterThan(1000);
    const first = Number(sim.entry(0).id.split('-')[0]);
    const last = Number(sim.entry(19_999).id.split('-')[0]);
    expect(first).toBeGreaterThanOrEqual(SIM_NOW_MS - 30 * DAY);
    expect(first).toBeLessThan(SIM_NOW_MS - 29 * DAY);
    expect(last).toBeLessThan(SIM_NOW_MS);
    expect(last).toBeGreaterThan(SIM_NOW_MS - DAY);
    expect(SIM_NOW_MS).toBe(Date.parse('2026-11-20T12:00:00Z'));
  });

  it('draws per-entry figures within the documented ranges over 4-6 endpoints', () => {
    const endpoints = new Set<string>();
    for (let i = 0; i < 20_000; i += 7) {
      const e = sim.entry(i);
      endpoints.add(e.endpoint);
      expect(e.calls).toBeGreaterThanOrEqual(1);
      expect(e.calls).toBeLessThanOrEqual(5);
      expect(e.discoveries).toBeGreaterThanOrEqual(0);
      expect(e.discoveries).toBeLessThanOrEqual(20);
      expect(e.tweets).toBeGreaterThanOrEqual(0);
      expect(e.tweets).toBeLessThanOrEqual(200);
    }
    expect(endpoints.size).toBeGreaterThanOrEqual(4);
    expect(endpoints.size).toBeLessThanOrEqual(6);
    expect(endpoints).toContain('/v1/x/search');
    expect(endpoints).toContain('/v1/discover/trending');
  });

  it('sends subs as JSON strings: 20-digit ids past 2^53, twins one last digit apart, and short ids', async () => {
    const subs = new Set<string>();
    let from = '0';
    for (;;) {
      const reply = await usage(`?from_id=${from}&count=5000`);
      expect(reply.text).toContain('"sub":"');
      expect(reply.text).not.toMatch(/"sub":\s*[^"\s]/);
      const body = reply.json();
      for (const row of body.data) {
        expect(typeof row.sub).toBe('string');
        subs.add(row.sub);
      }
      if (!body.pagination.has_more) break;
      from = body.pagination.next_cursor;
    }
    const long = [...subs].filter((s) => /^\d{20}$/.test(s));
    expect(long.length).toBeGreaterThan(subs.size * 0.9);
    expect(long.every((s) => BigInt(s) > 2n ** 53n && BigInt(s) < 2n ** 64n)).toBe(true);
    const byPrefix = new Map<string, number>();
    for (const s of long) byPrefix.set(s.slice(0, 19), (byPrefix.get(s.slice(0, 19)) ?? 0) + 1);
    expect([...byPrefix.values()].filter((n) => n >= 2).length).toBeGreaterThanOrEqual(5);
    expect([...subs].filter((s) => s.length <= 8).length).toBeGreaterThanOrEqual(3);
  });

  it('makes has_more true again after append(), and continues the timeline', async () => {
    const s = await startArraysSimulator({ entries: 1_000 });
    try {
      const last = (await usage('?count=5000', s.credential, s)).json();
      expect(last.pagination).toEqual({ next_cursor: s.entry(999).id, has_more: false });
      const atEnd = (await usage(`?from_id=${last.pagination.next_cursor}`, s.credential, s)).json();
      expect(atEnd.pagination).toEqual({ next_cursor: last.pagination.next_cursor, has_more: false });
      s.append(300);
      expect(s.length).toBe(1_300);
      const again = (await usage('?count=1000', s.credential, s)).json();
      expect(again.pagination).toEqual({ next_cursor: s.entry(999).id, has_more: true });
      const rest = (await usage(`?from_id=${s.entry(999).id}&count=5000`, s.credential, s)).json();
      expect(rest.pagination).toEqual({ next_cursor: s.entry(1_299).id, has_more: false });
      expect(Number(s.entry(1_299).id.split('-')[0])).toBeGreaterThan(SIM_NOW_MS);
      const { totals } = await readAll(400, s);
      expect(totals).toEqual(sumStream(s));
    } finally {
      await s.close();
    }
  });
});

describe('Arrays simulator: determinism and scale', () => {
  it('gives the same pages for the same seed and credential, different ones otherwise', async () => {
    const twin = await startArraysSimulator();
    const other = await startArraysSimulator({ credentials: ['arr_svc_sim_other_tenant_01', sim.credential] });
    const reseeded = await startArraysSimulator({ seed: 7 });
    try {
      const query = `?from_id=${sim.entry(500).id}&count=300`;
      const a = (await usage(query)).json();
      expect(withoutRequestId((await usage(query, twin.credential, twin)).json())).toEqual(withoutRequestId(a));
      // The second credential of `other` is the demo one: same data as here.
      expect(withoutRequestId((await usage(query, sim.credential, other)).json())).toEqual(withoutRequestId(a));
      const tenant = (await usage('?count=300', 'arr_svc_sim_other_tenant_01', other)).json();
      const mine = (await usage('?count=300')).json();
      expect(tenant.data).not.toEqual(mine.data);
      expect(other.entry(3, 'arr_svc_sim_other_tenant_01')).not.toEqual(sim.entry(3));
      expect(reseeded.entry(3)).not.toEqual(sim.entry(3));
    } finally {
      await Promise.all([twin.close(), other.close(), reseeded.close()]);
    }
  });

  it('serves 5000-entry pages of a 1,000,000-entry, 100,000-sub stream without building the stream per request', async () => {
    const big = await startArraysSimulator({ entries: 1_000_000, subs: 100_000 });
    try {
      expect(big.entry(999_999).id.split('-')[0]).toMatch(/^\d{13}$/);
      const timings: number[] = [];
      for (let k = 0; k < 12; k++) {
        const from = big.entry(k * 80_000).id;
        const start = performance.now();
        const reply = await usage(`?from_id=${from}&count=5000`, big.credential, big);
        timings.push(performance.now() - start);
        expect(reply.json().pagination.next_cursor).toBe(big.entry(k * 80_000 + 5000).id);
      }
      const warm = timings.slice(4).sort((a, b) => a - b);
      // Typically about 10 ms; the bound is generous for a loaded 2-core machine and still far below
      // what generating a million entries per request would take.
      expect(warm[Math.floor(warm.length / 2)]).toBeLessThan(500);
    } finally {
      await big.close();
    }
  });
});

describe('Arrays simulator: drift', () => {
  it('renames calls to call_count and retypes has_more to a string', async () => {
    sim.setFault({ fault: { mode: 'drift' }, count: 1 });
    const drifted = (await usage('?count=5')).json();
    const normal = (await usage('?count=5')).json();
    expect(drifted.data[0]).not.toHaveProperty('calls');
    expect(drifted.data[0].call_count).toBe(normal.data[0].calls);
    expect(drifted.pagination.has_more).toBe('true');
    expect(normal.pagination.has_more).toBe(true);
  });
});
