import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceListening, exitWithParent } from '../lib/announce.js';

/**
 * The ceiling: node:http answering every request with the exact bytes our gateway sent for the
 * overview query, after reading the request body as any server must. Nothing can serve the
 * overview faster on this machine.
 */
const body = readFileSync(process.env.BENCH_RESPONSE_FILE ?? '');
const contentType = process.env.BENCH_RESPONSE_CONTENT_TYPE ?? 'application/json; charset=utf-8';
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': contentType, 'content-length': body.length });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  announceListening(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
});
exitWithParent(() => new Promise((resolve) => server.close(() => resolve())));
