import { ProxyTracerProvider, SpanStatusCode, trace, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';

/** The instrumentation scope of every span the gateway makes. */
export const TRACER_NAME = 'usage-gateway';

/**
 * The registered SDK's tracer, or undefined when tracing is off. The API's own tracer would hand
 * out no-op spans instead; asking for the delegate lets every instrumented place skip span work
 * entirely, so tracing off costs one lookup per call and no object.
 */
export function activeTracer(): Tracer | undefined {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider ? provider.getDelegateTracer(TRACER_NAME) : provider.getTracer(TRACER_NAME);
}

/**
 * Runs `work` in a new active span that ends when it settles, a thrown error recorded on it; with
 * tracing off, runs `work` with no span at all.
 */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  const tracer = activeTracer();
  // Not an async function, so that tracing off adds no promise either.
  if (tracer === undefined) return work(undefined);
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Marks a span failed with the error's machine-readable code (or class name). Never the message:
 * upstream messages are redacted, but a span goes to a collector outside the gateway's control.
 */
export function failSpan(span: Span, error: unknown): void {
  const type = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : error instanceof Error ? error.name : 'Error';
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}
