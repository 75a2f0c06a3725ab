import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responseSchema } from '../../src/providers/anylayer/contract.js';
import { apiResponseSchema } from '../../src/providers/arrays/contract.js';
import { faradayUsagesResponse } from '../../src/providers/faraday/contract.js';
import { sharpeUsageResponse } from '../../src/providers/sharpe/contract.js';
import { echoPage } from '../../src/simulators/faults.js';
import { startHarness, type Harness } from '../support/harness.js';
import { expectNoFragmentOf } from '../support/leaks.js';

/**
 * What vendors send back, over real HTTP: a tiny server answers each vendor path with whatever
 * the test sets, and every vendor of the gateway points at it. The credential is a canary that
 * must never come back out.
 */
// No six characters in a row that a UUID or a hex id could hold: request ids are random hex.
const CANARY = 'sk_live_canary_bodies_0bq7ez5dw3cx1a';
type Reply = (req: IncomingMessage, res: ServerResponse) => void;

let harness: Harness;
let baseUrl: string;
let server: ReturnType<typeof createServer>;
const replies = new Map<string, Reply>();
const seenAuthorization: string[] = [];
const responses: string[] = [];
let unhandled = 0;
const countUnhandled = () => {
  unhandled += 1;
};

const PATHS = {
  SHARPE: '/api/v1/usage',
  ARRAYS: '/api/v1/partner/usage',
  ANYLAYER: '/v1/developer/usage',
  FARADAY_LIMITS: '/v1/usages',
  FARADAY_USAGE: '/v1/accounts/current/usage',
} as const;

const QUERIES = {
  SHARPE: `{ account(provider: SHARPE) { quotas { used limit } } }`,
  // Every vendor page of the chain gets the same body: the first window's rows are the one checked.
  ARRAYS: `{ partnerUsage(first: 5000, after: "0") { edges { node { sub calls } } windows { users } } }`,
  ANYLAYER: `{ apiKeyUsage { totals { requests } } }`,
  FARADAY: `{ account(provider: FARADAY) { quotas { name used limit } } }`,
} as const;

function json(body: string | Buffer, headers: Record<string, string> = {}): Reply {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };
}

async function ask(text: string): Promise<any> {
  const { body, text: raw } = await harness.query<any>(text);
  responses.push(raw);
  return body;
}

/** Valid vendor bodies, read from the simulators themselves. */
const valid: Record<keyof typeof QUERIES | 'FARADAY_USAGE', unknown> = {} as never;

beforeAll(async () => {
  process.on('unhandledRejection', countUnhandled);
  process.on('uncaughtException', countUnhandled);
  server = createServer((req, res) => {
    seenAuthorization.push(String(req.headers.authorization ?? req.headers['x-service-token'] ?? ''));
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const reply = replies.get(path);
    if (reply === undefined) {
      res.writeHead(404).end();
      return;
    }
    reply(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  harness = await startHarness({
    simulators: { arrays: { entries: 1500, subs: 40 } },
    credentials: { SHARPE: CANARY, ARRAYS: CANARY, ANYLAYER: CANARY, FARADAY: CANARY },
    baseUrls: { SHARPE: `${baseUrl}/api`, ARRAYS: `${baseUrl}/api`, ANYLAYER: baseUrl, FARADAY: baseUrl },
    // Every body must reach the adapter: nothing cached or served stale, no breaker, no retries.
    policy: { cacheTtlMs: 0, staleIfErrorMs: 0, maxRetries: 0, breaker: { minimumCalls: 1e9 }, timeoutMs: 2000 },
  });
  const { sims } = harness;
  const read = async (url: string, headers: Record<string, string>) => (await fetch(url, { headers })).json();
  valid.SHARPE = await read(`${sims.sharpe.baseUrl}/v1/usage`, { authorization: `Bearer ${sims.sharpe.credential}` });
  valid.ARRAYS = await read(`${sims.arrays.baseUrl}/v1/partner/usage?from_id=0&count=1000`, { 'x-service-token': sims.arrays.credential });
  valid.ANYLAYER = await read(`${sims.anylayer.baseUrl}/v1/developer/usage`, { authorization: `Bearer ${sims.anylayer.credential}` });
  valid.FARADAY = await read(`${sims.faraday.baseUrl}/v1/usages`, { authorization: `Bearer ${sims.faraday.credential}` });
  valid.FARADAY_USAGE = await read(`${sims.faraday.baseUrl}/v1/accounts/current/usage`, {
    authorization: `Bearer ${sims.faraday.credential}`,
  });
});

afterAll(async () => {
  process.off('unhandledRejection', countUnhandled);
  process.off('uncaughtException', countUnhandled);
  await harness.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** mulberry32: a small seeded generator, so the 1,000 bodies are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every container in a value with the key (or index) path to it. */
function containers(value: Json, path: (string | number)[] = [], out: { node: Json[] | Record<string, Json>; path: (string | number)[] }[] = []) {
  if (value !== null && typeof value === 'object') {
    out.push({ node: value, path });
    for (const [key, child] of Object.entries(value)) containers(child, [...path, Array.isArray(value) ? Number(key) : key], out);
  }
  return out;
}

/** Where the echoing pages put the canary, in turn. */
const ECHO_OFFSETS = [0, 12, 25, 33, 38, 60] as const;
let echoPages = -1;

/** One malformed (or, sometimes, still valid) variant of a valid body, as the bytes to send. */
function mutate(body: unknown, random: () => number): string | Buffer {
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const copy = structuredClone(body) as Json;
  const all = containers(copy).filter(({ node }) => Object.keys(node).length > 0);
  const target = pick(all);
  const keys = Object.keys(target.node);
  const key = pick(keys);
  const set = (value: Json) => {
    if (Array.isArray(target.node)) target.node[Number(key)] = value;
    else target.node[key] = value;
  };
  const kind = Math.floor(random() * 12);
  switch (kind) {
    case 0: // drop a field (or an array element)
      if (Array.isArray(target.node)) target.node.splice(Number(key), 1);
      else delete target.node[key];
      break;
    case 1: // retype a field
      set(pick<Json>(['12', 12, null, true, [], {}, '', -1, 'NaN']));
      break;
    case 2: // rename a field
      if (!Array.isArray(target.node)) {
        const value = target.node[key]!;
        delete target.node[key];
        target.node[`${key}_renamed`] = value;
      }
      break;
    case 3: // truncate the text
      return JSON.stringify(copy).slice(0, Math.floor(random() * JSON.stringify(copy).length));
    case 4: // random bytes
      return Buffer.from(Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256)));
    case 5: // numbers no JSON parser keeps exact, or out of any range
      set(pick<Json>([2 ** 53 + 2, 1e308, -1, 1.5, -0, 2 ** 63]));
      break;
    case 6: // nested nulls
      for (const entry of containers(target.node as Json)) for (const k of Object.keys(entry.node)) (entry.node as Record<string, Json>)[k] = null;
      break;
    case 7: // a page that echoes the credential at its start, before, across or past the 40-character quote
      // (taken in turn, not drawn: another draw would change every body generated after this one)
      return echoPage(CANARY, ECHO_OFFSETS[(echoPages += 1) % ECHO_OFFSETS.length]!);
    case 8: // a record key that echoes the credential, with a value of the wrong type
      if (!Array.isArray(target.node)) target.node[CANARY] = 'not-a-number';
      break;
    case 9: // structures the parser itself struggles with
      return pick(['', 'null', '[]', '{}', '"just a string"', '['.repeat(20_000), '{"a":'.repeat(5_000)]);
    case 10: // a root of the wrong kind
      return JSON.stringify(Array.isArray(copy) ? { data: copy } : [copy]);
    default: // unchanged: must come back as correct data
      break;
  }
  return JSON.stringify(copy);
}

/** The gateway's answer must be this body, exactly where it is checked. */
function expectCorrect(vendor: keyof typeof QUERIES, sent: unknown, data: any) {
  if (vendor === 'SHARPE') {
    const body = sent as { data: { quota: { used: number; limit: number } } };
    expect(data.account.quotas[0]).toEqual({ used: body.data.quota.used, limit: body.data.quota.limit });
  } else if (vendor === 'ARRAYS') {
    const body = sent as { data: { sub: string; calls: number }[] };
    expect(data.partnerUsage.windows[0].users).toBe(body.data.length);
    expect(data.partnerUsage.edges.slice(0, body.data.length).map((edge: any) => edge.node)).toEqual(body.data.map(({ sub, calls }) => ({ sub, calls })));
  } else if (vendor === 'ANYLAYER') {
    expect(data.apiKeyUsage.totals.requests).toBe((sent as { data: { usage: { total_requests: number } } }).data.usage.total_requests);
  } else {
    const body = sent as { name: string; usage: number; limit: number }[];
    const quotas = [...data.account.quotas].sort((a: any, b: any) => a.name.localeCompare(b.name));
    const expected = body.map(({ name, usage, limit }) => ({ name, used: usage, limit })).sort((a, b) => a.name.localeCompare(b.name));
    expect(quotas).toEqual(expected);
  }
}

const CONTRACTS = {
  SHARPE: sharpeUsageResponse,
  ARRAYS: apiResponseSchema,
  ANYLAYER: responseSchema({ breakdown: true, errors: true, latency: true }),
  FARADAY: faradayUsagesResponse,
};

describe('1,000 generated malformed vendor bodies', () => {
  it('give zero crashes, zero unhandled rejections, and each either correct data or UPSTREAM_BAD_RESPONSE', async () => {
    const random = prng(20_241_121);
    const vendors = ['SHARPE', 'ARRAYS', 'ANYLAYER', 'FARADAY'] as const;
    replies.set(PATHS.FARADAY_USAGE, json(JSON.stringify(valid.FARADAY_USAGE)));
    const outcomes = { data: 0, badResponse: 0 };
    let echoes = 0;
    const logged = harness.logs.length;
    for (let i = 0; i < 1000; i += 1) {
      const vendor = vendors[i % vendors.length]!;
      const bytes = mutate(valid[vendor], random);
      if (bytes.includes(CANARY)) echoes += 1;
      replies.set(vendor === 'FARADAY' ? PATHS.FARADAY_LIMITS : PATHS[vendor], json(bytes));
      const body = await ask(QUERIES[vendor]);
      expectNoFragmentOf(JSON.stringify(body), CANARY);
      let parsed: unknown;
      try {
        parsed = JSON.parse(bytes.toString());
      } catch {
        parsed = undefined;
      }
      const conforms = parsed !== undefined && CONTRACTS[vendor].safeParse(parsed).success && (parsed as { success?: unknown }).success !== false;
      if (body.errors === undefined) {
        expect(conforms, `body ${i} (${vendor}) was answered as data but breaks the contract`).toBe(true);
        expectCorrect(vendor, parsed, body.data);
        outcomes.data += 1;
      } else {
        expect(body.errors).toHaveLength(1);
        expect(body.errors[0].extensions, `body ${i} (${vendor}): ${bytes.toString().slice(0, 80)}`).toMatchObject({
          code: 'UPSTREAM_BAD_RESPONSE',
          provider: vendor,
        });
        outcomes.badResponse += 1;
      }
    }
    expect(outcomes.data + outcomes.badResponse).toBe(1000);
    // The generator exercises both outcomes, or it tests nothing.
    expect(outcomes.data).toBeGreaterThan(50);
    expect(outcomes.badResponse).toBeGreaterThan(500);
    expect(unhandled).toBe(0);
    // Bodies that echo the canary were among them, and none of it came out in a log line either.
    expect(echoes).toBeGreaterThan(50);
    for (const line of harness.logs.slice(logged)) expectNoFragmentOf(line, CANARY);
  });
});

describe('limits on what comes back', () => {
  const SIX_MIB = 6 * 1024 * 1024;

  it('a body over 5 MiB is aborted with UPSTREAM_BAD_RESPONSE, with or without a declared length', async () => {
    replies.set(PATHS.SHARPE, json(Buffer.alloc(SIX_MIB, 0x20)));
    const declared = await ask(QUERIES.SHARPE);
    expect(declared.errors[0].extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', provider: 'SHARPE' });
    expect(declared.errors[0].message).toMatch(/larger than 5242880 bytes/);
    replies.set(PATHS.SHARPE, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < SIX_MIB && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => {});
      pump();
    });
    const chunked = await ask(QUERIES.SHARPE);
    expect(chunked.errors[0].extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });

  it('decodes a gzip body it asked for, and refuses a gzip bomb past 5 MiB decompressed', async () => {
    replies.set(PATHS.SHARPE, (req, res) => {
      expect(req.headers['accept-encoding']).toMatch(/gzip/);
      json(gzipSync(JSON.stringify(valid.SHARPE)), { 'content-encoding': 'gzip' })(req, res);
    });
    const ok = await ask(QUERIES.SHARPE);
    expect(ok.errors).toBeUndefined();
    expectCorrect('SHARPE', valid.SHARPE, ok.data);

    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(200 * 1024);
    replies.set(PATHS.SHARPE, json(bomb, { 'content-encoding': 'gzip' }));
    const exploded = await ask(QUERIES.SHARPE);
    expect(exploded.errors[0].extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', provider: 'SHARPE' });

    replies.set(PATHS.SHARPE, json(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }));
    const corrupt = await ask(QUERIES.SHARPE);
    expect(corrupt.errors[0].extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    replies.set(PATHS.SHARPE, json(JSON.stringify(valid.SHARPE), { 'content-encoding': 'zstd' }));
    const unknown = await ask(QUERIES.SHARPE);
    expect(unknown.errors[0].extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });

  it('does not follow a redirect: a 302 to another origin is UPSTREAM_BAD_RESPONSE and that origin never sees the credential', async () => {
    let elsewhere = 0;
    const other = createServer((_req, res) => {
      elsewhere += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(valid.SHARPE));
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const location = `http://127.0.0.1:${(other.address() as AddressInfo).port}/api/v1/usage`;
      replies.set(PATHS.SHARPE, (_req, res) => res.writeHead(302, { location }).end());
      const body = await ask(QUERIES.SHARPE);
      expect(body.errors[0].extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', provider: 'SHARPE', httpStatus: 302 });
      expect(body.errors[0].message).toMatch(/redirects are not followed/);
      expect(elsewhere).toBe(0);
    } finally {
      other.closeAllConnections();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('the canary credential was sent to the vendor, yet appears in no response and no log line', () => {
    expect(seenAuthorization.some((value) => value.includes(CANARY))).toBe(true);
    for (const text of responses) expect(text).not.toContain(CANARY);
    for (const line of harness.logs) expect(line).not.toContain(CANARY);
  });
});
