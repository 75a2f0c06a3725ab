import type { Plugin } from 'graphql-yoga';

/** What {@link createCacheControl} is built from. */
export interface CacheControlOptions {
  /** The path of GraphQL answers; nothing else gets these headers (GraphiQL, /metrics, /health keep their own). */
  graphqlEndpoint: string;
  /**
   * Whether answers depend on who asks (an authenticator is configured): then a reused answer is
   * `private`, and the headers that carry credentials are named in `Vary`. Default false.
   */
  authenticated?: boolean;
}

/** The headers a caller's credential travels in (`src/edge/identity/authenticator.ts`). */
const CREDENTIAL_HEADERS = ['Authorization', 'X-API-Key'];

/**
 * HTTP caching headers of GraphQL answers. Every answer is `Cache-Control: no-store`, except one
 * the response cache served (`response-cache.ts`): that one may be kept for what is left of
 * its TTL, `max-age` in whole seconds rounded down. With authentication on it is `private`: the
 * response cache keeps answers per scope set, and a shared proxy, which knows nothing of scopes,
 * must never hand one caller's answer to another. With authentication off every caller has every
 * scope and gets the same answer, so a shared cache may keep it (`public`). `Vary: Accept`, since
 * one request is answered as JSON, GraphQL response JSON or multipart by its `Accept`.
 */
export function createCacheControl(options: CacheControlOptions): {
  plugin: Plugin;
  /** Says that the response cache answered `request`, with `remainingMs` of its TTL left. */
  servedFromCache(request: Request, remainingMs: number): void;
} {
  const { graphqlEndpoint, authenticated = false } = options;
  const reused = new WeakMap<Request, number>();
  const vary = ['Accept', ...(authenticated ? CREDENTIAL_HEADERS : [])];
  return {
    servedFromCache: (request, remainingMs) => reused.set(request, remainingMs),
    plugin: {
      onResponse({ request, response, setResponse, fetchAPI }) {
        if (new URL(request.url).pathname !== graphqlEndpoint) return;
        // GraphiQL's page is no GraphQL answer.
        if ((response.headers.get('content-type') ?? '').startsWith('text/html')) return;
        const remainingMs = reused.get(request);
        const cacheControl =
          remainingMs === undefined
            ? 'no-store'
            : `${authenticated ? 'private' : 'public'}, max-age=${Math.max(0, Math.floor(remainingMs / 1000))}`;
        const headers = new fetchAPI.Headers(response.headers);
        headers.set('cache-control', cacheControl);
        const existing = (headers.get('vary') ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
        const names = [...existing, ...vary.filter((name) => !existing.some((other) => other.toLowerCase() === name.toLowerCase()))];
        headers.set('vary', names.join(', '));
        try {
          response.headers.set('cache-control', cacheControl);
          response.headers.set('vary', names.join(', '));
        } catch {
          // Some responses (`Response.error()`, a fetched one) have immutable headers: copy it.
          setResponse(new fetchAPI.Response(response.body, { status: response.status, statusText: response.statusText, headers }));
        }
      },
    },
  };
}
