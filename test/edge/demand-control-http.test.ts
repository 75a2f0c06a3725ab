import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startGateway, type RunningGateway } from '../../src/server.js';

/**
 * Over real HTTP with authentication off, the caller is the client's address: two loopback
 * addresses are two callers, each with its own share of a vendor's minute.
 */

let running: RunningGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'demand-http-'));
  running = await startGateway(
    loadConfig({
      GATEWAY_DEMO: '1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      SHARPE_RATE_LIMIT_PER_MINUTE: '4',
      SHARPE_CACHE_TTL_SECONDS: '0',
      STALE_IF_ERROR_SECONDS: '0',
    }),
  );
});
afterAll(async () => {
  await running.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** POSTs `query` from the loopback address `from`. */
function post(query: string, from: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ query });
    const outgoing = request(running.url, { method: 'POST', localAddress: from, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(JSON.parse(text)));
    });
    outgoing.on('error', reject).end(body);
  });
}

it("gives each client address half of Sharpe's minute", async () => {
  const sharpe = '{ account(provider: SHARPE) { fetchedAt } }';
  expect((await post(sharpe, '127.0.0.1')).errors).toBeUndefined();
  expect((await post(sharpe, '127.0.0.1')).errors).toBeUndefined();
  const past = await post(sharpe, '127.0.0.1');
  expect(past.errors[0].extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', provider: 'SHARPE' });
  expect(past.extensions).toEqual({ cost: { vendorCalls: { estimated: 1, actual: 0 } } });
  const other = await post(sharpe, '127.0.0.2');
  expect(other.errors).toBeUndefined();
  expect(other.extensions).toEqual({ cost: { vendorCalls: { estimated: 1, actual: 1 } } });
});
