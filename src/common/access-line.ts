import type { Logger } from './logger.js';

/**
 * The access line's format, shared by the access log and the edge's own early refusals (an
 * oversized body is answered before yoga, and so before the access log, sees it).
 */

/** One access line: what an operator reads to see who asked for what and what it cost. */
export interface AccessLine {
  requestId: string;
  method: string;
  /** The URL's path only: a query string can carry variables, and variables can carry anything. */
  path: string;
  /** The GraphQL operation's name; null for an anonymous operation or a request refused before parsing. */
  operationName: string | null;
  status: number;
  durationMs: number;
  /** Attempts sent to vendors for the request, retries included (see `RequestScope.vendorCalls`). */
  vendorCalls: number;
  /** Vendor answers served to it from the cache (see `RequestScope.cacheHits`). */
  cacheHits: number;
  /** The API key's name or the JWT's sub; null when anonymous or refused. Never the credential. */
  caller: string | null;
}

/** The access line's message, so that one grep finds every request. */
export const ACCESS_LOG_MESSAGE = 'request';

/** Writes one access line at info. */
export function logAccess(logger: Logger, line: AccessLine): void {
  logger.info(ACCESS_LOG_MESSAGE, { ...line });
}

/** Milliseconds to two decimals: finer says nothing, and the line stays short. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
