import type { Plugin } from 'graphql-yoga';

/** Options of {@link useRootIndex}. */
export interface RootIndexOptions {
  /** The GraphQL endpoint's path, e.g. `/graphql`. */
  graphqlPath: string;
  /** Whether GraphiQL is served there: a browser is sent to it when there is no dashboard. */
  graphiql: boolean;
  /** The dashboard's path (`/dashboard/`) when one is served, where a browser goes first; null when none is. */
  dashboardPath: string | null;
  /** Path of /metrics on this port; null when `METRICS_PORT` serves them elsewhere. */
  metricsPath: string | null;
  /** Path of the readiness probe. */
  readyPath: string;
  /** Path of the liveness probe. */
  livePath: string;
}

/**
 * Answers `GET /` and `HEAD /` for whoever types the bare address: a browser (it accepts
 * `text/html`) is redirected (302) to the dashboard, or to GraphiQL without one, anything else
 * gets a small JSON index of the endpoints. Placed after the Host check, so `/` answers no Host the GraphQL endpoint refuses;
 * before identity, since the index holds nothing a credential guards.
 */
export function useRootIndex(options: RootIndexOptions): Plugin {
  const index = JSON.stringify({
    service: 'usage-gateway',
    endpoints: { graphql: options.graphqlPath, dashboard: options.dashboardPath, ready: options.readyPath, live: options.livePath, metrics: options.metricsPath },
  });
  const browserGoesTo = options.dashboardPath ?? (options.graphiql ? options.graphqlPath : null);
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== '/' || (request.method !== 'GET' && request.method !== 'HEAD')) return;
      const body = request.method === 'HEAD' ? null : index;
      if (browserGoesTo !== null && acceptsHtml(request.headers.get('accept'))) {
        endResponse(new fetchAPI.Response(null, { status: 302, headers: { location: browserGoesTo, 'cache-control': 'no-store' } }));
        return;
      }
      endResponse(new fetchAPI.Response(body, { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } }));
    },
  };
}

function acceptsHtml(accept: string | null): boolean {
  return accept !== null && /(^|,)\s*text\/html\b/i.test(accept);
}
