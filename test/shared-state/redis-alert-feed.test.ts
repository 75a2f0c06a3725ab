import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAlertEvent } from '../../src/monitoring/alerts/alert-types.js';
import { RedisAlertFeed } from '../../src/shared-state/redis-alert-feed.js';
import { RedisConnection } from '../../src/shared-state/redis-connection.js';
import { quotaEvent } from '../support/alerting.js';
import { eventually } from '../support/eventually.js';
import { HAS_REDIS_SERVER, REDIS_SUITE, startTestRedis, type TestRedis } from '../support/redis-server.js';

function stored(cursor: number): StoredAlertEvent {
  return { ...quotaEvent('FIRED', { period: cursor }), cursor: String(cursor), recordedAt: 1 };
}

interface Instance {
  feed: RedisAlertFeed;
  connection: RedisConnection;
  warnings: string[];
  heard: string[];
}

describe.skipIf(!HAS_REDIS_SERVER)(`RedisAlertFeed ${REDIS_SUITE}`, () => {
  let redis: TestRedis;
  const opened: Instance[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterEach(async () => {
    for (const instance of opened.splice(0)) {
      await instance.feed.close();
      await instance.connection.close();
    }
  });
  afterAll(async () => {
    await redis.close();
  });

  /** One instance of the fleet: its connection, its feed, one subscriber counting what it hears. */
  async function instance(): Promise<Instance> {
    const warnings: string[] = [];
    const logger = { info: () => {}, warn: (message: string) => warnings.push(message) };
    const connection = new RedisConnection({ url: redis.url, keyPrefix: 'feed-test:', commandTimeoutMs: 300, instances: 2, logger, probeIntervalMs: 100, settleMs: 100 });
    await connection.start(2000);
    const feed = new RedisAlertFeed({ connection, logger });
    const heard: string[] = [];
    feed.subscribe((event) => heard.push(event.cursor));
    const created = { feed, connection, warnings, heard };
    opened.push(created);
    return created;
  }

  /** Publishes probes on `from` until `to` hears one: its subscription is up. Then forgets the probes. */
  async function linked(from: Instance, ...to: Instance[]): Promise<void> {
    let probe = 1_000_000;
    await eventually(
      () => {
        from.feed.publish([stored(probe++)]);
        return to.every((instance) => instance.heard.some((cursor) => Number(cursor) >= 1_000_000));
      },
      { everyMs: 50, what: 'the subscribing connections to be up' },
    );
    // Probes in flight arrive after the check: wait until every instance heard the last one.
    const last = String(probe - 1);
    await eventually(() => [from, ...to].every((instance) => instance.heard.includes(last)), { what: 'the last probe' });
    for (const instance of [from, ...to]) instance.heard.length = 0;
  }

  it('an event published on A reaches the subscribers of A and of B, each exactly once', async () => {
    const a = await instance();
    const b = await instance();
    await linked(a, b);
    await linked(b, a);
    a.feed.publish([stored(1), stored(2)]);
    b.feed.publish([stored(3)]);
    await eventually(() => a.heard.length >= 3 && b.heard.length >= 3, { what: 'every event on both instances' });
    // A marker after the events: once it arrived everywhere, nothing else is still on its way.
    a.feed.publish([stored(4)]);
    await eventually(() => a.heard.includes('4') && b.heard.includes('4'), { what: 'the marker' });
    expect(a.heard.sort()).toEqual(['1', '2', '3', '4']);
    expect(b.heard.sort()).toEqual(['1', '2', '3', '4']);
  });

  it('with Redis down the publishing instance still delivers to its own subscribers, says so once, and shares again when Redis is back', async () => {
    const a = await instance();
    const b = await instance();
    await linked(a, b);
    await redis.stop();
    a.feed.publish([stored(10)]);
    a.feed.publish([stored(11)]);
    expect(a.heard).toEqual(['10', '11']);
    await eventually(() => a.warnings.some((line) => line.startsWith('alert feed: Redis unreachable')), { what: 'the warning' });
    expect(a.warnings.filter((line) => line.startsWith('alert feed:'))).toHaveLength(1);
    expect(b.heard).toEqual([]);
    await redis.start();
    await eventually(() => a.connection.up && b.connection.up, { what: 'both connections back' });
    await linked(a, b);
    a.feed.publish([stored(12)]);
    await eventually(() => b.heard.includes('12'), { what: 'the event on B after the outage' });
    expect(a.heard).toEqual(['12']);
  });
});
