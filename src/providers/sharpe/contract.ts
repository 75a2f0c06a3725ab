import { z } from 'zod';
import { counter, isoTimestamp, measure } from '../contract-kit.js';

/**
 * Sharpe's `GET /v1/usage` contract (docs/vendors/sharpe.md). Unknown extra fields
 * are stripped; every documented field is required and typed.
 */

const endpointStats = z.object({
  count: counter,
  avg_response_ms: measure,
  errors: counter,
});

/** `meta` of every Sharpe answer; its request id is what Sharpe's support asks for. */
const meta = z.object({
  request_id: z.string(),
  timestamp: isoTimestamp,
  elapsed_ms: measure,
});

/** The 200 body of `GET /v1/usage`. */
export const sharpeUsageResponse = z.object({
  data: z.object({
    plan: z.object({
      // Documented as free|analyst|pro|enterprise, but a new tier must not break the whole answer.
      tier: z.string(),
      rpm: counter,
      monthly_limit: counter,
    }),
    rate_limit: z.object({ requests_per_minute: counter }),
    quota: z.object({
      used: counter,
      limit: counter,
      remaining: counter,
      resets_at: isoTimestamp,
    }),
    last_24h: z.object({
      total_requests: counter,
      by_endpoint: z.record(z.string(), endpointStats),
    }),
  }),
  meta,
});

/** A parsed, validated `GET /v1/usage` body. */
export type SharpeUsageResponse = z.infer<typeof sharpeUsageResponse>;

const requestIdOnly = z.object({ request_id: z.string() });

/** Just the request id, read from a success body that broke its contract, so support can trace it. */
export const sharpeRequestId = z.object({ meta: requestIdOnly });

/**
 * Sharpe's error body (**assumed**, docs/vendors/sharpe.md#errors). `meta` is optional here: an error produced in
 * front of Sharpe's app (a proxy, a gateway) may lack it, and the code and message still help.
 */
export const sharpeErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
  meta: requestIdOnly.optional(),
});
