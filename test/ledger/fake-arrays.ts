import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the fake vendor breaks the pages after its first one. */
export type FakeFault = 'none' | 'stuck-cursor' | 'backwards-cursor' | 'negative-count' | 'numeric-sub' | 'missing-field';

export interface FakeArrays {
  baseUrl: string;
  credential: string;
  /** Entries in the stream; each entry is one call of one user, a second apart within one UTC day. */
  entries: { id: string; sub: string }[];
  fault: FakeFault;
  hits: number;
  close(): Promise<void>;
}

/**
 * A minimal Arrays partner endpoint over a tiny in-memory stream, for the page faults the
 * simulator has no mode for. Faults apply only to pages after the first, so the ledger first has
 * something committed to keep serving.
 */
export async function startFakeArrays(subs: string[], perSub: number): Promise<FakeArrays> {
  const start = Date.UTC(2026, 10, 2, 1);
  const entries = Array.from({ length: subs.length * perSub }, (_, i) => ({ id: `${start + i * 1000}-0`, sub: subs[i % subs.length]! }));
  const state = { fault: 'none' as FakeFault, hits: 0 };
  const server: Server = createServer((req, res) => {
    state.hits += 1;
    const url = new URL(req.url ?? '/', 'http://fake');
    const from = url.searchParams.get('from_id') ?? '0';
    const count = Number(url.searchParams.get('count') ?? '1000');
    const first = from === '0' ? 0 : entries.findIndex((e) => e.id === from) + 1;
    const slice = entries.slice(first, first + count);
    const bySub = new Map<string, number>();
    for (const e of slice) bySub.set(e.sub, (bySub.get(e.sub) ?? 0) + 1);
    let data: unknown[] = [...bySub].map(([sub, calls]) => ({
      sub,
      calls,
      discoveries: 0,
      tweets: calls * 2,
      by_endpoint: { '/v1/x/search': { calls, discoveries: 0, tweets: calls * 2 } },
    }));
    let nextCursor = slice.at(-1)?.id ?? from;
    const faulty = from !== '0' && state.fault !== 'none';
    if (faulty && state.fault === 'stuck-cursor') nextCursor = from;
    if (faulty && state.fault === 'backwards-cursor') nextCursor = entries[0]!.id;
    if (faulty && state.fault === 'negative-count') data = data.map((d) => ({ ...(d as object), calls: -1 }));
    if (faulty && state.fault === 'numeric-sub') data = data.map((d) => ({ ...(d as object), sub: 12345678901234567000 }));
    if (faulty && state.fault === 'missing-field') data = data.map(({ tweets: _tweets, ...rest }: any) => rest);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ success: true, data, pagination: { next_cursor: nextCursor, has_more: first + count < entries.length }, request_id: 'fake' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api`,
    credential: 'fake-arrays-token',
    entries,
    get fault() {
      return state.fault;
    },
    set fault(value) {
      state.fault = value;
    },
    get hits() {
      return state.hits;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
