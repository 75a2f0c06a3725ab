import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamHttp } from '../../src/upstream/http.js';

/**
 * A cold query waits for its vendor calls; a TCP connect per call would add to every one. The
 * transport keeps its sockets: counted here as connections accepted by a real loopback server.
 */
let server: Server;
let origin: string;
let connections: number;
let http: UpstreamHttp;

beforeEach(async () => {
  connections = 0;
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  http = new UpstreamHttp();
});

afterEach(async () => {
  await http.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const get = (path = '/v1/usage') => http.get({ provider: 'TEST', url: new URL(path, origin), headers: {}, secrets: [] });

describe('UpstreamHttp keep-alive', () => {
  // undici's pool may open a second socket while the first is still settling its last answer, so
  // the count that matters is the one after a warm-up: a warm vendor costs no new connection.
  it('sends sequential calls to one vendor over the connections it already has', async () => {
    for (let i = 0; i < 3; i += 1) await get();
    const warm = connections;
    expect(warm).toBeGreaterThanOrEqual(1);
    expect(warm).toBeLessThanOrEqual(2);
    for (let i = 0; i < 10; i += 1) expect((await get()).text).toBe('{"ok":true}');
    expect(connections).toBe(warm);
  });

  it('keeps about one connection per call in flight at once, and reuses them for the next queries', async () => {
    // Rounds spaced as queries are, not back to back: then the pool holds one socket per call.
    const round = async () => {
      const answers = await Promise.all([get('/a'), get('/b'), get('/c')]);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
      await new Promise((resolve) => setTimeout(resolve, 10));
    };
    for (let i = 0; i < 5; i += 1) await round();
    const warm = connections;
    expect(warm).toBeGreaterThanOrEqual(3);
    expect(warm).toBeLessThanOrEqual(6);
    for (let i = 0; i < 10; i += 1) await round();
    expect(connections).toBe(warm);
  });

  it('opens a new connection once the vendor closed the idle one', async () => {
    await get();
    const before = connections;
    server.closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await get();
    expect(connections).toBe(before + 1);
  });
});
