import { GraphQLError } from 'graphql';
import type { Caller } from '../common/caller.js';
import { StreamEndedError, type StreamGate, type StreamRefusal } from '../common/stream-gate.js';
import type { GatewayContext } from '../context.js';
import type { AlertingReadModel, StoredAlertEvent, WebhookEndpointState } from '../monitoring/alerts/alert-types.js';
import type { AlertResolveReason } from '../usage/alert-evaluation.js';
import type { AlertRule } from '../usage/alert-rules.js';
import type { ProviderId } from '../usage/model.js';
import { mayReadPartner, requireScopes } from './access.js';
import { builder } from './builder.js';
import { ProviderIdEnum } from './provider.js';

/**
 * Threshold alerts as the schema tells them (docs/alerts.md, docs/subscriptions.md): the rules in
 * force, the events the evaluator recorded, what is firing now, a live subscription, and for
 * operators the webhook endpoints' delivery state and a test event. Everything is read through
 * the `AlertingReadModel`; with alerting off the queries answer empty and the subscription refuses.
 *
 * Who sees what: quota alerts need `usage:read`; partner-user alerts (series `partner:<sub>`) need
 * `partners:read`, or `partners:self` for the caller's own sub. An event the caller may not read
 * is left out of every list and never reaches its subscription.
 */

/** Most events one `alertEvents` page holds. */
export const MAX_ALERT_EVENTS_PAGE = 500;
/** Events of an `alertEvents` page without `first`. */
export const DEFAULT_ALERT_EVENTS_PAGE = 50;

const PARTNER_SERIES_PREFIX = 'partner:';

/** The partner user an event's series is about, or null for a quota (or other vendor counter) series. */
function partnerSubOf(series: string): string | null {
  return series.startsWith(PARTNER_SERIES_PREFIX) ? series.slice(PARTNER_SERIES_PREFIX.length) : null;
}

/** Whether `caller` may read `event` (see the module's rules). */
export function mayReadAlertEvent(caller: Caller, event: Pick<StoredAlertEvent, 'series'>): boolean {
  const sub = partnerSubOf(event.series);
  return sub === null ? caller.scopes.has('usage:read') : mayReadPartner(caller, sub);
}

/** Whether `caller` may read `rule`: quota rules with `usage:read`, partner rules with either partner scope. */
function mayReadRule(caller: Caller, rule: AlertRule): boolean {
  if (rule.kind === 'PARTNER_DAILY_CALLS') return caller.scopes.has('partners:read') || caller.scopes.has('partners:self');
  return caller.scopes.has('usage:read');
}

/** Every scope that opens some alert; the fields below filter what each of them sees. */
const ALERT_READERS = requireScopes('usage:read', 'partners:read', 'partners:self');

function alertingOff(): GraphQLError {
  return new GraphQLError('Alerting is off on this gateway: no rules are evaluated and no alert events are recorded.', {
    extensions: { code: 'ALERTING_OFF' },
  });
}

function streamNotAccepted(): GraphQLError {
  return new GraphQLError(
    'Subscriptions are served over Server-Sent Events (Accept: text/event-stream) and over WebSocket (graphql-ws), not as multipart HTTP; see docs/subscriptions.md for the link each client needs.',
    { extensions: { code: 'SUBSCRIPTION_TRANSPORT_UNSUPPORTED', http: { status: 406 } } },
  );
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

const AlertRuleKindEnum = builder.enumType('AlertRuleKind', {
  description: 'What a threshold rule watches.',
  values: {
    UTILIZATION: { description: "Usage reaches `percent` % of a quota's limit." },
    ABSOLUTE: { description: 'A counter reaches `value`, whatever the limit.' },
    PROJECTED_EXHAUSTION: { description: 'The forecast says the quota runs out before its counter resets, on two evaluations in a row.' },
    PARTNER_DAILY_CALLS: { description: "One partner user's calls on one UTC day, as the partner ledger counts them, reach `calls`." },
  },
});

const AlertEventKindEnum = builder.enumType('AlertEventKind', {
  description: 'Whether an event opens or closes an alert.',
  values: {
    FIRED: { description: 'The threshold was crossed: the alert is firing. It fires once per period and limit.' },
    RESOLVED: { description: 'The alert went back to OK; `reason` says why.' },
  },
});

const AlertResolveReasonEnum = builder.enumType('AlertResolveReason', {
  description: 'Why a firing alert resolved.',
  values: {
    PERIOD_RESET: { description: "The quota's period ended (its counter reset): the threshold is armed again for the new period." },
    LIMIT_RAISED: { description: 'The limit was raised above the usage: the threshold is armed again against the new limit.' },
    PROJECTION_CLEARED: { description: 'The forecast no longer says the quota runs out before its reset.' },
    USAGE_FELL: { description: 'The counter fell below the threshold within the period (a correction by the vendor).' },
  } satisfies Record<AlertResolveReason, { description: string }>,
});

export const AlertRuleRef = builder.objectRef<AlertRule>('AlertRule').implement({
  description: 'A threshold rule in force: from the rules file (`ALERT_RULES`), or the defaults (80 % and 100 % of every quota, exhaustion projected before the reset).',
  fields: (t) => ({
    id: t.exposeID('id', { description: "The rule's id in the rules file; part of every alert's key." }),
    kind: t.field({ type: AlertRuleKindEnum, description: 'What the rule watches.', resolve: (rule) => rule.kind }),
    percent: t.float({
      nullable: true,
      description: 'UTILIZATION: the percentage of the limit that fires (100 is the limit itself). Null for other kinds.',
      resolve: (rule) => (rule.kind === 'UTILIZATION' ? rule.percent : null),
    }),
    value: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'ABSOLUTE: the counter value that fires. Null for other kinds.',
      resolve: (rule) => (rule.kind === 'ABSOLUTE' ? rule.value : null),
    }),
    calls: t.field({
      type: 'SafeInt',
      nullable: true,
      description: "PARTNER_DAILY_CALLS: one partner user's calls in one UTC day that fire. Null for other kinds.",
      resolve: (rule) => (rule.kind === 'PARTNER_DAILY_CALLS' ? rule.calls : null),
    }),
    provider: t.string({
      nullable: true,
      description: 'Only this vendor (a `ProviderId` value, as the rules file names it); null for every vendor.',
      resolve: (rule) => rule.provider ?? null,
    }),
    quota: t.string({
      nullable: true,
      description: 'Only this quota, by name; null with `series` or for every quota.',
      resolve: (rule) => (rule.kind === 'PARTNER_DAILY_CALLS' ? null : (rule.quota ?? null)),
    }),
    series: t.string({
      nullable: true,
      description: 'Only this history series, exactly (e.g. `period:lookup_api_requests.successful`); null with `quota` or for every quota.',
      resolve: (rule) => (rule.kind === 'PARTNER_DAILY_CALLS' ? null : (rule.series ?? null)),
    }),
  }),
});

export const AlertEventRef = builder.objectRef<StoredAlertEvent>('AlertEvent').implement({
  description:
    'One alert opening (FIRED) or closing (RESOLVED), as recorded: each (key, kind) exactly once, whichever instance evaluated it and however often.',
  fields: (t) => ({
    id: t.id({
      description: "The event's identity, the same on every instance and after every restart: its alert's key and its kind (opaque).",
      resolve: (event) => alertEventId(event),
    }),
    key: t.exposeString('key', {
      description: "The alert's stable key (rule, series, threshold, period, limit): the same for its FIRED and its RESOLVED event.",
    }),
    ruleId: t.exposeID('ruleId', { description: 'The rule that fired.' }),
    provider: t.field({ type: ProviderIdEnum, description: 'The vendor whose counter it is.', resolve: (event) => event.provider as ProviderId }),
    series: t.exposeString('series', {
      description: 'The history series the rule watched: `quota:<name>`, `period:<metric>`, or `partner:<sub>` for a partner user.',
    }),
    threshold: t.float({
      nullable: true,
      description: "The rule's threshold in its own unit (percent, counter value, daily calls); null for a projection.",
      resolve: (event) => event.threshold,
    }),
    period: t.field({
      type: 'SafeInt',
      description: 'The period the alert fired in: a number that changes at every reset of the counter (a UTC day number for partner daily calls).',
      resolve: (event) => event.period,
    }),
    limit: t.field({
      type: 'SafeInt',
      nullable: true,
      description: 'The limit the alert fired at; null for rules that do not depend on it (absolute value, partner calls).',
      resolve: (event) => event.limit,
    }),
    kind: t.field({ type: AlertEventKindEnum, description: 'FIRED or RESOLVED.', resolve: (event) => event.kind }),
    reason: t.field({
      type: AlertResolveReasonEnum,
      nullable: true,
      description: 'Why it resolved; null on FIRED.',
      resolve: (event) => event.reason ?? null,
    }),
    at: t.field({ type: 'DateTime', description: 'When the evaluation that decided it ran.', resolve: (event) => new Date(event.at) }),
    value: t.field({ type: 'SafeInt', description: 'The counter when the event was decided.', resolve: (event) => event.value }),
    recordedAt: t.field({ type: 'DateTime', description: 'When the event store recorded it.', resolve: (event) => new Date(event.recordedAt) }),
    cursor: t.exposeString('cursor', {
      description: "The event's place in the store's order (opaque): pass it as `alertEvents(after:)` to page on, or to catch up after a subscription dropped.",
    }),
  }),
});

/** `AlertEvent.id`: the (key, kind) the store keeps each event once by, base64url so it reads as an opaque id. */
export function alertEventId(event: Pick<StoredAlertEvent, 'key' | 'kind'>): string {
  return Buffer.from(JSON.stringify([event.key, event.kind])).toString('base64url');
}

interface AlertEventPageView {
  events: StoredAlertEvent[];
  endCursor: string | null;
  hasMore: boolean;
}

const AlertEventPageRef = builder.objectRef<AlertEventPageView>('AlertEventPage').implement({
  description: 'One page of recorded alert events, oldest first, holding those the caller may read.',
  fields: (t) => ({
    events: t.field({ type: [AlertEventRef], description: 'The events of the page the caller may read, oldest first.', resolve: (page) => page.events }),
    endCursor: t.string({
      nullable: true,
      description:
        'Pass as `after` for the next page. It advances past events the caller may not read too, so a page can be empty while `hasMore` is true. Null when the page read nothing (then keep your `after`).',
      resolve: (page) => page.endCursor,
    }),
    hasMore: t.boolean({ description: 'Whether events follow this page.', resolve: (page) => page.hasMore }),
  }),
});

interface WebhookErrorView {
  code: string;
  message: string;
  at: number;
}

const WebhookDeliveryErrorRef = builder.objectRef<WebhookErrorView>('WebhookDeliveryError').implement({
  description: "The last failed delivery attempt to an endpoint. Never holds a secret or the receiver's answer body.",
  fields: (t) => ({
    code: t.exposeString('code', { description: 'What failed, as a stable code (e.g. a timeout, a refused connection, an HTTP status).' }),
    message: t.exposeString('message', { description: 'What failed, in words.' }),
    at: t.field({ type: 'DateTime', description: 'When the attempt failed.', resolve: (error) => new Date(error.at) }),
  }),
});

const WebhookEndpointRef = builder.objectRef<WebhookEndpointState>('WebhookEndpoint').implement({
  description: "A webhook endpoint of the rules file and its delivery state (docs/webhooks.md).",
  fields: (t) => ({
    id: t.exposeID('id', { description: "The endpoint's id in the rules file." }),
    url: t.exposeString('url', { description: 'Where events are posted, without query string or user info.' }),
    disabled: t.exposeBoolean('disabled', {
      description: 'Whether deliveries stopped because the receiver answered 410 Gone; naming it again with a new URL in the rules file re-enables it.',
    }),
    lastSuccessAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When a delivery last succeeded; null before the first.',
      resolve: (endpoint) => (endpoint.lastSuccessAt === null ? null : new Date(endpoint.lastSuccessAt)),
    }),
    lastError: t.field({ type: WebhookDeliveryErrorRef, nullable: true, description: 'The last failed attempt; null when none failed yet.', resolve: (endpoint) => endpoint.lastError }),
    pending: t.exposeInt('pending', { description: 'Deliveries waiting in the outbox.' }),
  }),
});

const SendTestAlertResultRef = builder.objectRef<{ webhookId: string }>('SendTestAlertResult').implement({
  description: 'A test event signed and queued for one endpoint.',
  fields: (t) => ({
    webhookId: t.exposeString('webhookId', { description: 'Its `webhook-id` header: find the delivery in the receiver\'s log by it.' }),
  }),
});

/** One message of the `alertEvents` subscription. */
interface AlertEventsMessage {
  firing: StoredAlertEvent[] | null;
  event: StoredAlertEvent | null;
  /** Set on the last message when the gateway ends the stream: the resolver turns it into the error. */
  ended?: StreamEndedError;
}

const AlertEventsMessageRef = builder.objectRef<AlertEventsMessage>('AlertEventsMessage').implement({
  description:
    'One message of the `alertEvents` subscription. The first carries `firing` (the alerts firing now, the caller may read) and no `event`; every later one carries one `event` and no `firing`. A client that reconnects gets the firing set again, so it loses no alert that is still open; `alertEvents(after:)` with the last cursor it saw pages through everything in between.',
  fields: (t) => ({
    firing: t.field({
      type: [AlertEventRef],
      nullable: true,
      description: 'In the first message only: the FIRED events not yet resolved, oldest first.',
      resolve: (message) => message.firing,
    }),
    event: t.field({ type: AlertEventRef, nullable: true, description: 'In every message but the first: one event as it was recorded.', resolve: (message) => message.event }),
  }),
});

builder.queryFields((t) => ({
  alertRules: t.field({
    ...ALERT_READERS,
    type: [AlertRuleRef],
    description: 'The threshold rules in force that the caller may read (quota rules with `usage:read`, partner rules with a partner scope). Empty when alerting is off.',
    resolve: (_root, _args, { alerting, caller }) => (alerting === null ? [] : alerting.rules().filter((rule) => mayReadRule(caller, rule))),
  }),
  firingAlerts: t.field({
    ...ALERT_READERS,
    type: [AlertEventRef],
    description: 'The alerts firing now (FIRED events not yet resolved) that the caller may read, oldest first. Empty when alerting is off.',
    resolve: async (_root, _args, { alerting, caller }) => (alerting === null ? [] : (await alerting.firing()).filter((event) => mayReadAlertEvent(caller, event))),
  }),
  alertEvents: t.field({
    ...ALERT_READERS,
    type: AlertEventPageRef,
    description: 'Recorded alert events after a cursor, oldest first: the history of alerts, and how a subscriber catches up after a dropped connection. Empty when alerting is off.',
    args: {
      after: t.arg.string({ required: false, description: 'A `cursor` (or `endCursor`) seen before; default: from the oldest kept event.' }),
      first: t.arg.int({ required: false, description: `How many events to read, 1 to ${MAX_ALERT_EVENTS_PAGE}. Default ${DEFAULT_ALERT_EVENTS_PAGE}.` }),
      provider: t.arg({ type: ProviderIdEnum, required: false, description: "Only this vendor's events." }),
    },
    resolve: async (_root, args, { alerting, caller }) => {
      const first = args.first ?? DEFAULT_ALERT_EVENTS_PAGE;
      if (!Number.isInteger(first) || first < 1 || first > MAX_ALERT_EVENTS_PAGE) throw badInput(`first must be from 1 to ${MAX_ALERT_EVENTS_PAGE}; got ${first}`);
      const after = args.after ?? null;
      if (after !== null && !/^\d{1,16}$/.test(after)) throw badInput('after must be a cursor from an AlertEvent or AlertEventPage');
      if (alerting === null) return { events: [], endCursor: null, hasMore: false };
      const page = await alerting.events({ after, first, ...(args.provider == null ? {} : { provider: args.provider }) });
      return {
        events: page.events.filter((event) => mayReadAlertEvent(caller, event)),
        endCursor: page.events.at(-1)?.cursor ?? null,
        hasMore: page.hasMore,
      };
    },
  }),
  webhookEndpoints: t.field({
    ...requireScopes('ops:read'),
    type: [WebhookEndpointRef],
    description: "The webhook endpoints of the rules file and each one's delivery state. Empty when alerting is off.",
    resolve: (_root, _args, { alerting }) => alerting?.webhookEndpoints() ?? [],
  }),
}));

builder.mutationType({ description: 'The few things a caller may do besides reading.' });

builder.mutationFields((t) => ({
  sendTestAlert: t.field({
    ...requireScopes('ops:read'),
    type: SendTestAlertResultRef,
    description:
      'Signs and queues a test event (type `alert.test`) for one webhook endpoint, delivered like any event: to check a receiver and its signature verification. Fails with WEBHOOK_ENDPOINT_UNKNOWN for an id the rules file does not name, ALERTING_OFF when alerting is off.',
    args: { endpoint: t.arg.id({ required: true, description: "The endpoint's id in the rules file." }) },
    resolve: async (_root, { endpoint }, { alerting }) => {
      if (alerting === null) throw alertingOff();
      try {
        return await alerting.sendTestEvent(endpoint);
      } catch (error) {
        if ((error as { code?: unknown } | null)?.code === 'WEBHOOK_ENDPOINT_UNKNOWN') {
          throw new GraphQLError(`No webhook endpoint has the id ${JSON.stringify(endpoint)} in the rules file.`, {
            extensions: { code: 'WEBHOOK_ENDPOINT_UNKNOWN' },
            originalError: error as Error,
          });
        }
        throw error;
      }
    },
  }),
}));

builder.subscriptionType({ description: 'Events pushed as they happen, over SSE or WebSocket (graphql-ws); see docs/subscriptions.md.' });

builder.subscriptionFields((t) => ({
  alertEvents: t.field({
    ...ALERT_READERS,
    type: AlertEventsMessageRef,
    description:
      'Alert events as they are recorded, on any instance of the fleet, that the caller may read. The first message is the firing set; then one message per event. Ends with TOKEN_EXPIRED when the caller\'s token expires and SHUTTING_DOWN when the gateway stops; refused with TOO_MANY_SUBSCRIPTIONS over the limits, ALERTING_OFF when alerting is off, SUBSCRIPTION_TRANSPORT_UNSUPPORTED (406) over plain or multipart HTTP.',
    args: { provider: t.arg({ type: ProviderIdEnum, required: false, description: "Only this vendor's events." }) },
    subscribe: (_root, args, context) => {
      const { alerting, caller, streams } = context;
      if (alerting === null) throw alertingOff();
      const provider = args.provider ?? null;
      const request = (context as { request?: Request }).request;
      // yoga picks how to send an answer after running it: a request that cannot take a stream
      // (Apollo's default multipart subscription) would leave one admitted and never read.
      if (request !== undefined && !(request.headers.get('accept') ?? '').includes('text/event-stream')) throw streamNotAccepted();
      // Its signal aborts when the client's connection closes, whatever the stream was doing.
      const left = request?.signal ?? null;
      return alertStream(alerting, streams, caller, callerKey(caller, context), (event) => (provider === null || event.provider === provider) && mayReadAlertEvent(caller, event), left);
    },
    resolve: (message) => {
      if (message.ended !== undefined) throw new GraphQLError(message.ended.message, { extensions: { code: message.ended.code } });
      return message;
    },
  }),
}));

const REFUSALS: Record<StreamRefusal, string> = {
  'per-caller': 'This caller holds as many subscriptions as SUBSCRIPTIONS_MAX_PER_CALLER allows; close one first.',
  total: 'The gateway serves as many subscriptions as SUBSCRIPTIONS_MAX_TOTAL allows; try again later or another instance.',
  shutdown: 'The gateway is shutting down; subscribe to another instance.',
};

/**
 * A caller's key for the per-caller limit: who it is, never its credential; without
 * authentication, its address (as the caller rate limit counts), so one browser cannot take every place.
 */
function callerKey(caller: Caller, context: unknown): string {
  if (caller.kind !== 'anonymous') return `${caller.kind}:${caller.name ?? ''}`;
  const address = (context as { req?: { socket?: { remoteAddress?: unknown } } }).req?.socket?.remoteAddress;
  return `anonymous:${typeof address === 'string' ? address : ''}`;
}

/**
 * Admits the stream (or refuses it, before anything is read), then: subscribe to the feed first
 * and buffer, read the firing set, send it, then the buffered and later events. An event recorded
 * between the two is in the firing set and in the buffer: the buffer's copy is dropped by cursor,
 * so each event reaches the subscriber once.
 */
function alertStream(
  alerting: AlertingReadModel,
  streams: StreamGate,
  caller: Caller,
  key: string,
  visible: (event: StoredAlertEvent) => boolean,
  left: AbortSignal | null,
): AsyncGenerator<AlertEventsMessage> {
  const ticket = streams.admit(key, caller.expiresAt ?? null);
  if (typeof ticket === 'string') {
    throw new GraphQLError(REFUSALS[ticket], { extensions: { code: ticket === 'shutdown' ? 'SHUTTING_DOWN' : 'TOO_MANY_SUBSCRIPTIONS', http: { status: ticket === 'shutdown' ? 503 : 429 } } });
  }
  const queue: StoredAlertEvent[] = [];
  let wake: (() => void) | null = null;
  const unsubscribe = alerting.feed.subscribe((event) => {
    if (!visible(event)) return;
    queue.push(event);
    wake?.();
  });
  let stop: () => void = () => {};
  // Resolves when the subscriber leaves: a generator's own return() would wait for the pending wait.
  const stopped = new Promise<'stopped'>((resolve) => (stop = () => resolve('stopped')));
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    unsubscribe();
    ticket.release();
    stop();
  };
  left?.addEventListener('abort', finish, { once: true });
  const ended = new Promise<StreamEndedError>((resolve) => {
    const end = () => resolve(ticket.signal.reason instanceof StreamEndedError ? ticket.signal.reason : new StreamEndedError('shutdown'));
    if (ticket.signal.aborted) end();
    else ticket.signal.addEventListener('abort', end, { once: true });
  });
  async function* messages(): AsyncGenerator<AlertEventsMessage> {
    try {
      const firing = (await alerting.firing()).filter(visible);
      const inFiringSet = new Set(firing.map((event) => event.cursor));
      yield { firing, event: null };
      while (!finished) {
        while (queue.length > 0) {
          const event = queue.shift()!;
          if (!inFiringSet.has(event.cursor)) yield { firing: null, event };
        }
        const woken = new Promise<'woken'>((resolve) => (wake = () => resolve('woken')));
        const outcome = await Promise.race([woken, ended, stopped]);
        wake = null;
        if (outcome instanceof StreamEndedError) {
          yield { firing: null, event: null, ended: outcome };
          return;
        }
      }
    } finally {
      finish();
    }
  }
  const generator = messages();
  // The subscriber may leave before the first message, when a generator's `finally` would never run.
  return Object.assign(generator, {
    return(value?: unknown) {
      finish();
      return AsyncGeneratorReturn.call(generator, value as never);
    },
  });
}

const AsyncGeneratorReturn = Object.getPrototypeOf(async function* () {}).prototype.return as AsyncGenerator<AlertEventsMessage>['return'];
