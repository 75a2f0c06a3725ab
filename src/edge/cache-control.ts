import type { Plugin } from 'graphql-yoga';
import { pathOfUrl } from '../common/url-path.js';

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
  /** `Cache-Control` of a GraphQL answer: `remainingMs` of a reused answer's TTL, undefined for any other. */
  cacheControlOf(remainingMs: number | undefined): string;
  /** `Vary` of a GraphQL answer that carries no `Vary` of its own. */
  readonly vary: string;
} {
  const { graphqlEndpoint, authenticated = false } = options;
  const reused = new WeakMap<Request, number>();
  const varyNames = ['Accept', ...(authenticated ? CREDENTIAL_HEADERS : [])];
  const reusedPrefix = `${authenticated ? 'private' : 'public'}, max-age=`;
  const cacheControlOf = (remainingMs: number | undefined) =>
    remainingMs === undefined ? 'no-store' : reusedPrefix + Math.max(0, Math.floor(remainingMs / 1000));
  const vary = varyNames.join(', ');
  return {
    servedFromCache: (request, remainingMs) => reused.set(request, remainingMs),
    cacheControlOf,
    vary,
    plugin: {
      onResponse({ request, response, setResponse, fetchAPI }) {
        if (pathOfUrl(request.url) !== graphqlEndpoint) return;
        // GraphiQL's page is no GraphQL answer.
        if ((response.headers.get('content-type') ?? '').startsWith('text/html')) return;
        const cacheControl = cacheControlOf(reused.get(request));
        const varies = varyWith(response.headers.get('vary'), varyNames, vary);
        try {
          response.headers.set('cache-control', cacheControl);
          response.headers.set('vary', varies);
        } catch {
          // Some responses (`Response.error()`, a fetched one) have immutable headers: copy it.
          const headers = new fetchAPI.Headers(response.headers);
          headers.set('cache-control', cacheControl);
          headers.set('vary', varies);
          setResponse(new fetchAPI.Response(response.body, { status: response.status, statusText: response.statusText, headers }));
        }
      },
    },
  };
}

/** `existing` (a response's own `Vary`, CORS's `Origin`) with `names` added, each once; `alone` when there is none. */
function varyWith(existing: string | null, names: readonly string[], alone: string): string {
  if (existing === null || existing.trim() === '') return alone;
  const present = existing.split(',').map((name) => name.trim()).filter((name) => name !== '');
  return [...present, ...names.filter((name) => !present.some((other) => other.toLowerCase() === name.toLowerCase()))].join(', ');
}
