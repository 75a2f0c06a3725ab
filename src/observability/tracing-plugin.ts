import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type Span, type TextMapGetter } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { activeTracer, failSpan } from '../common/instrumentation.js';

/** Reads the W3C `traceparent`/`tracestate` of a fetch `Headers`. */
const headersGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/** What {@link useTracing} needs to know of the gateway. */
export interface TracingPluginOptions {
  /**
   * The GraphQL path (`/graphql`), the one route a request span is named after; any other path
   * (probes, scanners) names its span by the method alone, so that span names stay few.
   */
  graphqlEndpoint: string;
}

/**
 * A server span per HTTP request, continuing the caller's W3C trace context (a router's trace
 * then shows this gateway's work), and under it a span per GraphQL operation named as
 * OpenTelemetry's GraphQL conventions say (`query Overview`). Both are current while yoga runs
 * them, so the vendor calls of resolvers and loaders become their children. Attributes hold the
 * path, never the query string, the headers or the document. With tracing off (no provider when
 * the gateway is built) the plugin is empty.
 */
export function useTracing(options: TracingPluginOptions): Plugin {
  const tracer = activeTracer();
  if (tracer === undefined) return {};
  const requestSpans = new WeakMap<Request, Span>();
  const operationSpans = new WeakMap<Request, Span>();
  return {
    instrumentation: {
      async request({ request }, wrapped) {
        const url = new URL(request.url);
        const parent = propagation.extract(ROOT_CONTEXT, request.headers, headersGetter);
        const route = url.pathname === options.graphqlEndpoint ? options.graphqlEndpoint : undefined;
        const span = tracer.startSpan(
          route === undefined ? request.method : `${request.method} ${route}`,
          {
            kind: SpanKind.SERVER,
            attributes: {
              [ATTR_HTTP_REQUEST_METHOD]: request.method,
              [ATTR_URL_PATH]: url.pathname,
              [ATTR_URL_SCHEME]: url.protocol.slice(0, -1),
              ...(route === undefined ? {} : { [ATTR_HTTP_ROUTE]: route }),
            },
          },
          parent,
        );
        requestSpans.set(request, span);
        try {
          await context.with(trace.setSpan(parent, span), wrapped);
        } catch (error) {
          failSpan(span, error);
          throw error;
        } finally {
          span.end();
        }
      },
      async operation({ request }, wrapped) {
        const span = tracer.startSpan('GraphQL operation', { kind: SpanKind.INTERNAL });
        operationSpans.set(request, span);
        try {
          await context.with(trace.setSpan(context.active(), span), wrapped);
        } finally {
          span.end();
        }
      },
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const span = request === undefined ? undefined : operationSpans.get(request);
      if (span === undefined) return;
      const { type, name } = describeOperation(args.document, args.operationName);
      span.updateName(name === undefined ? type : `${type} ${name}`);
      span.setAttribute('graphql.operation.type', type);
      if (name !== undefined) span.setAttribute('graphql.operation.name', name);
      return {
        onExecuteDone({ result }) {
          // Partial failure is an answer, not a failed span: the count says how partial.
          if (!Array.isArray(result) && 'errors' in result && result.errors !== undefined) span.setAttribute('graphql.errors.count', result.errors.length);
        },
      };
    },
    onResponse({ request, response }) {
      const span = requestSpans.get(request);
      if (span === undefined) return;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
      if (response.status >= 500) failSpan(span, { code: String(response.status) });
    },
  };
}

function describeOperation(document: DocumentNode, operationName: string | null | undefined): { type: string; name: string | undefined } {
  const operation = getOperationAST(document, operationName);
  return { type: operation?.operation ?? 'operation', name: operation?.name?.value };
}
