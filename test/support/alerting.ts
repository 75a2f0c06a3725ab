import type { AlertEventPage, AlertEventQuery, AlertFeed, AlertingReadModel, StoredAlertEvent, WebhookEndpointState } from '../../src/monitoring/alerts/alert-types.js';
import { LocalAlertFeed } from '../../src/monitoring/alerts/local-feed.js';
import { alertKey, partnerSeries, type AlertEvent } from '../../src/usage/alert-evaluation.js';
import { DEFAULT_RULES, type AlertRule } from '../../src/usage/alert-rules.js';

/**
 * A test fixture, not an implementation: an AlertingReadModel over an in-memory list of events and
 * a real feed (a LocalAlertFeed unless one is given, e.g. a Redis feed). `record` stores events
 * with increasing cursors and publishes them, as the evaluator does after the store.
 */
export interface TestAlerting extends AlertingReadModel {
  /** Stores and publishes events; resolves with them as stored. */
  record(...events: AlertEvent[]): StoredAlertEvent[];
  /** Every test event sent, by endpoint. */
  testEventsSent: string[];
  feed: AlertFeed;
}

export interface TestAlertingOptions {
  rules?: readonly AlertRule[];
  feed?: AlertFeed;
  endpoints?: WebhookEndpointState[];
  /** The first cursor handed out. Default 1. */
  firstCursor?: number;
}

export function testAlerting(options: TestAlertingOptions = {}): TestAlerting {
  const events: StoredAlertEvent[] = [];
  let next = options.firstCursor ?? 1;
  const feed = options.feed ?? new LocalAlertFeed();
  const endpoints = options.endpoints ?? [];
  const testEventsSent: string[] = [];
  const firing = (): StoredAlertEvent[] => {
    const resolved = new Set(events.filter((event) => event.kind === 'RESOLVED').map((event) => event.key));
    return events.filter((event) => event.kind === 'FIRED' && !resolved.has(event.key));
  };
  return {
    feed,
    testEventsSent,
    rules: () => options.rules ?? DEFAULT_RULES,
    firing: async () => firing(),
    events: async ({ after, first, provider }: AlertEventQuery): Promise<AlertEventPage> => {
      const from = after === null ? 0 : Number(after);
      const matching = events.filter((event) => Number(event.cursor) > from && (provider === undefined || event.provider === provider));
      return { events: matching.slice(0, first), hasMore: matching.length > first };
    },
    webhookEndpoints: () => endpoints,
    sendTestEvent: async (endpointId) => {
      if (!endpoints.some((endpoint) => endpoint.id === endpointId)) {
        throw Object.assign(new Error(`unknown webhook endpoint ${endpointId}`), { code: 'WEBHOOK_ENDPOINT_UNKNOWN' });
      }
      testEventsSent.push(endpointId);
      return { webhookId: `msg_test_${testEventsSent.length}` };
    },
    record(...fresh) {
      const stored = fresh.map((event) => ({ ...event, cursor: String(next++), recordedAt: event.at }));
      events.push(...stored);
      feed.publish(stored);
      return stored;
    },
  };
}

/** A quota alert event of the utilization-80 default rule. */
export function quotaEvent(kind: 'FIRED' | 'RESOLVED', overrides: Partial<AlertEvent> = {}): AlertEvent {
  const series = overrides.series ?? 'quota:monthly_requests';
  const period = overrides.period ?? 1;
  const limit = overrides.limit === undefined ? 1_000_000 : overrides.limit;
  return {
    key: alertKey('utilization-80', series, 80, period, limit),
    ruleId: 'utilization-80',
    provider: 'SHARPE',
    series,
    threshold: 80,
    period,
    limit,
    kind,
    ...(kind === 'RESOLVED' ? { reason: 'PERIOD_RESET' as const } : {}),
    at: 1_790_000_000_000,
    value: 810_000,
    ...overrides,
  };
}

/** A partner daily-calls event of the partner user `sub`. */
export function partnerEvent(sub: string, kind: 'FIRED' | 'RESOLVED' = 'FIRED'): AlertEvent {
  const series = partnerSeries(sub);
  return {
    key: alertKey('partner-calls', series, 1000, 20_500, null),
    ruleId: 'partner-calls',
    provider: 'ARRAYS',
    series,
    threshold: 1000,
    period: 20_500,
    limit: null,
    kind,
    ...(kind === 'RESOLVED' ? { reason: 'PERIOD_RESET' as const } : {}),
    at: 1_790_000_000_000,
    value: 1000,
  };
}
