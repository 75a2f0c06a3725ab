import { createCounter, createHistogram, usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import { DURATION_BUCKETS_SECONDS, METRIC_PREFIX, METRICS_PATH, type GatewayMetrics } from './metrics.js';

/** The yoga plugins of the metrics: the GraphQL counters and the public port's /metrics. */

/** The codes yoga gives parse and validation errors only after the plugin has seen them. */
const PHASE_CODE: Partial<Record<string, string>> = { parse: 'GRAPHQL_PARSE_FAILED', validate: 'GRAPHQL_VALIDATION_FAILED' };

function stringCode(code: unknown): string | undefined {
  return typeof code === 'string' ? code : undefined;
}

/**
 * yoga's Prometheus plugin, counting into the registry of `metrics` under our names: requests and their
 * durations by operation, errors by operation and code. Its own endpoint is off (see
 * {@link useMetricsEndpoint}), and so are the phase metrics nobody here reads.
 */
export function useGraphqlMetrics(metrics: GatewayMetrics): Plugin {
  const registry = metrics.registry;
  const operation = (name: string | undefined) => metrics.operationLabel(name);
  return usePrometheus({
    registry,
    endpoint: false,
    metrics: {
      graphql_envelop_request: createCounter({
        registry,
        counter: { name: `${METRIC_PREFIX}graphql_requests_total`, help: 'GraphQL operations executed, by operation name and type.', labelNames: ['operation_name', 'operation_type'] },
        fillLabelsFn: (params) => ({ operation_name: operation(params.operationName), operation_type: params.operationType ?? 'unknown' }),
      }),
      graphql_envelop_request_duration: createHistogram({
        registry,
        histogram: {
          name: `${METRIC_PREFIX}graphql_request_duration_seconds`,
          help: 'Time from parsing a GraphQL operation to its result, by operation name and type.',
          labelNames: ['operation_name', 'operation_type'],
          buckets: DURATION_BUCKETS_SECONDS,
        },
        fillLabelsFn: (params) => ({ operation_name: operation(params.operationName), operation_type: params.operationType ?? 'unknown' }),
      }),
      graphql_envelop_error_result: createCounter({
        registry,
        counter: {
          name: `${METRIC_PREFIX}graphql_errors_total`,
          help: 'Errors in GraphQL results, by operation name, extensions.code and the phase that raised them.',
          labelNames: ['operation_name', 'code', 'phase'],
        },
        fillLabelsFn: (params) => ({
          operation_name: operation(params.operationName),
          code: metrics.errorCodeLabel(stringCode(params.error?.extensions?.code) ?? PHASE_CODE[params.errorPhase ?? ''] ?? 'INTERNAL_SERVER_ERROR'),
          phase: params.errorPhase ?? 'unknown',
        }),
      }),
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
      graphql_yoga_http_duration: false,
    },
  });
}

/**
 * Answers GET /metrics with the exposition, before identity, the caller rate limit and CSRF see
 * it: a scraper carries no credential, and the numbers hold no secret. Place it after the Host
 * check, which exempts the path itself.
 */
export function useMetricsEndpoint(metrics: GatewayMetrics): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      // Not an async hook: a promise from every request's hook would hold up every request behind it.
      if (url.pathname !== METRICS_PATH || request.method !== 'GET') return;
      return metrics.exposition().then(({ contentType, body }) => {
        endResponse(new fetchAPI.Response(body, { status: 200, headers: { 'content-type': contentType } }));
      });
    },
  };
}

