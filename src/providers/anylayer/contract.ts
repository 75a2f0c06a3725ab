import { z } from 'zod';
import { counter, isoTimestamp, measure } from '../contract-kit.js';

/**
 * Anylayer `GET /v1/developer/usage` payloads. The vendor's page names the parts but shows no
 * example, so the shapes are our **assumed** contract (docs/vendors/anylayer.md). Unknown extra fields are
 * stripped; documented ones are checked.
 */

/** Which optional parts a request switched on (`include_breakdown`, `include_errors`, `include_latency`). */
export interface IncludedParts {
  breakdown: boolean;
  errors: boolean;
  latency: boolean;
}

/**
 * A part the request may have switched off. Switched off it is absent (optional); switched on it
 * is required, because a missing part would otherwise read as "not asked for" instead of as drift.
 */
function part<T extends z.ZodType>(included: boolean, schema: T) {
  return included ? schema : schema.optional();
}

// An average over no requests has no value, so an included latency may be null; absent it must not be.
const latency = measure.nullable();

/** Alert severities Anylayer documents. */
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;

/** `data.rate_limit`: the key's limits on this very endpoint (free 60/min … enterprise custom). */
export const rateLimitSchema = z.object({
  tier: z.string(),
  requests_per_minute: counter,
  remaining: counter,
  reset_at: isoTimestamp,
});

/** `data.alerts[]`. A recommendation is advice the vendor may not have for every alert. */
export const alertSchema = z.object({
  type: z.string(),
  severity: z.enum(ALERT_SEVERITIES),
  message: z.string(),
  recommendation: z.string().nullish(),
});

/** `pagination` of the endpoint breakdown (`limit`, `offset`). */
export const paginationSchema = z.object({
  limit: counter,
  offset: counter,
  total: counter,
  has_more: z.boolean(),
});

/** `data.errors`: failures by HTTP status (`"429"`) and by the vendor's error type name. */
export const errorStatsSchema = z.object({
  total: counter,
  rate: measure.max(1),
  by_status: z.record(z.string(), counter),
  by_type: z.record(z.string(), counter),
});

function buildSuccessBodySchema(included: IncludedParts) {
  const withLatency = <T extends z.ZodType>(schema: T) => part(included.latency, schema);
  return z.object({
    success: z.literal(true),
    data: z.object({
      usage: z.object({
        total_requests: counter,
        successful_requests: counter,
        failed_requests: counter,
        avg_latency_ms: withLatency(latency),
        p95_latency_ms: withLatency(latency),
      }),
      time_series: z.array(
        z.object({
          timestamp: isoTimestamp,
          requests: counter,
          errors: counter,
          avg_latency_ms: withLatency(latency),
        }),
      ),
      endpoints: part(
        included.breakdown,
        z.array(
          z.object({
            endpoint: z.string(),
            method: z.string(),
            requests: counter,
            errors: counter,
            avg_latency_ms: withLatency(latency),
          }),
        ),
      ),
      errors: part(included.errors, errorStatsSchema),
      rate_limit: rateLimitSchema,
      alerts: z.array(alertSchema),
    }),
    pagination: paginationSchema,
    timestamp: isoTimestamp,
  });
}

/** `error` of a failed call: `INVALID_TIMEFRAME`, `INVALID_GRANULARITY`, `INVALID_PARAMETER`, `NO_USAGE_DATA`, … */
export const apiErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
});

/** Body of a failed call. */
export const failureBodySchema = z.object({
  success: z.literal(false),
  error: apiErrorSchema,
});

/** A non-2xx body, read only for its `error`: the status already says the call failed. */
export const errorBodySchema = failureBodySchema.partial({ success: true });

/** A parsed success body; a switched-off part (and only one) is `undefined`. */
export type AnylayerSuccessBody = z.output<ReturnType<typeof buildSuccessBodySchema>>;

const responseSchemas = new Map<string, ReturnType<typeof buildResponseSchema>>();

function buildResponseSchema(included: IncludedParts) {
  return z.discriminatedUnion('success', [buildSuccessBodySchema(included), failureBodySchema]);
}

/**
 * The 2xx body for a request that switched on `included`: the success body or, when the vendor
 * flags failure inside a 2xx, the failure body. Built once per combination of parts (eight at
 * most) so each keeps zod's compiled fast path.
 */
export function responseSchema(included: IncludedParts) {
  const key = `${included.breakdown}/${included.errors}/${included.latency}`;
  let schema = responseSchemas.get(key);
  if (schema === undefined) {
    schema = buildResponseSchema(included);
    responseSchemas.set(key, schema);
  }
  return schema;
}
