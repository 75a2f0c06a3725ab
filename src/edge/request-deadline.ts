import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../common/logger.js';

/** Why a request's signal aborted: it passed `GATEWAY_REQUEST_TIMEOUT_MS` and was answered 504. */
export class GatewayTimeoutError extends Error {
  override readonly name = 'GatewayTimeoutError';
  readonly code = 'GATEWAY_TIMEOUT';
}

/** A request's deadline: its signal is made only when something asks for it (a cache hit never does). */
interface Deadline {
  controller: AbortController | null;
  /** Set once the deadline passed. */
  expired: GatewayTimeoutError | null;
}

const deadlines = new WeakMap<IncomingMessage, Deadline>();
const exemptions = new WeakMap<IncomingMessage, () => void>();

/**
 * Lifts the deadline of `req` (see {@link withRequestDeadline}): a subscription is a stream meant
 * to stay open, which the limits on subscriptions bound instead. Nothing for a request that did not
 * come through it.
 */
export function exemptFromDeadline(req: unknown): void {
  if (typeof req === 'object' && req !== null) exemptions.get(req as IncomingMessage)?.();
}

/** The yoga plugin that exempts subscriptions from the request deadline, as they start. */
export function useSubscriptionDeadlineExemption(): Plugin {
  return {
    onSubscribe({ args }) {
      exemptFromDeadline((args.contextValue as { req?: unknown }).req);
    },
  };
}

/**
 * The signal that aborts when the gateway stops waiting for `req` (see {@link withRequestDeadline});
 * null for a request that did not come through it (tests calling `yoga.fetch`).
 */
export function deadlineSignalOf(req: unknown): AbortSignal | null {
  const deadline = typeof req === 'object' && req !== null ? deadlines.get(req as IncomingMessage) : undefined;
  if (deadline === undefined) return null;
  if (deadline.controller === null) {
    deadline.controller = new AbortController();
    if (deadline.expired !== null) deadline.controller.abort(deadline.expired);
  }
  return deadline.controller.signal;
}

/**
 * The gateway's own deadline per HTTP request. Vendor calls end within their deadlines, which
 * config keeps below this one; this bounds whatever else an operation chains (several vendor
 * pages in a row). Past it the request is answered 504 with one `GATEWAY_TIMEOUT` error and its
 * signal aborts, which abandons the vendor calls only it waits for. yoga's late answer is dropped:
 * its Node adapter writes nothing to a response already ended. An answer already streaming cannot
 * become a 504, so its connection is closed instead. Subscriptions are exempt
 * ({@link useSubscriptionDeadlineExemption}).
 */
export function withRequestDeadline(
  handler: (req: IncomingMessage, res: ServerResponse) => unknown,
  timeoutMs: number,
  log: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const deadline: Deadline = { controller: null, expired: null };
    deadlines.set(req, deadline);
    const timer = setTimeout(() => {
      if (res.writableEnded) return;
      const message = `The request did not finish within GATEWAY_REQUEST_TIMEOUT_MS (${timeoutMs} ms); its vendor calls were abandoned.`;
      log.warn('request exceeded GATEWAY_REQUEST_TIMEOUT_MS; answered 504', { timeoutMs, path: req.url });
      if (res.headersSent) {
        res.destroy();
      } else {
        // The request body may be unread: the connection closes after the answer.
        res.writeHead(504, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
        res.end(JSON.stringify({ errors: [{ message, extensions: { code: 'GATEWAY_TIMEOUT' } }] }));
      }
      deadline.expired = new GatewayTimeoutError(message);
      deadline.controller?.abort(deadline.expired);
    }, timeoutMs);
    exemptions.set(req, () => clearTimeout(timer));
    res.once('close', () => clearTimeout(timer));
    handler(req, res);
  };
}
