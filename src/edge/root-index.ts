import type { Plugin } from 'graphql-yoga';

/** Options of {@link useRootIndex}. */
export interface RootIndexOptions {
  /** The GraphQL endpoint's path, e.g. `/graphql`. */
  graphqlPath: string;
  /** Whether GraphiQL is served there: a browser is sent to it only then. */
  graphiql: boolean;
  /** Path of /metrics on this port; null when `METRICS_PORT` serves them elsewhere. */
  metricsPath: string | null;
  /** Path of the readiness probe. */
  readyPath: string;
  /** Path of the liveness probe. */
  livePath: string;
}

/**
 * Answers `GET /` and `HEAD /` for whoever types the bare address: a browser (it accepts
 * `text/html`) is redirected (302) to GraphiQL, anything else gets a small JSON index of the
 * endpoints. Placed after the Host check, so `/` answers no Host the GraphQL endpoint refuses;
 * before identity, since the index holds nothing a credential guards.
 */
export function useRootIndex(options: RootIndexOptions): Plugin {
  const index = JSON.stringify({
    service: 'usage-gateway',
    endpoints: { graphql: options.graphqlPath, ready: options.readyPath, live: options.livePath, metrics: options.metricsPath },
  });
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== '/' || (request.method !== 'GET' && request.method !== 'HEAD')) return;
      const body = request.method === 'HEAD' ? null : index;
      if (options.graphiql && acceptsHtml(request.headers.get('accept'))) {
        endResponse(new fetchAPI.Response(null, { status: 302, headers: { location: options.graphqlPath, 'cache-control': 'no-store' } }));
        return;
      }
      endResponse(new fetchAPI.Response(body, { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } }));
    },
  };
}

function acceptsHtml(accept: string | null): boolean {
  return accept !== null && /(^|,)\s*text\/html\b/i.test(accept);
}
