import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSuccessEnvelope, successEnvelopeSchema } from '../../src/providers/arrays/contract.js';
import { partnerPageFromEnvelope } from '../../src/providers/arrays/to-usage.js';
import { startArraysSimulator, type ArraysSimulatorHandle } from '../../src/simulators/arrays.js';

/**
 * `isSuccessEnvelope` stands in for `successEnvelopeSchema` on the common case, so it must never
 * accept what the schema refuses, and what it accepts must map to the same page as the schema's
 * output. Checked on a real simulator page and on one mutation of it per documented field.
 */
let sim: ArraysSimulatorHandle;
let page: Record<string, unknown>;

beforeAll(async () => {
  sim = await startArraysSimulator();
  const response = await fetch(`${sim.baseUrl}/v1/partner/usage?from_id=0&count=1000`, { headers: { 'x-service-token': sim.credential } });
  page = (await response.json()) as Record<string, unknown>;
});

afterAll(async () => {
  await sim.close();
});

type Mutation = [name: string, change: (copy: any) => void];

const MUTATIONS: Mutation[] = [
  ['success false', (copy) => (copy.success = false)],
  ['success "true"', (copy) => (copy.success = 'true')],
  ['no request_id', (copy) => delete copy.request_id],
  ['numeric request_id', (copy) => (copy.request_id = 7)],
  ['data not an array', (copy) => (copy.data = {})],
  ['null entry', (copy) => (copy.data[3] = null)],
  ['entry an array', (copy) => (copy.data[3] = [])],
  ['numeric sub (ids past 2^53 lose digits)', (copy) => (copy.data[0].sub = 12345678901234567890)],
  ['missing calls', (copy) => delete copy.data[1].calls],
  ['negative calls', (copy) => (copy.data[1].calls = -1)],
  ['fractional discoveries', (copy) => (copy.data[1].discoveries = 1.5)],
  ['tweets past 2^53', (copy) => (copy.data[1].tweets = 2 ** 53)],
  ['string tweets', (copy) => (copy.data[1].tweets = '4')],
  ['by_endpoint missing', (copy) => delete copy.data[2].by_endpoint],
  ['by_endpoint an array', (copy) => (copy.data[2].by_endpoint = [])],
  ['by_endpoint entry null', (copy) => (copy.data[2].by_endpoint['/x'] = null)],
  ['by_endpoint entry without calls', (copy) => (copy.data[2].by_endpoint['/x'] = { discoveries: 0, tweets: 0 })],
  ['by_endpoint entry negative tweets', (copy) => (copy.data[2].by_endpoint['/x'] = { calls: 0, discoveries: 0, tweets: -3 })],
  ['pagination without has_more', (copy) => (copy.pagination = { next_cursor: '5' })],
  ['pagination with numeric next_cursor', (copy) => (copy.pagination = { next_cursor: 5, has_more: true })],
  ['pagination a string', (copy) => (copy.pagination = 'next')],
  // Accepted by both:
  ['pagination null', (copy) => (copy.pagination = null)],
  ['pagination absent', (copy) => delete copy.pagination],
  ['no entries', (copy) => (copy.data = [])],
  ['extra fields everywhere', (copy) => Object.assign(copy, { extra: 1 }, copy.data[0] && { data: copy.data.map((entry: any) => ({ ...entry, extra: { deep: true } })) })],
  ['zero counters', (copy) => Object.assign(copy.data[0], { calls: 0, discoveries: 0, tweets: 0 })],
];

describe('isSuccessEnvelope', () => {
  it('accepts the simulator page, and maps it to the same page as the schema output', () => {
    expect((page.data as unknown[]).length).toBeGreaterThan(100);
    expect(isSuccessEnvelope(page)).toBe(true);
    const parsed = successEnvelopeSchema.parse(page);
    expect(partnerPageFromEnvelope(page as never, '0')).toEqual(partnerPageFromEnvelope(parsed, '0'));
  });

  it.each(MUTATIONS)('agrees with the schema: %s', (_name, change) => {
    const copy = structuredClone(page);
    change(copy);
    const schema = successEnvelopeSchema.safeParse(copy);
    expect(isSuccessEnvelope(copy)).toBe(schema.success);
    if (schema.success) expect(partnerPageFromEnvelope(copy as never, '0')).toEqual(partnerPageFromEnvelope(schema.data, '0'));
  });

  it('refuses what is not an object', () => {
    for (const value of [null, undefined, 'page', 3, [page]]) expect(isSuccessEnvelope(value)).toBe(false);
  });
});
