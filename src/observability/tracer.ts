import { ProxyTracerProvider, trace, type Tracer } from '@opentelemetry/api';
import { installSpanSource, type SpanSource } from '../common/instrumentation.js';

/** The instrumentation scope of every span the gateway makes. */
export const TRACER_NAME = 'usage-gateway';

/**
 * The registered SDK's tracer, or undefined when tracing is off. The API's own tracer would hand
 * out no-op spans instead; asking for the delegate lets every instrumented place skip span work
 * entirely, so tracing off costs one lookup per call and no object.
 */
function registeredTracer(): Tracer | undefined {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider ? provider.getDelegateTracer(TRACER_NAME) : provider.getTracer(TRACER_NAME);
}

/** OpenTelemetry's global tracer provider as the source of the gateway's spans. */
export const openTelemetrySpans: SpanSource = { tracer: registeredTracer };

/**
 * Makes the lower layers' spans come from OpenTelemetry's global provider: whichever SDK is
 * registered (by `startTracing` or by a test), none while none is.
 */
export function installOpenTelemetrySpans(): void {
  installSpanSource(openTelemetrySpans);
}
