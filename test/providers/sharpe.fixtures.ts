/** Sharpe's own example response, verbatim from its documentation (self-disagreement included; docs/vendors/sharpe.md). */
export function sharpeExample() {
  return {
    data: {
      plan: { tier: 'free', rpm: 30, monthly_limit: 10000 },
      rate_limit: { requests_per_minute: 500 },
      quota: { used: 12480, limit: 500000, remaining: 487520, resets_at: '2026-04-01T00:00:00Z' },
      last_24h: {
        total_requests: 342,
        by_endpoint: {
          '/api/v1/funding/rates': { count: 120, avg_response_ms: 85, errors: 0 },
          '/api/v1/news/feed': { count: 98, avg_response_ms: 142, errors: 2 },
          '/api/v1/price-prediction/data': { count: 64, avg_response_ms: 67, errors: 0 },
          '/api/v1/memecoins/data': { count: 60, avg_response_ms: 110, errors: 1 },
        },
      },
    },
    meta: { request_id: 'req_abc123def456ghij', timestamp: '2026-03-28T12:00:05Z', elapsed_ms: 12 },
  };
}
