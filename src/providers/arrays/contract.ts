import { z } from 'zod';
import { counter } from '../contract-kit.js';

/**
 * Arrays `GET /v1/partner/usage` payloads (docs/vendors/arrays.md).
 * Unknown extra fields are stripped; documented ones are checked.
 */

/** `model.PartnerUsageByEP`: one user's counters for one endpoint. */
export const partnerUsageByEndpointSchema = z.object({
  calls: counter,
  discoveries: counter,
  tweets: counter,
});

/**
 * `model.PartnerUsage`: one user's counters within one page. `sub` is a string by contract and
 * stays one: ids exceed 2^53, so a numeric `sub` already lost digits and is rejected, not coerced.
 */
export const partnerUsageSchema = z.object({
  sub: z.string(),
  calls: counter,
  discoveries: counter,
  tweets: counter,
  by_endpoint: z.record(z.string(), partnerUsageByEndpointSchema),
});

/** `model.APIErrorDetail`: one complaint about one request field. */
export const apiErrorDetailSchema = z.object({
  field: z.string(),
  got: z.string().optional(),
  reason: z.string(),
});

/** `model.APIError`. Only `code` and `message` are always sent; the rest is advice when the vendor has some. */
export const apiErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  details: z.array(apiErrorDetailSchema).optional(),
  docs_url: z.string().optional(),
  examples: z.array(z.string()).optional(),
  suggestions: z.array(z.string()).optional(),
});

/** **Assumed** `pagination`: `next_cursor` is the id of the last stream entry the call processed. */
export const paginationSchema = z.object({
  next_cursor: z.string(),
  has_more: z.boolean(),
});

/** `model.APIResponse` of a call that succeeded, `data` typed as `PartnerUsage[]`. */
export const successEnvelopeSchema = z.object({
  success: z.literal(true),
  data: z.array(partnerUsageSchema),
  // A Go `interface{}` without omitempty serialises as null, so null means absent here.
  pagination: paginationSchema.nullish(),
  request_id: z.string(),
});

/** `model.APIResponse` of a call that failed: `success: false` with the `error`. */
export const failureEnvelopeSchema = z.object({
  success: z.literal(false),
  error: apiErrorSchema,
  request_id: z.string(),
});

/** Any 2xx body: the envelope's `success` flag says which shape the rest has. */
export const apiResponseSchema = z.discriminatedUnion('success', [successEnvelopeSchema, failureEnvelopeSchema]);

/**
 * A non-2xx body, read only for its advice: the error alone is enough, because the status already
 * says the call failed and a request id, when present, is a bonus.
 */
export const errorBodySchema = failureEnvelopeSchema.partial({ success: true, request_id: true });

export type ArraysSuccessEnvelope = z.output<typeof successEnvelopeSchema>;
export type ArraysApiError = z.output<typeof apiErrorSchema>;
export type ArraysErrorBody = z.output<typeof errorBodySchema>;

/**
 * `successEnvelopeSchema`'s answer for a parsed body, checked in place: true only for a payload
 * that schema accepts, which is then used as it is. zod's parse builds a second copy of every
 * user of a page (1000 of them in the overview), and a cold query waits for that copy and its
 * garbage; the mapping to the unified model reads only the documented fields, so the extra
 * fields the schema would strip stay unread. False means "ask the schema", which names the problem.
 */
export function isSuccessEnvelope(payload: unknown): payload is ArraysSuccessEnvelope {
  if (!isRecord(payload) || payload.success !== true || typeof payload.request_id !== 'string' || !Array.isArray(payload.data)) return false;
  const { pagination } = payload;
  if (pagination !== undefined && pagination !== null && !(isRecord(pagination) && typeof pagination.next_cursor === 'string' && typeof pagination.has_more === 'boolean')) {
    return false;
  }
  for (const usage of payload.data as unknown[]) {
    if (!isRecord(usage) || typeof usage.sub !== 'string' || !hasCounters(usage) || !isRecord(usage.by_endpoint)) return false;
    for (const counts of Object.values(usage.by_endpoint)) if (!isRecord(counts) || !hasCounters(counts)) return false;
  }
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `calls`, `discoveries` and `tweets` as `counter` has them: safe non-negative integers. */
function hasCounters(value: Record<string, unknown>): boolean {
  return isCounter(value.calls) && isCounter(value.discoveries) && isCounter(value.tweets);
}

function isCounter(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
