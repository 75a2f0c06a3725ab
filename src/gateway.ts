import { useApolloInlineTrace } from '@graphql-yoga/plugin-apollo-inline-trace';
import { useEngine } from '@envelop/core';
import { execute, GraphQLError, parse, specifiedRules, subscribe, validate, type GraphQLSchema } from 'graphql';
import { createYoga, type GraphiQLOptions, type YogaServerInstance } from 'graphql-yoga';
import { createContext, type GatewayContext } from './context.js';
import type { PartnerLedger } from './ledger/service.js';
import type { Logger } from './logger.js';
import type { ProviderRegistry } from './providers/registry.js';
import { useResponseCache } from './response-cache.js';
import { createErrorMask } from './schema/errors.js';
import { GRAPHIQL_DEFAULT_QUERY } from './schema/graphiql-query.js';
import { buildSchema } from './schema/index.js';

/** What a gateway is built from; no port, so tests drive it with `yoga.fetch`. */
export interface GatewayDeps {
  registry: ProviderRegistry;
  logger: Logger;
  /** Serve GraphiQL on GET /graphql from a browser. Default true. */
  graphiql?: boolean;
  /** The partner usage ledger behind `partnerUser(s)` and `partnerLedger`. Default: none. */
  ledger?: PartnerLedger | null;
  /** The subgraph schema; built from `buildSchema` (host user type `User`, key `id`) when omitted. */
  schema?: GraphQLSchema;
  /**
   * How long a whole answer is reused for identical requests, ms (see `useResponseCache`). Default
   * 0, off; `startGateway` passes `RESPONSE_CACHE_TTL_MS` as the configuration resolved it.
   */
  responseCacheTtlMs?: number;
}

/**
 * `defaultQuery` only seeds new tabs; yoga's GraphiQL opens its first tab on `query` (its welcome
 * text unless given), which its option type does not declare, so both are set.
 */
const GRAPHIQL_OPTIONS: GraphiQLOptions = Object.assign(
  { title: 'Usage gateway', defaultQuery: GRAPHIQL_DEFAULT_QUERY },
  { query: GRAPHIQL_DEFAULT_QUERY },
);

export type Gateway = YogaServerInstance<Record<string, unknown>, GatewayContext>;

export function createGateway({ registry, logger, graphiql = true, ledger = null, schema = buildSchema(), responseCacheTtlMs = 0 }: GatewayDeps): Gateway {
  const maskError = createErrorMask(logger);
  return createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    context: () => createContext(registry, logger, ledger),
    maskedErrors: { maskError },
    plugins: [
      // graphql-js's executor keeps response keys in the order the query asked for them (yoga's
      // default one orders them by which resolver finished first, so GraphiQL shuffles fields).
      useEngine({ execute, subscribe, parse, validate, specifiedRules }),
      // Federation gateways ask for inline traces with `apollo-federation-include-trace: ftv1`; the
      // trace carries errors too, so they get the same mask as the response.
      useApolloInlineTrace({ rewriteError: (error) => toGraphQLError(maskError(error)) }),
      useResponseCache({ ttlMs: responseCacheTtlMs }),
    ],
    graphiql: graphiql ? GRAPHIQL_OPTIONS : false,
    // GraphiQL's scripts served by the gateway itself, not from a CDN, so it works offline. The
    // bundle is megabytes of script: loaded on the first page view, not at start.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    landingPage: false,
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error(args.map(String).join(' ')),
    },
  });
}

function toGraphQLError(error: Error): GraphQLError {
  return error instanceof GraphQLError ? error : new GraphQLError(error.message);
}
