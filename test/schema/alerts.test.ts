import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamGate } from '../../src/common/stream-gate.js';
import type { StoredAlertEvent } from '../../src/monitoring/alerts/alert-types.js';
import type { AlertRule } from '../../src/usage/alert-rules.js';
import { partnerEvent, quotaEvent, testAlerting, type TestAlerting } from '../support/alerting.js';
import { eventually } from '../support/eventually.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startTestAuth, type TestAuth } from '../support/jwt.js';
import { manualTimers } from '../support/manual-timers.js';
import { subscribeSse } from '../support/sse.js';

/**
 * The alert schema through `yoga.fetch`: queries, the subscription over SSE, who sees what, the
 * limits, expiry and shutdown. The read model is the test fixture over a real LocalAlertFeed.
 */

const RULES: AlertRule[] = [
  { id: 'utilization-80', kind: 'UTILIZATION', percent: 80 },
  { id: 'big-counter', kind: 'ABSOLUTE', value: 3_000_000_000, provider: 'FARADAY', series: 'period:lookups' },
  { id: 'partner-calls', kind: 'PARTNER_DAILY_CALLS', calls: 1000 },
];
const ENDPOINTS = [{ id: 'ops-hook', url: 'https://hooks.example/alerts', disabled: false, lastSuccessAt: null, lastError: { code: 'HTTP_500', message: 'the receiver answered 500', at: 1_790_000_000_000 }, pending: 2 }];

const SUBSCRIPTION = 'subscription { alertEvents { firing { key series kind cursor } event { key series kind reason cursor value } } }';

let auth: TestAuth;
let harness: Harness;
let alerting: TestAlerting;
const timers = manualTimers(Date.now());
const streams = new StreamGate({ maxPerCaller: 2, maxTotal: 100, now: timers.now, schedule: timers.schedule });
const tokens: Record<string, string> = {};

beforeAll(async () => {
  auth = await startTestAuth([], { info: () => {}, warn: () => {}, error: () => {} });
  alerting = testAlerting({ rules: RULES, endpoints: ENDPOINTS });
  harness = await startHarness({ authenticator: auth.authenticator, alerting, streams });
  const sign = (sub: string, scope: string) => auth.keys.sign({ sub, scope });
  tokens['usage'] = await sign('usage-reader', 'usage:read');
  tokens['partners'] = await sign('partner-admin', 'partners:read');
  tokens['alice'] = await sign('alice', 'partners:self');
  tokens['bob'] = await sign('bob', 'partners:self');
  tokens['ops'] = await sign('operator', 'ops:read');
  tokens['limited'] = await sign('limited', 'usage:read');
  tokens['shutdown'] = await sign('shutdown', 'usage:read');
  alerting.record(quotaEvent('FIRED'), partnerEvent('alice'), partnerEvent('bob'));
});

afterAll(async () => {
  await harness?.close();
  await auth?.close();
});

const as = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });

function keysOf(events: Array<{ series: string }>): string[] {
  return events.map((event) => event.series);
}

describe('alert queries', () => {
  it('alertRules: quota rules with usage:read, partner rules with a partner scope', async () => {
    const query = '{ alertRules { id kind percent value calls provider quota series } }';
    const usage = await harness.query(query, {}, as('usage'));
    expect(usage.body.errors).toBeUndefined();
    expect(usage.body.data?.alertRules).toEqual([
      { id: 'utilization-80', kind: 'UTILIZATION', percent: 80, value: null, calls: null, provider: null, quota: null, series: null },
      { id: 'big-counter', kind: 'ABSOLUTE', percent: null, value: 3_000_000_000, calls: null, provider: 'FARADAY', quota: null, series: 'period:lookups' },
    ]);
    const self = await harness.query(query, {}, as('alice'));
    expect(self.body.data?.alertRules).toEqual([{ id: 'partner-calls', kind: 'PARTNER_DAILY_CALLS', percent: null, value: null, calls: 1000, provider: null, quota: null, series: null }]);
  });

  it('firingAlerts: each caller sees the alerts its scopes open, a partners:self caller only its own', async () => {
    const query = '{ firingAlerts { series kind provider threshold limit period value at } }';
    const usage = await harness.query<{ firingAlerts: Array<{ series: string }> }>(query, {}, as('usage'));
    expect(usage.body.data?.firingAlerts).toEqual([
      { series: 'quota:monthly_requests', kind: 'FIRED', provider: 'SHARPE', threshold: 80, limit: 1_000_000, period: 1, value: 810_000, at: new Date(1_790_000_000_000).toISOString() },
    ]);
    const partners = await harness.query<{ firingAlerts: Array<{ series: string }> }>(query, {}, as('partners'));
    expect(keysOf(partners.body.data!.firingAlerts)).toEqual(['partner:alice', 'partner:bob']);
    const alice = await harness.query<{ firingAlerts: Array<{ series: string }> }>(query, {}, as('alice'));
    expect(keysOf(alice.body.data!.firingAlerts)).toEqual(['partner:alice']);
  });

  it('alertEvents pages after a cursor; endCursor moves past events the caller may not read', async () => {
    const query = 'query ($after: String, $first: Int) { alertEvents(after: $after, first: $first) { events { series cursor } endCursor hasMore } }';
    type Page = { alertEvents: { events: Array<{ series: string; cursor: string }>; endCursor: string | null; hasMore: boolean } };
    const first = await harness.query<Page>(query, { first: 2 }, as('alice'));
    expect(first.body.data?.alertEvents).toEqual({ events: [{ series: 'partner:alice', cursor: '2' }], endCursor: '2', hasMore: true });
    const next = await harness.query<Page>(query, { first: 2, after: '2' }, as('alice'));
    expect(next.body.data?.alertEvents).toEqual({ events: [], endCursor: '3', hasMore: false });
    const all = await harness.query<Page>(query, {}, as('partners'));
    expect(all.body.data?.alertEvents.events.map((event) => event.cursor)).toEqual(['2', '3']);
  });

  it('alertEvents refuses a page size out of range and a cursor that is none', async () => {
    const query = 'query ($after: String, $first: Int) { alertEvents(after: $after, first: $first) { hasMore } }';
    for (const variables of [{ first: 0 }, { first: 501 }, { after: 'abc' }]) {
      const answer = await harness.query(query, variables, as('usage'));
      expect(answer.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    }
  });

  it('a caller with none of the alert scopes is refused FORBIDDEN', async () => {
    const answer = await harness.query('{ firingAlerts { key } }', {}, as('ops'));
    expect(answer.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
  });

  it('webhookEndpoints is for ops:read only', async () => {
    const query = '{ webhookEndpoints { id url disabled lastSuccessAt lastError { code message at } pending } }';
    const refused = await harness.query(query, {}, as('usage'));
    expect(refused.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const ops = await harness.query(query, {}, as('ops'));
    expect(ops.body.data?.webhookEndpoints).toEqual([
      { id: 'ops-hook', url: 'https://hooks.example/alerts', disabled: false, lastSuccessAt: null, lastError: { code: 'HTTP_500', message: 'the receiver answered 500', at: new Date(1_790_000_000_000).toISOString() }, pending: 2 },
    ]);
  });

  it('sendTestAlert: ops:read, a webhook id for a known endpoint, WEBHOOK_ENDPOINT_UNKNOWN for another', async () => {
    const mutation = 'mutation ($endpoint: ID!) { sendTestAlert(endpoint: $endpoint) { webhookId } }';
    const refused = await harness.query(mutation, { endpoint: 'ops-hook' }, as('usage'));
    expect(refused.body.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    const sent = await harness.query(mutation, { endpoint: 'ops-hook' }, as('ops'));
    expect(sent.body.data?.sendTestAlert).toEqual({ webhookId: 'msg_test_1' });
    const unknown = await harness.query(mutation, { endpoint: 'nowhere' }, as('ops'));
    expect(unknown.body.errors?.[0]?.extensions?.['code']).toBe('WEBHOOK_ENDPOINT_UNKNOWN');
    expect(alerting.testEventsSent).toEqual(['ops-hook']);
  });
});

describe('the alertEvents subscription over SSE', () => {
  it('sends the firing set first, then each event once; a partners:self subscriber sees only its own', async () => {
    const usage = await subscribeSse(harness.yoga, SUBSCRIPTION, as('usage'));
    const alice = await subscribeSse(harness.yoga, SUBSCRIPTION, as('alice'));
    expect(usage.response.status).toBe(200);
    const usageFirst = await usage.events.next();
    expect(usageFirst?.data?.['alertEvents']).toEqual({ firing: [expect.objectContaining({ series: 'quota:monthly_requests', kind: 'FIRED' })], event: null });
    const aliceFirst = await alice.events.next();
    expect(aliceFirst?.data?.['alertEvents'].firing.map((event: { series: string }) => event.series)).toEqual(['partner:alice']);

    const [bobResolved] = alerting.record(partnerEvent('bob', 'RESOLVED'));
    const [quotaResolved] = alerting.record(quotaEvent('RESOLVED'));
    const [aliceResolved] = alerting.record(partnerEvent('alice', 'RESOLVED'));
    const usageNext = await usage.events.next();
    expect(usageNext?.data?.['alertEvents']).toEqual({ firing: null, event: expect.objectContaining({ cursor: quotaResolved!.cursor, kind: 'RESOLVED', reason: 'PERIOD_RESET' }) });
    // Alice's first event after the firing set is her own: Bob's and the quota's never reached her.
    const aliceNext = await alice.events.next();
    expect(aliceNext?.data?.['alertEvents'].event.cursor).toBe(aliceResolved!.cursor);
    expect(bobResolved!.cursor).not.toBe(aliceResolved!.cursor);
    await usage.events.cancel();
    await alice.events.cancel();
    await eventually(() => streams.size === 0, { what: 'both streams released' });
  });

  it('an event recorded while the firing set is read reaches the subscriber once', async () => {
    const racing = testAlerting();
    let raced: StoredAlertEvent | undefined;
    const firing = racing.firing;
    // The event is recorded (and published) after the feed subscription and before the firing set is read.
    racing.firing = async () => {
      [raced] = racing.record(quotaEvent('FIRED', { period: 7 }));
      return firing();
    };
    const local = await startHarness({ alerting: racing });
    try {
      const { events } = await subscribeSse(local.yoga, SUBSCRIPTION);
      const first = await events.next();
      expect(first?.data?.['alertEvents'].firing.map((event: { cursor: string }) => event.cursor)).toEqual([raced!.cursor]);
      const [later] = racing.record(quotaEvent('RESOLVED', { period: 7 }));
      const next = await events.next();
      expect(next?.data?.['alertEvents'].event.cursor).toBe(later!.cursor);
      await events.cancel();
    } finally {
      await local.close();
    }
  });

  it('refuses a caller over SUBSCRIPTIONS_MAX_PER_CALLER with 429 TOO_MANY_SUBSCRIPTIONS, and admits it again once one ends', async () => {
    const one = await subscribeSse(harness.yoga, SUBSCRIPTION, as('limited'));
    const two = await subscribeSse(harness.yoga, SUBSCRIPTION, as('limited'));
    await one.events.next();
    await two.events.next();
    const three = await subscribeSse(harness.yoga, SUBSCRIPTION, as('limited'));
    expect(three.response.status).toBe(429);
    const refusal = await three.events.next();
    expect(refusal?.errors?.[0]?.extensions?.['code']).toBe('TOO_MANY_SUBSCRIPTIONS');
    // Another caller is not held back by this one's streams.
    const other = await subscribeSse(harness.yoga, SUBSCRIPTION, as('usage'));
    expect(other.response.status).toBe(200);
    await other.events.next();
    await other.events.cancel();
    await one.events.cancel();
    await eventually(() => streams.size === 1, { what: 'the cancelled streams released' });
    const again = await subscribeSse(harness.yoga, SUBSCRIPTION, as('limited'));
    expect(again.response.status).toBe(200);
    await again.events.next();
    await again.events.cancel();
    await two.events.cancel();
    await eventually(() => streams.size === 0, { what: 'every stream released' });
  });

  it("ends with TOKEN_EXPIRED when the caller's token expires", async () => {
    const exp = Math.floor(timers.now() / 1000) + 120;
    const token = await auth.keys.sign({ sub: 'expiring', scope: 'usage:read', exp });
    const { events } = await subscribeSse(harness.yoga, SUBSCRIPTION, { authorization: `Bearer ${token}` });
    await events.next();
    timers.advance(exp * 1000 - timers.now() - 1);
    alerting.record(quotaEvent('FIRED', { period: 2 }));
    expect((await events.next())?.data?.['alertEvents'].event.kind).toBe('FIRED');
    timers.advance(1);
    const ended = await events.next();
    expect(ended?.errors?.[0]?.extensions?.['code']).toBe('TOKEN_EXPIRED');
    expect(await events.next()).toBeNull();
    await eventually(() => streams.size === 0, { what: 'the expired stream released' });
  });
});

describe('alerting off', () => {
  let off: Harness;
  beforeAll(async () => {
    off = await startHarness();
  });
  afterAll(async () => {
    await off?.close();
  });

  it('the queries answer empty', async () => {
    const answer = await off.query('{ alertRules { id } firingAlerts { key } alertEvents { events { key } endCursor hasMore } webhookEndpoints { id } }');
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toEqual({ alertRules: [], firingAlerts: [], alertEvents: { events: [], endCursor: null, hasMore: false }, webhookEndpoints: [] });
  });

  it('the subscription and the test event answer ALERTING_OFF', async () => {
    const { events } = await subscribeSse(off.yoga, SUBSCRIPTION);
    expect((await events.next())?.errors?.[0]?.extensions?.['code']).toBe('ALERTING_OFF');
    const mutation = await off.query('mutation { sendTestAlert(endpoint: "x") { webhookId } }');
    expect(mutation.body.errors?.[0]?.extensions?.['code']).toBe('ALERTING_OFF');
  });
});

describe('shutdown', () => {
  it('closing the gate ends every open subscription with SHUTTING_DOWN and refuses new ones', async () => {
    const gate = new StreamGate();
    const local = await startHarness({ alerting: testAlerting(), streams: gate });
    try {
      const { events } = await subscribeSse(local.yoga, SUBSCRIPTION);
      await events.next();
      gate.close();
      expect((await events.next())?.errors?.[0]?.extensions?.['code']).toBe('SHUTTING_DOWN');
      expect(await events.next()).toBeNull();
      const refused = await subscribeSse(local.yoga, SUBSCRIPTION);
      expect(refused.response.status).toBe(503);
    } finally {
      await local.close();
    }
  });
});
