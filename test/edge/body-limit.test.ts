import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withBodyLimit } from '../../src/edge/body-limit.js';
import { createLogger } from '../../src/common/logger.js';

/** withBodyLimit in front of a handler that counts what reached it, on a loopback server. */
const MAX_BYTES = 1024;
const logs: string[] = [];
let server: Server;
let port: number;
let handled = 0;

beforeAll(async () => {
  const log = createLogger({ level: 'info', write: (line) => logs.push(line) });
  server = createServer(
    withBodyLimit(
      (req, res) => {
        handled += 1;
        req.resume().on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('handled'));
      },
      MAX_BYTES,
      log,
    ),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

function send(body: string, options: { chunked?: boolean; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/graphql?variables=secret', headers: options.headers ?? {} }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    // The server may answer and close before the whole body is sent: that is the point.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    if (!options.chunked) req.setHeader('content-length', Buffer.byteLength(body));
    // Written before the end, so Node sends it chunked unless a length was set.
    req.write(body);
    req.end();
  });
}

describe('withBodyLimit', () => {
  it('passes a body up to the limit to the handler', async () => {
    const before = handled;
    expect((await send('x'.repeat(MAX_BYTES))).text).toBe('handled');
    expect((await send('')).status).toBe(200);
    expect(handled - before).toBe(2);
  });

  it('answers 413 REQUEST_TOO_LARGE to a Content-Length over the limit, without calling the handler', async () => {
    const before = handled;
    const big = await send('x'.repeat(MAX_BYTES + 1));
    expect(big.status).toBe(413);
    expect(JSON.parse(big.text)).toEqual({ errors: [{ message: `The request body is over the limit of ${MAX_BYTES} bytes (MAX_REQUEST_BYTES).`, extensions: { code: 'REQUEST_TOO_LARGE' } }] });
    expect(big.headers['connection']).toBe('close');
    expect(big.headers['x-request-id']).toEqual(expect.any(String));
    expect(handled - before).toBe(0);
  });

  it('answers 411 LENGTH_REQUIRED to a chunked body, whose size is unknown until read', async () => {
    const before = handled;
    const chunked = await send('{"query":"{ __typename }"}', { chunked: true });
    expect(chunked.status).toBe(411);
    expect(JSON.parse(chunked.text).errors[0].extensions.code).toBe('LENGTH_REQUIRED');
    expect(handled - before).toBe(0);
  });

  it('keeps a caller-sent request id, and writes an access line with the path only', async () => {
    logs.length = 0;
    const refused = await send('x'.repeat(MAX_BYTES * 4), { headers: { 'x-request-id': 'req-body-limit-1' } });
    expect(refused.headers['x-request-id']).toBe('req-body-limit-1');
    const line = logs.map((text) => JSON.parse(text)).find((entry) => entry.requestId === 'req-body-limit-1');
    expect(line).toMatchObject({ status: 413, path: '/graphql', method: 'POST', vendorCalls: 0 });
    expect(logs.join('\n')).not.toContain('secret');
  });
});
