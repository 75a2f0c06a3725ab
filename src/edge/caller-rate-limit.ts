import type { Plugin } from 'graphql-yoga';
import { systemClock, type Clock } from '../common/clock.js';
import { MemoryCallerWindows, type CallerWindows } from './caller-windows.js';
import type { Caller } from '../common/caller.js';

/** Options of {@link useCallerRateLimit}. */
export interface CallerRateLimitOptions {
  /** Requests per caller per sliding minute; 0 turns the limit off. `CALLER_RATE_LIMIT_PER_MINUTE`, default 600. */
  perMinute: number;
  /** The caller of a request (the identity plugin's). */
  callerOf(request: Request): Caller;
  /** The GraphQL endpoint's path; other paths (probes, metrics) are not counted. Default `/graphql`. */
  graphqlEndpoint?: string;
  /** Most callers tracked at once; the least recently seen are forgotten first. Default 10000. */
  maxCallers?: number;
  /** Default: the system clock. */
  clock?: Clock;
  /** Told of every refused request (the metrics). Default: none. */
  onRefused?: (caller: Caller) => void;
  /** Where requests are counted. Default: this process's memory, bounded by `maxCallers`. */
  windows?: CallerWindows;
}

/** Who is counted: the API key's name or the JWT's sub; without authentication, the client's address. */
function identityOf(caller: Caller, address: string | undefined): string {
  if (caller.kind === 'anonymous') return `address:${address ?? 'unknown'}`;
  return `${caller.kind}:${caller.name ?? caller.sub ?? 'unnamed'}`;
}

/** The client address of a request served by node:http (yoga's server context), when there is one. */
function remoteAddress(serverContext: unknown): string | undefined {
  const req = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req;
  return req?.socket?.remoteAddress;
}

/** The caller rate limit: its yoga plugin, and the count both it and the hot path take from. */
export interface CallerRateLimit {
  plugin: Plugin;
  /**
   * Counts one request of `caller` (from `address` when anonymous): 0 when it may go on, else ms
   * until it may (nothing counted). Always 0 when the limit is off.
   */
  take(caller: Caller, address: string | undefined): number | Promise<number>;
}

/**
 * At most `perMinute` GraphQL requests per caller over any sliding minute; past it, HTTP 429
 * with `Retry-After` (when the oldest counted request leaves the window) and one error
 * `extensions.code: RATE_LIMITED`. Refused requests are not counted, so a caller that waits as
 * told gets through. Runs after the identity check: an unauthenticated flood is refused there.
 */
export function useCallerRateLimit(options: CallerRateLimitOptions): Plugin {
  return createCallerRateLimit(options).plugin;
}

/** {@link useCallerRateLimit}'s plugin with its count, which the hot path takes from too. */
export function createCallerRateLimit(options: CallerRateLimitOptions): CallerRateLimit {
  const { perMinute, callerOf, graphqlEndpoint = '/graphql', maxCallers = 10_000, clock = systemClock, onRefused } = options;
  if (perMinute <= 0) return { plugin: {}, take: () => 0 };
  const windows = options.windows ?? new MemoryCallerWindows({ maxCallers });
  const take = (caller: Caller, address: string | undefined) => windows.take(identityOf(caller, address), clock.now(), perMinute);
  return {
    take,
    plugin: {
      onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
        if (url.pathname !== graphqlEndpoint || request.method === 'OPTIONS') return;
        const caller = callerOf(request);
        const taken = take(caller, remoteAddress(serverContext));
        const refuse = (waitMs: number) => {
          if (waitMs === 0) return;
          onRefused?.(caller);
          endResponse(refusal(fetchAPI, perMinute, Math.max(1, Math.ceil(waitMs / 1000))));
        };
        // The embedded store answers at once, so the request goes on without an await.
        if (typeof taken === 'number') return refuse(taken);
        return taken.then(refuse);
      },
    },
  };
}

/** HTTP 429 with `Retry-After` and one `RATE_LIMITED` error. */
function refusal(fetchAPI: { Response: typeof Response }, perMinute: number, retryAfterSeconds: number): Response {
  const body = {
    errors: [
      {
        message: `Rate limit of ${perMinute} requests a minute reached; retry in ${retryAfterSeconds} s.`,
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds },
      },
    ],
  };
  return new fetchAPI.Response(JSON.stringify(body), {
    status: 429,
    headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfterSeconds) },
  });
}
