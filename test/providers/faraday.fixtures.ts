/** Faraday's own example responses, verbatim from its documentation of both endpoints (docs/vendors/faraday.md). */

/** `GET /v1/usages` example. */
export function faradayLimitsExample() {
  return [{ description: 'Number of known contacts (KCs) allowed', limit: 10, name: 'cohort.max_count', usage: 10 }];
}

/** `GET /v1/accounts/current/usage` example, as the vendor printed it (every count 0). */
export function faradayAccountUsageExample() {
  return {
    batch_deployments: {
      consumer_data: { last_month: { count: 0 }, month_to_date: { count: 0 }, term_period_to_last_month: { count: 0 } },
      identity_data: { last_month: { count: 0 }, month_to_date: { count: 0 }, term_period_to_last_month: { count: 0 } },
      predictive_data: {
        last_12_months: { count: 0 },
        last_month: { count: 0 },
        month_to_date: { count: 0 },
        resources: [
          {
            last_12_months: { count: 0 },
            last_month: { count: 0 },
            month_to_date: { count: 0 },
            resource_id: '123e4567-e89b-12d3-a456-426614174000',
            resource_type: 'string',
          },
        ],
      },
      unknown_contact_addresses: { last_month: { count: 0 }, month_to_date: { count: 0 }, term_period_to_last_month: { count: 0 } },
      unknown_contact_email_hashes: { last_month: { count: 0 }, month_to_date: { count: 0 }, term_period_to_last_month: { count: 0 } },
    },
    finished_at: '2024-01-01T12:00:00Z',
    id: '123e4567-e89b-12d3-a456-426614174000',
    lookup_api_requests: {
      requests: { last_month: { count: 0 }, month_to_date: { count: 0 }, term_period_to_last_month: { count: 0 } },
      successful: { last_month: { count: 0 }, month_to_date: { count: 0 }, term_period_to_last_month: { count: 0 } },
      successful_consumer_data: { last_month: { count: 0 }, month_to_date: { count: 0 }, term_period_to_last_month: { count: 0 } },
      successful_identity_data: { last_month: { count: 0 }, month_to_date: { count: 0 }, term_period_to_last_month: { count: 0 } },
      successful_prediction_data: { last_month: { count: 0 }, month_to_date: { count: 0 }, term_period_to_last_month: { count: 0 } },
    },
    started_at: '2024-01-01T12:00:00Z',
  };
}

/**
 * The example's shape with a distinct count in every field (NNN: hundreds = metric, units = period:
 * 1 month_to_date, 2 last_month, 3 term_period_to_last_month, 4 last_12_months), so a count mapped
 * to the wrong place shows; distinct recording times; a second predictive resource.
 */
export function faradayAccountUsageDistinct() {
  const p = (metric: number) => ({
    month_to_date: { count: metric * 100 + 1 },
    last_month: { count: metric * 100 + 2 },
    term_period_to_last_month: { count: metric * 100 + 3 },
  });
  const predictive = (metric: number) => ({
    month_to_date: { count: metric * 100 + 1 },
    last_month: { count: metric * 100 + 2 },
    last_12_months: { count: metric * 100 + 4 },
  });
  return {
    id: '7f1c0e4a-3b5d-4c2e-9a8b-1d2e3f4a5b6c',
    started_at: '2024-01-01T11:58:30Z',
    finished_at: '2024-01-01T12:00:00Z',
    batch_deployments: {
      consumer_data: p(1),
      identity_data: p(2),
      unknown_contact_addresses: p(3),
      unknown_contact_email_hashes: p(4),
      predictive_data: {
        ...predictive(5),
        resources: [
          { ...predictive(6), resource_id: '123e4567-e89b-12d3-a456-426614174000', resource_type: 'outcome' },
          { ...predictive(7), resource_id: '223e4567-e89b-12d3-a456-426614174001', resource_type: 'persona_set' },
        ],
      },
    },
    lookup_api_requests: {
      requests: p(8),
      successful: p(9),
      successful_consumer_data: p(10),
      successful_identity_data: p(11),
      successful_prediction_data: p(12),
    },
  };
}
