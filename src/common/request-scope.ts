import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the upstream layer knows of the client request a vendor call is made for. The edge enters
 * one per GraphQL operation; every call made while serving it, however deep in loaders and
 * channels, finds it without being handed it.
 */
export interface RequestScope {
  /**
   * Who asks, for the share of a vendor's rate budget one caller may use; null when the request
   * belongs to nobody in particular (it then counts against no caller's share).
   */
  readonly callerId: string | null;
  /**
   * Attempts sent to a vendor for this request so far: each retry counts, an answer from the
   * cache or from another request's in-flight call does not (nothing left for the vendor).
   */
  vendorCalls: number;
  /** Vendor answers served to this request from the cache, fresh (a stale serve is a failure's, not a hit). */
  cacheHits: number;
  /**
   * Aborts when the gateway stops waiting for this request (`GATEWAY_REQUEST_TIMEOUT_MS`); its
   * vendor calls are then abandoned unless another request shares them. Null: never.
   */
  readonly signal: AbortSignal | null;
  /**
   * The HTTP request's `x-request-id` (taken from the client or generated), which every log line
   * written while serving it carries; null for a scope entered outside any HTTP request.
   */
  readonly requestId: string | null;
}

const storage = new AsyncLocalStorage<RequestScope>();

export function createRequestScope(callerId: string | null, signal: AbortSignal | null = null, requestId: string | null = null): RequestScope {
  return { callerId, vendorCalls: 0, cacheHits: 0, signal, requestId };
}

/** Runs `serve` (and everything it starts, timers and promises included) within `scope`. */
export function runInRequestScope<T>(scope: RequestScope, serve: () => T): T {
  return storage.run(scope, serve);
}

/** The scope of the request being served here; undefined outside any (start-up, background jobs). */
export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}
