import { ApolloClient, ApolloLink, CombinedGraphQLErrors, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { Client as UrqlClient, fetchExchange, subscriptionExchange } from '@urql/core';
import { print } from 'graphql';
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { Network, Observable as RelayObservable, type RequestParameters } from 'relay-runtime';
import { Observable } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { StreamGate } from '../../src/common/stream-gate.js';
import { CLOSE_TOO_MANY_CONNECTIONS } from '../../src/edge/websocket-subscriptions.js';
import { partnerEvent, quotaEvent, testAlerting, type TestAlerting } from '../support/alerting.js';
import { startSubscriptionServer, type SubscriptionServer } from '../support/alert-server.js';
import { eventually } from '../support/eventually.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startTestAuth, type TestAuth } from '../support/jwt.js';

/**
 * Real clients subscribing to `alertEvents` on a loopback port: Apollo Client 4 (GraphQLWsLink,
 * and a link over graphql-sse), urql (subscriptionExchange over graphql-sse and over graphql-ws)
 * and Relay (a Network whose subscribe function uses graphql-ws). Each sees the firing set first,
 * then the event recorded after it, once. Apollo's default HttpLink asks for a multipart
 * subscription, which the gateway refuses (406): the documented reason for the links above.
 */

const ALERTS = `
  subscription Alerts {
    alertEvents {
      firing { id key kind series cursor }
      event { id key kind reason series cursor }
    }
  }
`;

interface Message {
  alertEvents: { firing: Array<{ cursor: string; series: string }> | null; event: { cursor: string; kind: string; series: string } | null };
}

let auth: TestAuth;
let harness: Harness;
let alerting: TestAlerting;
let served: SubscriptionServer;
let usageToken: string;
let aliceToken: string;
const streams = new StreamGate({ maxPerCaller: 50, maxTotal: 100 });
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  auth = await startTestAuth([], { info: () => {}, warn: () => {}, error: () => {} });
  alerting = testAlerting();
  alerting.record(quotaEvent('FIRED'));
  harness = await startHarness({ authenticator: auth.authenticator, alerting, streams });
  // A deadline far shorter than the tests: a subscription outlives it.
  served = await startSubscriptionServer(harness.yoga, { authenticator: auth.authenticator, requestTimeoutMs: 300, maxPerCaller: 3 });
  usageToken = await auth.keys.sign({ sub: 'dashboard', scope: 'usage:read' });
  aliceToken = await auth.keys.sign({ sub: 'alice', scope: 'partners:self' });
}, 60_000);

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await eventually(() => streams.size === 0 && served.websockets.size === 0, { what: 'every stream and socket closed' });
});

afterAll(async () => {
  await served?.close();
  await harness?.close();
  await auth?.close();
});

function sseClient(token = usageToken): SseClient {
  const client = createSseClient({ url: served.url, headers: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
  cleanups.push(() => client.dispose());
  return client;
}

function wsClient(token = usageToken, extra: Partial<Parameters<typeof createWsClient>[0]> = {}): WsClient {
  const client = createWsClient({ url: served.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false, onNonLazyError: () => {}, ...extra });
  cleanups.push(() => client.dispose());
  return client;
}

/** Collects messages until `count` arrived. */
function collector<T>() {
  const messages: T[] = [];
  const errors: unknown[] = [];
  return {
    messages,
    errors,
    next: (message: T) => messages.push(message),
    error: (error: unknown) => errors.push(error),
    until: (count: number) => eventually(() => messages.length >= count || errors.length > 0, { what: `${count} messages` }),
  };
}

/**
 * The shared scenario: the first message is the firing set; an event recorded then arrives once.
 * A marker recorded after it proves nothing else was on its way.
 */
async function seesFiringSetThenEachEventOnce(messages: Message[], until: (count: number) => Promise<void>): Promise<void> {
  await until(1);
  const firing = (await alerting.firing()).map((event) => event.cursor);
  expect(messages[0]!.alertEvents.firing?.map((event) => event.cursor)).toEqual(firing);
  expect(messages[0]!.alertEvents.event).toBeNull();
  const [recorded] = alerting.record(quotaEvent('FIRED', { period: Number(firing.length) + 100 + messages.length }));
  await until(2);
  const [marker] = alerting.record(quotaEvent('RESOLVED', { period: recorded!.period }));
  await until(3);
  expect(messages.slice(1).map((message) => message.alertEvents.event?.cursor)).toEqual([recorded!.cursor, marker!.cursor]);
  expect(messages.slice(1).every((message) => message.alertEvents.firing === null)).toBe(true);
}

describe('Apollo Client 4', () => {
  it('subscribes with GraphQLWsLink (graphql-ws)', async () => {
    const client = new ApolloClient({ link: new GraphQLWsLink(wsClient()), cache: new InMemoryCache() });
    const seen = collector<Message>();
    const subscription = client.subscribe<Message>({ query: gql(ALERTS) }).subscribe({ next: (result) => seen.next(result.data as Message), error: seen.error });
    cleanups.unshift(() => subscription.unsubscribe());
    await seesFiringSetThenEachEventOnce(seen.messages, seen.until);
    expect(seen.errors).toEqual([]);
  });

  it('subscribes with a link over graphql-sse, and outlives the request deadline', async () => {
    const sse = sseClient();
    const sseLink = new ApolloLink(
      (operation) =>
        new Observable((observer) =>
          sse.subscribe<Record<string, unknown>>(
            { query: print(operation.query), variables: operation.variables, ...(operation.operationName ? { operationName: operation.operationName } : {}) },
            { next: (result) => observer.next(result as never), error: (error) => observer.error(error), complete: () => observer.complete() },
          ),
        ),
    );
    const client = new ApolloClient({ link: sseLink, cache: new InMemoryCache() });
    const seen = collector<Message>();
    const subscription = client.subscribe<Message>({ query: gql(ALERTS) }).subscribe({ next: (result) => seen.next(result.data as Message), error: seen.error });
    cleanups.unshift(() => subscription.unsubscribe());
    await seen.until(1);
    // Past GATEWAY_REQUEST_TIMEOUT_MS (300 ms here) the stream is still open and delivering.
    await new Promise((resolve) => setTimeout(resolve, 900));
    await seesFiringSetThenEachEventOnce(seen.messages, seen.until);
    expect(seen.errors).toEqual([]);
  });

  it('is refused 406 with the default HttpLink, which asks for a multipart subscription, and told which transports to use', async () => {
    const statuses: number[] = [];
    const accepts: string[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      accepts.push(new Headers(init?.headers).get('accept') ?? '');
      const response = await fetch(input, init);
      statuses.push(response.status);
      return response;
    };
    const client = new ApolloClient({ link: new HttpLink({ uri: served.url, headers: { authorization: `Bearer ${usageToken}` }, fetch: recordingFetch }), cache: new InMemoryCache() });
    const seen = collector<unknown>();
    const subscription = client.subscribe({ query: gql(ALERTS) }).subscribe({ next: (result) => seen.next((result as { error?: unknown }).error), error: seen.error });
    cleanups.unshift(() => subscription.unsubscribe());
    await eventually(() => seen.errors.length > 0 || seen.messages.some((error) => error !== undefined), { what: 'the refusal' });
    expect(accepts[0]).toContain('multipart/mixed');
    expect(statuses).toEqual([406]);
    const error = seen.errors[0] ?? seen.messages.find((candidate) => candidate !== undefined);
    expect(CombinedGraphQLErrors.is(error)).toBe(true);
    expect((error as CombinedGraphQLErrors).errors[0]?.extensions?.['code']).toBe('SUBSCRIPTION_TRANSPORT_UNSUPPORTED');
  });
});

describe('urql', () => {
  /** urql's subscriptionExchange forwarding to a graphql-sse or graphql-ws client, as their docs show. */
  async function subscribesThrough(transport: { subscribe: ReturnType<typeof sseClient>['subscribe'] | ReturnType<typeof wsClient>['subscribe'] }) {
    const client = new UrqlClient({
      url: served.url,
      exchanges: [
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({ unsubscribe: transport.subscribe({ ...request, query: request.query ?? '' }, sink as never) }),
          }),
        }),
        fetchExchange,
      ],
    });
    const seen = collector<Message>();
    const { unsubscribe } = client.subscription<Message>(ALERTS, {}).subscribe((result) => (result.error ? seen.error(result.error) : seen.next(result.data!)));
    cleanups.unshift(unsubscribe);
    await seesFiringSetThenEachEventOnce(seen.messages, seen.until);
    expect(seen.errors).toEqual([]);
  }

  it('subscribes with subscriptionExchange over graphql-sse', async () => {
    await subscribesThrough(sseClient());
  });

  it('subscribes with subscriptionExchange over graphql-ws', async () => {
    await subscribesThrough(wsClient());
  });
});

describe('Relay', () => {
  it('subscribes through a Network whose subscribe function uses graphql-ws', async () => {
    const ws = wsClient();
    const network = Network.create(
      () => {
        throw new Error('queries are not part of this test');
      },
      (request, variables) =>
        RelayObservable.create((sink) =>
          ws.subscribe({ operationName: request.name, query: request.text ?? '', variables }, { next: (value) => sink.next(value as never), error: (error) => sink.error(error as Error), complete: () => sink.complete() }),
        ),
    );
    const request: RequestParameters = { id: null, cacheID: 'alerts-subscription', name: 'Alerts', operationKind: 'subscription', text: ALERTS, metadata: {}, providedVariables: undefined };
    const seen = collector<Message>();
    const subscription = network.execute(request, {}, {}).subscribe({ next: (payload) => seen.next((payload as { data: Message }).data), error: seen.error });
    cleanups.unshift(() => subscription.unsubscribe());
    await seesFiringSetThenEachEventOnce(seen.messages, seen.until);
    expect(seen.errors).toEqual([]);
  });
});

describe('graphql-ws connections', () => {
  it('a partners:self caller sees only its own events, over either transport', async () => {
    const overWs = collector<Message>();
    const overSse = collector<Message>();
    cleanups.unshift(wsClient(aliceToken).subscribe<Message>({ query: ALERTS }, { next: (result) => overWs.next(result.data as Message), error: overWs.error, complete: () => {} }));
    cleanups.unshift(sseClient(aliceToken).subscribe<Message>({ query: ALERTS }, { next: (result) => overSse.next(result.data as Message), error: overSse.error, complete: () => {} }));
    await overWs.until(1);
    await overSse.until(1);
    alerting.record(partnerEvent('bob'));
    const [own] = alerting.record(partnerEvent('alice'));
    await overWs.until(2);
    await overSse.until(2);
    for (const seen of [overWs, overSse]) {
      expect(seen.messages[0]!.alertEvents.firing).toEqual([]);
      expect(seen.messages.slice(1).map((message) => message.alertEvents.event?.series)).toEqual(['partner:alice']);
      expect(seen.messages[1]!.alertEvents.event?.cursor).toBe(own!.cursor);
    }
  });

  it('refuses a bad token (4403) and closes a caller over its connection limit with 4429', async () => {
    const closes: number[] = [];
    const refused = wsClient('not-a-token', { on: { closed: (event) => closes.push((event as { code: number }).code) } });
    await eventually(() => closes.length > 0, { what: 'the refusal' });
    expect(closes).toEqual([4403]);
    await refused.dispose();

    const held: WsClient[] = [];
    for (let index = 0; index < 3; index += 1) {
      const connected = { value: false };
      held.push(wsClient(usageToken, { on: { connected: () => (connected.value = true) } }));
      await eventually(() => connected.value, { what: `connection ${index + 1}` });
    }
    const overLimit: number[] = [];
    wsClient(usageToken, { on: { closed: (event) => overLimit.push((event as { code: number }).code) } });
    await eventually(() => overLimit.length > 0, { what: 'the 4429 close' });
    expect(overLimit[0]).toBe(CLOSE_TOO_MANY_CONNECTIONS);
  });

  it('refuses an upgrade from a foreign Origin (403) and accepts the gateway\'s own', async () => {
    const status = (origin: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(served.wsUrl, 'graphql-transport-ws', { headers: { origin } });
        socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.on('open', () => {
          resolve(101);
          socket.close();
        });
        socket.on('error', () => {});
      });
    expect(await status('https://evil.example')).toBe(403);
    expect(await status(new URL(served.url).origin)).toBe(101);
  });

  it('closes the connection when the token expires', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await auth.keys.sign({ sub: 'short-lived', scope: 'usage:read', exp });
    const closes: number[] = [];
    const seen = collector<Message>();
    const client = wsClient(token, { on: { closed: (event) => closes.push((event as { code: number }).code) } });
    cleanups.unshift(client.subscribe<Message>({ query: ALERTS }, { next: (result) => seen.next(result.data as Message), error: seen.error, complete: () => {} }));
    await seen.until(1);
    await eventually(() => closes.length > 0, { what: 'the close at expiry', withinMs: 15_000 });
    expect(closes[0]).toBe(4401);
  });
});
