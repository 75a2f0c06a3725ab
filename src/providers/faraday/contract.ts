import { z } from 'zod';
import { counter, isoTimestamp } from '../contract-kit.js';

/**
 * Faraday's contracts (docs/vendors/faraday.md).
 * Unknown extra fields are stripped; documented fields are typed.
 */

/** One named account limit from `GET /v1/usages`. */
const namedLimit = z.object({
  name: z.string(),
  description: z.string(),
  limit: counter,
  usage: counter,
});

/** The 200 body of `GET /v1/usages`. */
export const faradayUsagesResponse = z.array(namedLimit);

/** A parsed `GET /v1/usages` body. */
export type FaradayUsagesResponse = z.infer<typeof faradayUsagesResponse>;

const period = z.object({ count: counter });

/**
 * The vendor's example gives predictive data (and its resources) `last_12_months` and no
 * `term_period_to_last_month`, and every other metric the reverse; each shape requires what its
 * example shows and tolerates the absence of the other.
 */
const periods = z.object({
  last_month: period,
  month_to_date: period,
  term_period_to_last_month: period,
  last_12_months: period.optional(),
});

const predictivePeriods = z.object({
  last_month: period,
  month_to_date: period,
  term_period_to_last_month: period.optional(),
  last_12_months: period,
});

const predictiveResource = predictivePeriods.extend({
  resource_id: z.string(),
  resource_type: z.string(),
});

/** The 200 body of `GET /v1/accounts/current/usage`. */
export const faradayAccountUsageResponse = z.object({
  id: z.string(),
  started_at: isoTimestamp,
  finished_at: isoTimestamp,
  batch_deployments: z.object({
    consumer_data: periods,
    identity_data: periods,
    unknown_contact_addresses: periods,
    unknown_contact_email_hashes: periods,
    predictive_data: predictivePeriods.extend({ resources: z.array(predictiveResource) }),
  }),
  lookup_api_requests: z.object({
    requests: periods,
    successful: periods,
    successful_consumer_data: periods,
    successful_identity_data: periods,
    successful_prediction_data: periods,
  }),
});

/** A parsed `GET /v1/accounts/current/usage` body. */
export type FaradayAccountUsageResponse = z.infer<typeof faradayAccountUsageResponse>;

/** Any of Faraday's period-counter shapes: the two required periods and the two optional ones. */
export type FaradayPeriods = z.infer<typeof periods> | z.infer<typeof predictivePeriods>;

/**
 * Faraday's error body (**assumed**, docs/vendors/faraday.md#errors). `error` is one of the eleven documented codes
 * (BAD_REQUEST … CONFLICT) but any string is accepted, since vendors add codes. `id` is optional here: an error produced in
 * front of Faraday's app may lack it, and the code still tells the caller what went wrong.
 * `validationErrors` items are JSON Schema errors of no fixed shape, so they are taken as they come.
 */
export const faradayErrorBody = z.object({
  error: z.string(),
  id: z.string().optional(),
  message: z.string().optional(),
  validationErrors: z.array(z.unknown()).optional(),
});
