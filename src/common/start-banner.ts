/** Where a started gateway answers, as absolute URLs, for a person (the banner) and a log line. */
export interface GatewayEndpoints {
  /** The GraphQL endpoint (POST, or GET with a query). */
  graphql: string;
  /** GraphiQL, for a browser: the GraphQL endpoint itself; null when `GRAPHIQL=0`. */
  graphiql: string | null;
  /** The usage dashboard, for a browser; null when `DASHBOARD=0` or it is not built. */
  dashboard: string | null;
  /** Prometheus exposition: on the public port, or on `METRICS_PORT`. */
  metrics: string;
  /** Readiness probe. */
  ready: string;
  /** Liveness probe. */
  live: string;
}

/** The endpoints of a gateway whose GraphQL endpoint is `graphqlUrl`; `dashboardPath` is null when it serves no dashboard. */
export function gatewayEndpoints(graphqlUrl: string, metricsUrl: string, graphiql: boolean, dashboardPath: string | null = null): GatewayEndpoints {
  return {
    graphql: graphqlUrl,
    graphiql: graphiql ? graphqlUrl : null,
    dashboard: dashboardPath === null ? null : new URL(dashboardPath, graphqlUrl).href,
    metrics: metricsUrl,
    ready: new URL('/ready', graphqlUrl).href,
    live: new URL('/health', graphqlUrl).href,
  };
}

/**
 * The few lines printed once at start when logs are for a person: what to open, where to point a
 * scraper and probes, and how to stop. Ends with a newline.
 */
export function startBanner(endpoints: GatewayEndpoints, options: { demo: boolean }): string {
  const rows: [string, string][] = [
    ...(endpoints.dashboard === null ? [] : ([['Dashboard', `${endpoints.dashboard}  (open in a browser)`]] as [string, string][])),
    ...(endpoints.graphiql === null ? [] : ([['GraphiQL', `${endpoints.graphiql}  (open in a browser)`]] as [string, string][])),
    ['GraphQL', endpoints.graphql],
    ['Metrics', endpoints.metrics],
    ['Ready', endpoints.ready],
    ['Live', endpoints.live],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const title = options.demo ? 'Usage gateway is up (demo mode: built-in vendor simulators)' : 'Usage gateway is up';
  return ['', title, ...rows.map(([label, url]) => `  ${label.padEnd(width)}  ${url}`), '  Ctrl-C stops it.', '', ''].join('\n');
}
