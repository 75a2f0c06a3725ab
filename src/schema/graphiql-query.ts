/** The query GraphiQL opens with: every vendor at once, so a newcomer sees the whole vocabulary. */
export const GRAPHIQL_DEFAULT_QUERY = `# Every configured vendor in one round trip. In demo mode they are the built-in simulators.
query Overview {
  providers { id name simulated }
  accounts {
    provider { id }
    error { code message httpStatus retryAfterSeconds upstreamRequestId }
    account {
      plan { tier requestsPerMinute monthlyLimit }
      rateLimit { requestsPerMinute remaining resetsAt }
      quotas { name used limit remaining utilization resetsAt }
      endpoints { path method requests errors errorRate avgLatencyMs window { kind label } }
      periods { metric monthToDate lastMonth last12Months termPeriodToLastMonth }
      alerts { severity type message source }
      fetchedAt
    }
  }
  partnerUsage(first: 3) {
    edges { node { sub calls discoveries tweets } }
    pageInfo { endCursor hasNextPage }
  }
  apiKeyUsage(input: { timeframe: LAST_7_DAYS, granularity: DAY }) {
    totals { requests failedRequests p95LatencyMs }
    timeSeries { timestamp requests errors }
    errors { rate byStatus { key count } }
  }
}
`;
