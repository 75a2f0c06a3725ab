import { z } from 'zod';
import { integerIn, isLoopbackHost } from '../common/env-values.js';
import type { EnvironmentReader } from './environment-reader.js';

/** The samplers of the OpenTelemetry specification's `OTEL_TRACES_SAMPLER`. */
export const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export type TraceSamplerName = (typeof TRACE_SAMPLERS)[number];

/** OpenTelemetry tracing, read from the standard `OTEL_*` variables. */
export interface TracingConfig {
  /**
   * Where spans are POSTed as OTLP/HTTP JSON; null turns tracing off (no provider, no span).
   * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`;
   * default unset. `OTEL_SDK_DISABLED=true` turns it off whatever they say.
   */
  tracesEndpoint: string | null;
  /** `service.name` of every span. `OTEL_SERVICE_NAME`, default `usage-gateway`. */
  serviceName: string;
  /** `OTEL_TRACES_SAMPLER`, default `parentbased_always_on`: a router's sampling decision is kept. */
  sampler: TraceSamplerName;
  /** Share of traces kept by the ratio samplers. `OTEL_TRACES_SAMPLER_ARG` (0 to 1), default 1. */
  samplerRatio: number;
  /** Longest wait before a batch of spans is exported, ms. `OTEL_BSP_SCHEDULE_DELAY` (1 to 60000), default 5000. */
  scheduleDelayMs: number;
}

/**
 * Credentials for a collector go in `OTEL_EXPORTER_OTLP_HEADERS` (read by the exporter itself),
 * never in the URL, which is quoted in errors and logs. Plain http only to loopback, as for vendors.
 */
const endpoint = z
  .string()
  .trim()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'expected an http(s) URL')
  .refine((value) => !URL.canParse(value) || (new URL(value).username === '' && new URL(value).password === ''), 'must not contain user:password@ (use OTEL_EXPORTER_OTLP_HEADERS)')
  .refine((value) => !URL.canParse(value) || new URL(value).protocol === 'https:' || isLoopbackHost(new URL(value).hostname), 'plain http only to loopback')
  .optional();

const sampler = z
  .enum(TRACE_SAMPLERS, { message: `expected one of ${TRACE_SAMPLERS.join(', ')}` })
  .optional()
  .transform((value) => value ?? 'parentbased_always_on');

const ratio = z
  .string()
  .trim()
  .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'expected a number from 0 to 1')
  .transform(Number)
  .optional()
  .transform((value) => value ?? 1);

const sdkDisabled = z
  .enum(['true', 'false'], { message: 'expected true or false' })
  .optional()
  .transform((value) => value === 'true');

const serviceName = z.string().trim().min(1).optional().transform((value) => value ?? 'usage-gateway');

export function readTracingConfig(reader: EnvironmentReader): TracingConfig {
  const traces = reader.read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', endpoint);
  const base = reader.read('OTEL_EXPORTER_OTLP_ENDPOINT', endpoint);
  const disabled = reader.read('OTEL_SDK_DISABLED', sdkDisabled);
  const tracesEndpoint = disabled ? null : (traces ?? (base === undefined ? null : `${base.replace(/\/+$/, '')}/v1/traces`));
  return {
    tracesEndpoint,
    serviceName: reader.read('OTEL_SERVICE_NAME', serviceName),
    sampler: reader.read('OTEL_TRACES_SAMPLER', sampler),
    samplerRatio: reader.read('OTEL_TRACES_SAMPLER_ARG', ratio),
    scheduleDelayMs: reader.read('OTEL_BSP_SCHEDULE_DELAY', integerIn(1, 60_000, 5000)),
  };
}
