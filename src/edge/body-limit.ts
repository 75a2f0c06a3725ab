import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../common/logger.js';
import { logAccess, roundMs } from '../common/access-line.js';
import { REQUEST_ID_HEADER, requestIdFrom } from '../common/request-id.js';
import { answerThenLinger, DEFAULT_LINGER_BOUNDS, type LingerBounds } from './lingering-close.js';

/**
 * Refuses a request body before any of it is read: `Content-Length` above `maxBytes` is answered
 * 413, and a body without a length (chunked) on a method that carries one is answered 411, since
 * its size could only be learnt by reading it. Every GraphQL client sends a length. Node's HTTP
 * parser holds a request to its `Content-Length`, so a lying length cannot smuggle more. A refusal
 * never reaches the gateway, so it gets its `x-request-id` and access line here (given `log`).
 * The refused body is still read and discarded, within `linger` (default
 * {@link DEFAULT_LINGER_BOUNDS}), before the connection closes, so that a client still uploading
 * reads its answer instead of a reset.
 */
export function withBodyLimit(
  handler: (req: IncomingMessage, res: ServerResponse) => unknown,
  maxBytes: number,
  log?: Logger,
  linger: LingerBounds = DEFAULT_LINGER_BOUNDS,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const startedAt = performance.now();
    const length = req.headers['content-length'];
    const chunked = length === undefined && req.headers['transfer-encoding'] !== undefined;
    if (chunked) return refuse(req, res, log, linger, startedAt, 411, 'LENGTH_REQUIRED', 'Send the request body with a Content-Length.');
    if (length !== undefined && !(Number(length) <= maxBytes)) {
      return refuse(req, res, log, linger, startedAt, 413, 'REQUEST_TOO_LARGE', `The request body is over the limit of ${maxBytes} bytes (MAX_REQUEST_BYTES).`);
    }
    handler(req, res);
  };
}

function refuse(req: IncomingMessage, res: ServerResponse, log: Logger | undefined, linger: LingerBounds, startedAt: number, status: number, code: string, message: string): void {
  const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
  const headers = { 'content-type': 'application/json; charset=utf-8', [REQUEST_ID_HEADER]: requestId };
  answerThenLinger(req, res, { status, headers, body: JSON.stringify({ errors: [{ message, extensions: { code } }] }) }, linger);
  if (log === undefined) return;
  logAccess(log, {
    requestId,
    method: req.method ?? 'GET',
    // Only the path: a query string can carry variables, and variables can carry anything.
    path: (req.url ?? '/').split('?')[0]!,
    operationName: null,
    status,
    durationMs: roundMs(performance.now() - startedAt),
    vendorCalls: 0,
    cacheHits: 0,
    caller: null,
  });
}
