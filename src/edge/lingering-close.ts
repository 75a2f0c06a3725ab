import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * How long a refused request's body is still read, and thrown away, before its connection closes.
 * Closing a socket whose peer is still sending makes the kernel answer with a reset, which can
 * reach the client before it has read the refusal: it then sees `EPIPE` or `ECONNRESET` instead
 * of the 413. Reading the rest first (nginx's "lingering close") lets it read its answer; the
 * bounds keep a client that never stops from holding the connection.
 */
export interface LingerBounds {
  /** Most bytes of the body read and discarded before the connection closes anyway. Default 64 MiB. */
  maxBytes: number;
  /** Longest time, in ms from the answer, before the connection closes anyway. Default 10,000. */
  maxMs: number;
}

/** The bounds {@link answerThenLinger} uses unless given others: a body as large as `MAX_REQUEST_BYTES` may be set, for up to 10 s. */
export const DEFAULT_LINGER_BOUNDS: LingerBounds = { maxBytes: 64 * 1024 * 1024, maxMs: 10_000 };

/**
 * How a lingering connection ended: the whole body was read (`body-read`), a bound was reached
 * (`byte-bound`, `time-bound`), or the client went away first (`client-closed`).
 */
export interface LingerOutcome {
  ended: 'body-read' | 'byte-bound' | 'time-bound' | 'client-closed';
  /** Bytes of the body read and thrown away. */
  discardedBytes: number;
}

/**
 * Sends a whole answer at once and then keeps the connection open while the rest of the request
 * body is read and discarded, chunk by chunk (nothing is kept: memory stays flat), until the body
 * ends or a bound is reached; only then does the response end and the connection close
 * (`connection: close` is set). The answer carries its `content-length`, so the client has all of
 * it before the connection closes. `onEnd` learns how the lingering ended.
 */
export function answerThenLinger(
  req: IncomingMessage,
  res: ServerResponse,
  answer: { status: number; headers: OutgoingHttpHeaders; body: string },
  bounds: LingerBounds = DEFAULT_LINGER_BOUNDS,
  onEnd?: (outcome: LingerOutcome) => void,
): void {
  res.writeHead(answer.status, { ...answer.headers, connection: 'close', 'content-length': Buffer.byteLength(answer.body) });
  res.write(answer.body);
  let discardedBytes = 0;
  let settled = false;
  const settle = (ended: LingerOutcome['ended']) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    req.off('data', discard);
    res.end();
    onEnd?.({ ended, discardedBytes });
  };
  const discard = (chunk: Buffer) => {
    discardedBytes += chunk.length;
    if (discardedBytes > bounds.maxBytes) settle('byte-bound');
  };
  const timer = setTimeout(() => settle('time-bound'), bounds.maxMs);
  req.on('data', discard);
  req.once('end', () => settle('body-read'));
  res.once('close', () => settle('client-closed'));
  if (req.readableEnded) settle('body-read');
}
