import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config/tracing.js';

/** Tracing as started: the one thing to do with it is to flush and stop it. */
export interface RunningTracing {
  /** Exports the spans still queued, then unregisters everything `startTracing` registered. */
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider that exports to the configured OTLP/HTTP endpoint, with the
 * AsyncLocalStorage context manager (a span started in a resolver stays current in the vendor
 * calls it awaits) and the W3C trace-context propagator. Null when no endpoint is configured:
 * nothing is registered, so the API stays its no-op self and the gateway makes no span.
 */
export function startTracing(config: TracingConfig): RunningTracing | null {
  if (config.tracesEndpoint === null) return null;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }),
    sampler: samplerOf(config),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.tracesEndpoint }), { scheduledDelayMillis: config.scheduleDelayMs })],
  });
  // Defaults: AsyncLocalStorageContextManager and W3C trace context (plus baggage), from the SDK's
  // own @opentelemetry/core 2.x; the top-level copy of core is Apollo's 1.x.
  provider.register();
  return {
    async shutdown() {
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
}

function samplerOf({ sampler, samplerRatio }: TracingConfig): Sampler {
  switch (sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(samplerRatio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplerRatio) });
  }
}
