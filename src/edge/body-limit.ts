import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Refuses a request body before any of it is read: `Content-Length` above `maxBytes` is answered
 * 413, and a body without a length (chunked) on a method that carries one is answered 411, since
 * its size could only be learnt by reading it. Every GraphQL client sends a length. Node's HTTP
 * parser holds a request to its `Content-Length`, so a lying length cannot smuggle more.
 */
export function withBodyLimit(
  handler: (req: IncomingMessage, res: ServerResponse) => unknown,
  maxBytes: number,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const length = req.headers['content-length'];
    const chunked = length === undefined && req.headers['transfer-encoding'] !== undefined;
    if (chunked) return refuse(res, 411, 'LENGTH_REQUIRED', 'Send the request body with a Content-Length.');
    if (length !== undefined && !(Number(length) <= maxBytes)) {
      return refuse(res, 413, 'REQUEST_TOO_LARGE', `The request body is over the limit of ${maxBytes} bytes (MAX_REQUEST_BYTES).`);
    }
    handler(req, res);
  };
}

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  // The unread body is not drained: the connection closes after the answer.
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}
