import { describe, expect, it } from 'vitest';
import type { StoredAlertEvent } from '../../../src/monitoring/alerts/alert-types.js';
import { LocalAlertFeed } from '../../../src/monitoring/alerts/local-feed.js';
import { quotaEvent } from '../../support/alerting.js';

function stored(cursor: number, kind: 'FIRED' | 'RESOLVED' = 'FIRED'): StoredAlertEvent {
  return { ...quotaEvent(kind), cursor: String(cursor), recordedAt: 1 };
}

describe('LocalAlertFeed', () => {
  it('hands every published event to every subscriber once, in the order published', () => {
    const feed = new LocalAlertFeed();
    const a: string[] = [];
    const b: string[] = [];
    feed.subscribe((event) => a.push(event.cursor));
    feed.subscribe((event) => b.push(event.cursor));
    feed.publish([stored(1), stored(2)]);
    feed.publish([stored(3, 'RESOLVED')]);
    expect(a).toEqual(['1', '2', '3']);
    expect(b).toEqual(['1', '2', '3']);
  });

  it('stops after unsubscribe, and hears nothing published before subscribing', () => {
    const feed = new LocalAlertFeed();
    feed.publish([stored(1)]);
    const heard: string[] = [];
    const unsubscribe = feed.subscribe((event) => heard.push(event.cursor));
    feed.publish([stored(2)]);
    unsubscribe();
    feed.publish([stored(3)]);
    expect(heard).toEqual(['2']);
    expect(feed.size).toBe(0);
  });

  it('the same function subscribed twice hears each event twice and unsubscribes once per subscription', () => {
    const feed = new LocalAlertFeed();
    const heard: string[] = [];
    const listener = (event: StoredAlertEvent) => heard.push(event.cursor);
    const first = feed.subscribe(listener);
    feed.subscribe(listener);
    feed.publish([stored(1)]);
    first();
    feed.publish([stored(2)]);
    expect(heard).toEqual(['1', '1', '2']);
  });

  it('a listener that throws costs the others nothing, and is reported', () => {
    const errors: unknown[] = [];
    const feed = new LocalAlertFeed({ onListenerError: (error) => errors.push(error) });
    const heard: string[] = [];
    feed.subscribe(() => {
      throw new Error('broken subscriber');
    });
    feed.subscribe((event) => heard.push(event.cursor));
    feed.publish([stored(1), stored(2)]);
    expect(heard).toEqual(['1', '2']);
    expect(errors).toHaveLength(2);
  });

  it('after close it delivers nothing and holds no listener', async () => {
    const feed = new LocalAlertFeed();
    const heard: string[] = [];
    feed.subscribe((event) => heard.push(event.cursor));
    await feed.close();
    feed.publish([stored(1)]);
    expect(heard).toEqual([]);
    expect(feed.size).toBe(0);
  });
});
