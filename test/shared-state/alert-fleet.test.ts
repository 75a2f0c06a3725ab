import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RedisAlertFeed } from '../../src/shared-state/redis-alert-feed.js';
import { RedisConnection } from '../../src/shared-state/redis-connection.js';
import { quotaEvent, testAlerting, type TestAlerting } from '../support/alerting.js';
import { startSubscriptionServer, type SubscriptionServer } from '../support/alert-server.js';
import { eventually } from '../support/eventually.js';
import { startHarness, type Harness } from '../support/harness.js';
import { HAS_REDIS_SERVER, REDIS_SUITE, startTestRedis, type TestRedis } from '../support/redis-server.js';

/**
 * Two gateway instances sharing one Redis: an event recorded on A reaches a subscriber over SSE on
 * A and one over graphql-ws on B, each exactly once.
 */

const ALERTS = 'subscription { alertEvents { firing { cursor } event { cursor kind } } }';

interface Instance {
  connection: RedisConnection;
  feed: RedisAlertFeed;
  alerting: TestAlerting;
  harness: Harness;
  served: SubscriptionServer;
}

describe.skipIf(!HAS_REDIS_SERVER)(`alert events across a fleet ${REDIS_SUITE}`, () => {
  let redis: TestRedis;
  const instances: Instance[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    for (let index = 0; index < 2; index += 1) {
      const logger = { info: () => {}, warn: () => {} };
      const connection = new RedisConnection({ url: redis.url, keyPrefix: 'fleet-alerts:', commandTimeoutMs: 5000, instances: 2, logger });
      await connection.start(2000);
      const feed = new RedisAlertFeed({ connection, logger });
      // Each instance's store hands out its own cursors: A's from 1, B's far away, so none could be mistaken.
      const alerting = testAlerting({ feed, firstCursor: index === 0 ? 1 : 1_000_000 });
      const harness = await startHarness({ alerting });
      instances.push({ connection, feed, alerting, harness, served: await startSubscriptionServer(harness.yoga) });
    }
  }, 60_000);

  afterAll(async () => {
    for (const { served, harness, feed, connection } of instances) {
      await served.close();
      await harness.close();
      await feed.close();
      await connection.close();
    }
    await redis?.close();
  });

  it('a subscriber over SSE on A and one over graphql-ws on B each see an event recorded on A once', async () => {
    const [a, b] = instances as [Instance, Instance];
    const overSse: Array<{ firing: unknown; event: { cursor: string } | null }> = [];
    const overWs: Array<{ firing: unknown; event: { cursor: string } | null }> = [];
    const sse = createSseClient({ url: a.served.url, retryAttempts: 0 });
    const ws = createWsClient({ url: b.served.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    const sink = (into: typeof overSse) => ({ next: (result: { data?: unknown }) => into.push((result.data as { alertEvents: (typeof overSse)[number] }).alertEvents), error: () => {}, complete: () => {} });
    const stopSse = sse.subscribe({ query: ALERTS }, sink(overSse));
    const stopWs = ws.subscribe({ query: ALERTS }, sink(overWs));
    try {
      await eventually(() => overSse.length === 1 && overWs.length === 1, { what: 'both firing sets' });
      // B hears A's channel once its subscribing connection is up: probe until it does.
      const probes: string[] = [];
      await eventually(
        () => {
          probes.push(...a.alerting.record(quotaEvent('FIRED', { period: 1000 + probes.length })).map((event) => event.cursor));
          return overWs.length > 1;
        },
        { everyMs: 100, withinMs: 30_000, what: 'B to hear A' },
      );
      await eventually(() => overSse.length - 1 === probes.length && overWs.length > 1, { what: 'the probes on A' });
      const before = { sse: overSse.length, ws: overWs.length };
      const [event] = a.alerting.record(quotaEvent('FIRED', { period: 1 }));
      const [marker] = a.alerting.record(quotaEvent('RESOLVED', { period: 1 }));
      await eventually(() => overSse.some((message) => message.event?.cursor === marker!.cursor) && overWs.some((message) => message.event?.cursor === marker!.cursor), {
        what: 'the marker on both instances',
      });
      expect(overSse.slice(before.sse).map((message) => message.event?.cursor)).toEqual([event!.cursor, marker!.cursor]);
      expect(overWs.filter((message) => message.event?.cursor === event!.cursor)).toHaveLength(1);
      expect(overWs.at(-1)?.event?.cursor).toBe(marker!.cursor);
      // Every probe reached A's subscriber once, and none arrived on B twice.
      expect(new Set(overWs.slice(1).map((message) => message.event?.cursor)).size).toBe(overWs.length - 1);
    } finally {
      stopSse();
      stopWs();
      await ws.dispose();
      sse.dispose();
    }
  });
});
