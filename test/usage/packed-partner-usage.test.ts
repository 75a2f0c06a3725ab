import { describe, expect, it } from 'vitest';
import type { PartnerUsage } from '../../src/usage/model.js';
import { PackedPartnerUsage, PackedPartnerUsageBuilder } from '../../src/usage/packed-partner-usage.js';

const alice: PartnerUsage = {
  sub: 'alice',
  calls: 3,
  discoveries: 1,
  tweets: 20,
  byEndpoint: [
    { endpoint: '/v1/x/search', calls: 2, discoveries: 1, tweets: 12 },
    { endpoint: '/v1/x/users', calls: 1, discoveries: 0, tweets: 8 },
  ],
};
const bob: PartnerUsage = { sub: 'bob', calls: 1, discoveries: 0, tweets: 0, byEndpoint: [{ endpoint: '/v1/x/search', calls: 1, discoveries: 0, tweets: 0 }] };
const nobody: PartnerUsage = { sub: 'carol', calls: 0, discoveries: 0, tweets: 0, byEndpoint: [] };

describe('PackedPartnerUsage', () => {
  it('gives back exactly the users it packed, in order, endpoints included', () => {
    const packed = PackedPartnerUsage.from([alice, bob, nobody]);
    expect(packed.length).toBe(3);
    expect(packed.toArray()).toEqual([alice, bob, nobody]);
    expect([...packed].map((user) => user.sub)).toEqual(['alice', 'bob', 'carol']);
  });

  it('interns each endpoint name once per page', () => {
    const packed = PackedPartnerUsage.from([alice, bob]);
    expect(packed.endpoints).toEqual(['/v1/x/search', '/v1/x/users']);
    expect([packed.firstRow(0), packed.firstRow(1), packed.firstRow(2)]).toEqual([0, 2, 3]);
    expect(packed.rowEndpoint(2)).toBe(0);
    expect([packed.total(0, 0), packed.total(0, 1), packed.total(0, 2)]).toEqual([3, 1, 20]);
    expect([packed.rowCounter(1, 0), packed.rowCounter(1, 2)]).toEqual([1, 8]);
  });

  it('is empty for no users', () => {
    const packed = PackedPartnerUsage.from([]);
    expect(packed.length).toBe(0);
    expect(packed.toArray()).toEqual([]);
  });

  it('keeps counters past 2^31 (and up to 2^53 - 1) exact', () => {
    const big: PartnerUsage = {
      sub: 'big',
      calls: 2 ** 31 + 7,
      discoveries: 2 ** 40,
      tweets: Number.MAX_SAFE_INTEGER,
      byEndpoint: [{ endpoint: '/v1/x/search', calls: 2 ** 31 + 7, discoveries: 2 ** 40, tweets: Number.MAX_SAFE_INTEGER }],
    };
    expect(PackedPartnerUsage.from([big]).toArray()).toEqual([big]);
  });
});

describe('PackedPartnerUsageBuilder', () => {
  it('grows past the room it started with, keeping every user and row', () => {
    const builder = new PackedPartnerUsageBuilder(1);
    const users: PartnerUsage[] = [];
    for (let i = 0; i < 100; i++) {
      const endpoint = `/e${i % 7}`;
      builder.addEndpoint(builder.endpointId(endpoint), i, 0, 2 * i);
      builder.addUser(`u${i}`, i, 0, 2 * i);
      users.push({ sub: `u${i}`, calls: i, discoveries: 0, tweets: 2 * i, byEndpoint: [{ endpoint, calls: i, discoveries: 0, tweets: 2 * i }] });
    }
    const packed = builder.build();
    expect(packed.endpoints).toHaveLength(7);
    expect(packed.toArray()).toEqual(users);
  });

  it('sorts a user\'s rows by endpoint name when asked, as the object model orders them', () => {
    const builder = new PackedPartnerUsageBuilder();
    for (const name of ['/c', '/a', '/b']) builder.addEndpoint(builder.endpointId(name), name.charCodeAt(1), 0, 0);
    builder.addUser('u', 3, 0, 0, true);
    expect(builder.build().user(0).byEndpoint.map((row) => [row.endpoint, row.calls])).toEqual([
      ['/a', 97],
      ['/b', 98],
      ['/c', 99],
    ]);
  });

  it('lets the pending user\'s repeated key win last, and drops a discarded user\'s rows', () => {
    const builder = new PackedPartnerUsageBuilder();
    builder.addEndpoint(builder.endpointId('/x'), 1, 1, 1);
    expect(builder.pendingRows).toBe(1);
    expect(builder.pendingEndpoint(0)).toBe(builder.endpointId('/x'));
    builder.replacePending(0, 5, 6, 7);
    builder.addUser('kept', 5, 6, 7);
    builder.addEndpoint(builder.endpointId('/y'), 9, 9, 9);
    builder.discardPending();
    expect(builder.pendingRows).toBe(0);
    expect(builder.build().toArray()).toEqual([{ sub: 'kept', calls: 5, discoveries: 6, tweets: 7, byEndpoint: [{ endpoint: '/x', calls: 5, discoveries: 6, tweets: 7 }] }]);
  });
});
