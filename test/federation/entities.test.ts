import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sumStream } from '../../src/simulators/arrays.js';
import { startLedgerGateway, type LedgerGateway } from '../ledger/ledger-gateway.js';

const PARTNER_USERS = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on PartnerUser { sub calls discoveries tweets } }
  }
`;

const HOST_USERS = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on User { id partnerUsage { sub calls tweets } } }
  }
`;

describe('_entities', () => {
  let gateway: LedgerGateway;
  let totals: Map<string, { calls: number; discoveries: number; tweets: number }>;

  beforeAll(async () => {
    gateway = await startLedgerGateway({ entries: 12_000, subs: 1500 });
    totals = sumStream(gateway.sim);
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('answers 1,000 PartnerUser representations with one ledger read and no upstream call', async () => {
    const subs = [...totals.keys()].slice(0, 1000);
    expect(subs).toHaveLength(1000);
    gateway.sim.resetHits();
    const readsBefore = gateway.ledger.store.stats.reads;
    const body = await gateway.post(PARTNER_USERS, {
      representations: subs.map((sub) => ({ __typename: 'PartnerUser', sub })),
    });
    expect(body.errors).toBeUndefined();
    expect(gateway.ledger.store.stats.reads - readsBefore).toBe(1);
    expect(gateway.sim.hits()).toBe(0);
    expect(body.data._entities).toHaveLength(1000);
    for (const [index, entity] of body.data._entities.entries()) {
      expect(entity).toEqual({ sub: subs[index], ...totals.get(subs[index]!) });
    }
  });

  it('resolves unknown subs to null without failing the batch', async () => {
    const [known] = totals.keys();
    const body = await gateway.post(PARTNER_USERS, {
      representations: [
        { __typename: 'PartnerUser', sub: '99999999999999999999' },
        { __typename: 'PartnerUser', sub: known },
      ],
    });
    expect(body.errors).toBeUndefined();
    expect(body.data._entities[0]).toBeNull();
    expect(body.data._entities[1]).toMatchObject({ sub: known, calls: totals.get(known!)!.calls });
  });

  it("adds partnerUsage to the host graph's User with one ledger read for the batch", async () => {
    const subs = [...totals.keys()].slice(0, 300);
    const readsBefore = gateway.ledger.store.stats.reads;
    const body = await gateway.post(HOST_USERS, {
      representations: [...subs, '12345'].map((id) => ({ __typename: 'User', id })),
    });
    expect(body.errors).toBeUndefined();
    expect(gateway.ledger.store.stats.reads - readsBefore).toBe(1);
    for (const [index, sub] of subs.entries()) {
      const { calls, tweets } = totals.get(sub)!;
      expect(body.data._entities[index]).toEqual({ id: sub, partnerUsage: { sub, calls, tweets } });
    }
    expect(body.data._entities.at(-1)).toEqual({ id: '12345', partnerUsage: null });
  });

  it('refuses a key sent as a JSON number (already rounded) with BAD_USER_INPUT, without reading the ledger', async () => {
    const readsBefore = gateway.ledger.store.stats.reads;
    // A router sending a rounded key has a bug: the batch is refused as a whole, nothing answered for a wrong id.
    const partner = await gateway.post(PARTNER_USERS, { representations: [{ __typename: 'PartnerUser', sub: 12345678901234567890 }] });
    expect(partner.data).toBeNull();
    expect(partner.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(partner.errors[0].message).toMatch(/must be a non-empty string/);
    const host = await gateway.post(HOST_USERS, { representations: [{ __typename: 'User', id: 12345678901234567890 }] });
    expect(host.data._entities[0].partnerUsage).toBeNull();
    expect(host.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(gateway.ledger.store.stats.reads).toBe(readsBefore);
  });

  it('keeps two 20-digit subs that differ only in the last digit apart', async () => {
    const long = [...totals.keys()].filter((sub) => sub.length === 20);
    const twins = long.filter((sub) => long.includes(sub.slice(0, 19) + String((Number(sub.at(-1)) + 1) % 10)));
    expect(twins.length).toBeGreaterThan(0);
    const a = twins[0]!;
    const b = a.slice(0, 19) + String((Number(a.at(-1)) + 1) % 10);
    const body = await gateway.post(PARTNER_USERS, {
      representations: [a, b].map((sub) => ({ __typename: 'PartnerUser', sub })),
    });
    expect(body.data._entities.map((entity: any) => entity.sub)).toEqual([a, b]);
    expect(body.data._entities.map((entity: any) => entity.calls)).toEqual([totals.get(a)!.calls, totals.get(b)!.calls]);
  });
});
