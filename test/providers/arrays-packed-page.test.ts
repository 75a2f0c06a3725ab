import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArraysClient } from '../../src/providers/arrays/client.js';
import { successEnvelopeSchema } from '../../src/providers/arrays/contract.js';
import { readPackedSuccessEnvelope } from '../../src/providers/arrays/packed-page.js';
import { partnerPageFromEnvelope } from '../../src/providers/arrays/to-usage.js';
import { PackedPartnerUsage } from '../../src/usage/packed-partner-usage.js';
import { UpstreamBadResponseError } from '../../src/upstream/errors.js';
import { upstreamFailure } from '../support/upstream-failure.js';
import { mockedHttp } from '../support/vendor-test-bed.js';

/** What the general path (JSON.parse, the zod contract, the mapping) makes of a body. */
function generalRead(body: string) {
  const page = partnerPageFromEnvelope(successEnvelopeSchema.parse(JSON.parse(body)), '0');
  return { users: page.entries, nextCursor: page.nextCursor, hasMore: page.hasMore, requestId: page.upstreamRequestId };
}

function packedRead(body: string) {
  const envelope = readPackedSuccessEnvelope(Buffer.from(body, 'utf8'));
  if (envelope === null) return null;
  return {
    users: envelope.users.toArray(),
    nextCursor: envelope.pagination?.nextCursor ?? '0',
    hasMore: envelope.pagination?.hasMore ?? false,
    requestId: envelope.requestId,
  };
}

const user = (sub: unknown, calls: unknown = 1, byEndpoint: unknown = { '/v1/x/search': { calls, discoveries: 0, tweets: 2 } }) => ({
  sub,
  calls,
  discoveries: 0,
  tweets: 2,
  by_endpoint: byEndpoint,
});
const envelope = (data: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ success: true, data, pagination: { next_cursor: '1732147260000-7', has_more: true }, request_id: 'req_1', ...extra });

describe('readPackedSuccessEnvelope on bodies in the contract: the same page as the general path', () => {
  const bodies: [string, string][] = [
    ['several users, endpoints out of order', envelope([
      { sub: 'user-b', calls: 7, discoveries: 3, tweets: 2, by_endpoint: { '/x/timeline': { calls: 5, discoveries: 1, tweets: 2 }, '/x/discover': { calls: 2, discoveries: 2, tweets: 0 }, '/a': { calls: 0, discoveries: 0, tweets: 0 } } },
      user('user-a'),
      user('user-c', 3, {}),
    ])],
    ['subs past 2^53, escaped, non-ASCII and empty, kept as strings', envelope([user('18446744073709551557'), user('\u0032\u00e9\ud83d\ude00"\\/'), user('ユーザー'), user('')]).replace('"2', '"\\u0032')],
    ['counters up to 2^53 - 1', envelope([user('u1', 9007199254740991, { '/a': { calls: 9007199254740991, discoveries: 0, tweets: 1 } })])],
    ['unknown fields of every JSON kind at every level', JSON.stringify({
      meta: { nested: [1, -2.5e-3, 'x\\"y\n', true, false, null, { deep: [[[]]] }] },
      success: true,
      data: [{ extra: [0, { a: 'b' }], ...user('u1'), by_endpoint: { '/a': { calls: 1, discoveries: 2, tweets: 3, latency: 1.5 } } }],
      pagination: { has_more: false, next_cursor: '1-0', total: 12 },
      request_id: 'r',
    })],
    ['pretty-printed', JSON.stringify(JSON.parse(envelope([user('u1'), user('u2')])), null, 2)],
    ['pagination null', envelope([user('u1')], { pagination: null })],
    ['pagination absent', JSON.stringify({ success: true, data: [user('u1')], request_id: 'r' })],
    ['no users', envelope([])],
    ['an endpoint twice in one user: the last wins, as in JSON.parse', '{"success":true,"request_id":"r","data":[{"sub":"u","calls":2,"discoveries":0,"tweets":0,"by_endpoint":{"/a":{"calls":1,"discoveries":0,"tweets":0},"/b":{"calls":1,"discoveries":0,"tweets":0},"/a":{"calls":9,"discoveries":9,"tweets":9}}}]}'],
    ['a user field twice: the last wins', '{"success":true,"request_id":"r","data":[{"sub":"x","calls":5,"sub":"y","discoveries":0,"tweets":0,"by_endpoint":{"/a":{"calls":1,"discoveries":0,"tweets":0}},"by_endpoint":{}}]}'],
  ];

  it.each(bodies)('%s', (_name, body) => {
    const packed = packedRead(body);
    expect(packed).not.toBeNull();
    expect(packed).toEqual(generalRead(body));
  });

  it('keeps every sub a string, also the decimal ones past 2^53', () => {
    const packed = readPackedSuccessEnvelope(Buffer.from(envelope([user('18446744073709551557'), user('7')])))!;
    expect([packed.users.sub(0), packed.users.sub(1)]).toEqual(['18446744073709551557', '7']);
  });
});

describe('readPackedSuccessEnvelope leaves every other body to the general path (null)', () => {
  const valid = envelope([user('u1'), user('u2', 3, { '/a': { calls: 3, discoveries: 0, tweets: 2 } })]);

  it('every truncation of a valid body', () => {
    for (let length = 0; length < valid.length; length++) {
      expect(readPackedSuccessEnvelope(Buffer.from(valid.slice(0, length))), `first ${length} bytes`).toBeNull();
    }
  });

  it.each<[string, string]>([
    ['a failure envelope', JSON.stringify({ success: false, error: { code: 'X', message: 'no' }, request_id: 'r' })],
    ['success not true', envelope([], { success: 'true' })],
    ['data not an array', envelope({})],
    ['a numeric sub', '{"success":true,"request_id":"r","data":[{"sub":18446744073709551557,"calls":1,"discoveries":0,"tweets":0,"by_endpoint":{}}]}'],
    ['a small numeric sub', envelope([user(7)])],
    ['a null sub', envelope([user(null)])],
    ['a counter as a string', envelope([user('u1', '3')])],
    ['a counter of 2^53', '{"success":true,"request_id":"r","data":[{"sub":"u1","calls":9007199254740992,"discoveries":0,"tweets":0,"by_endpoint":{}}]}'],
    ['a counter past 2^53', '{"success":true,"request_id":"r","data":[{"sub":"u1","calls":9007199254740993,"discoveries":0,"tweets":0,"by_endpoint":{}}]}'],
    ['a 20-digit counter', '{"success":true,"request_id":"r","data":[{"sub":"u1","calls":12345678901234567890,"discoveries":0,"tweets":0,"by_endpoint":{}}]}'],
    ['an endpoint counter past 2^53', '{"success":true,"request_id":"r","data":[{"sub":"u1","calls":1,"discoveries":0,"tweets":0,"by_endpoint":{"/a":{"calls":99999999999999999,"discoveries":0,"tweets":0}}}]}'],
    ['a negative counter', envelope([user('u1', -1)])],
    ['a fractional counter', envelope([user('u1', 1.5)])],
    ['a counter with an exponent', envelope([user('u1', 1)]).replace('"calls":1,', '"calls":1e0,')],
    ['a counter with a leading zero', envelope([user('u1', 1)]).replace('"calls":1,', '"calls":01,')],
    ['a missing counter', JSON.stringify({ success: true, request_id: 'r', data: [{ sub: 'u1', calls: 1, discoveries: 0, by_endpoint: {} }] })],
    ['a missing by_endpoint', JSON.stringify({ success: true, request_id: 'r', data: [{ sub: 'u1', calls: 1, discoveries: 0, tweets: 0 }] })],
    ['by_endpoint an array', envelope([user('u1', 1, [])])],
    ['an endpoint counter missing', envelope([user('u1', 1, { '/a': { calls: 1, discoveries: 0 } })])],
    ['a missing request_id', JSON.stringify({ success: true, data: [] })],
    ['has_more not a boolean', envelope([], { pagination: { next_cursor: '1-0', has_more: 'yes' } })],
    ['next_cursor missing', envelope([], { pagination: { has_more: false } })],
    ['an escaped key', envelope([user('u1')]).replace('"calls"', '"\\u0063alls"')],
    ['a raw control character in a string', envelope([user('u\u0001')]).replace('\\u0001', '\u0001')],
    ['a bad escape in a sub', envelope([user('u1')]).replace('"u1"', '"u\\x"')],
    ['a bad number in an unknown field', envelope([], { extra: 1 }).replace('"extra":1', '"extra":-')],
    ['a bad literal in an unknown field', envelope([], { extra: true }).replace('"extra":true', '"extra":tru')],
    ['an envelope key twice', envelope([]).replace('{"success":true,', '{"success":true,"success":true,')],
    ['text after the envelope', `${valid} x`],
    ['two envelopes', `${valid}${valid}`],
    ['a trailing comma', envelope([user('u1')]).replace(']', ',]')],
    ['an HTML page', '<!doctype html><html></html>'],
    ['nothing', ''],
  ])('%s', (_name, body) => {
    expect(readPackedSuccessEnvelope(Buffer.from(body, 'utf8'))).toBeNull();
  });
});

describe('ArraysClient.fetchPackedPartnerPage', () => {
  let agent: MockAgent;
  let client: ArraysClient;
  beforeEach(() => {
    const mocked = mockedHttp();
    agent = mocked.agent;
    client = new ArraysClient({ baseUrl: 'https://arrays.test/api', credential: 'arr_svc_token_0123456789', http: mocked.http });
  });
  afterEach(async () => {
    agent.assertNoPendingInterceptors();
    await agent.close();
  });
  const reply = (body: string) =>
    agent.get('https://arrays.test').intercept({ path: '/api/v1/partner/usage', method: 'GET', query: { from_id: '0', count: '1000' } }).reply(200, body, { headers: { 'content-type': 'application/json' } });

  it.each([
    ['read in one pass', envelope([user('u2', 4), user('u1', 2, { '/b': { calls: 1, discoveries: 0, tweets: 0 }, '/a': { calls: 1, discoveries: 0, tweets: 2 } })])],
    // Bodies the contract allows that the one-pass reader leaves to the general path.
    ['read by the general path', envelope([user('u1', 1)]).replace('"calls":1,', '"calls":1.0,').replace('"discoveries"', '"\\u0064iscoveries"')],
  ])('gives the same page as fetchPartnerPage when %s', async (_name, body) => {
    reply(body);
    reply(body);
    const objects = (await client.fetchPartnerPage('0', 1000)).value;
    const packed = (await client.fetchPackedPartnerPage('0', 1000)).value;
    expect(packed.entries).toBeInstanceOf(PackedPartnerUsage);
    expect({ ...packed, entries: packed.entries.toArray() }).toEqual(objects);
  });

  it('fails a truncated body, a wrong type and a counter past 2^53 with UPSTREAM_BAD_RESPONSE naming the problem', async () => {
    reply(envelope([user('u1')]).slice(0, 40));
    reply(envelope([user(12345)]));
    reply('{"success":true,"request_id":"r","data":[{"sub":"u1","calls":9007199254740993,"discoveries":0,"tweets":0,"by_endpoint":{}}]}');
    const truncated = await upstreamFailure(client.fetchPackedPartnerPage('0', 1000));
    const wrongType = await upstreamFailure(client.fetchPackedPartnerPage('0', 1000));
    const tooLarge = await upstreamFailure(client.fetchPackedPartnerPage('0', 1000));
    for (const error of [truncated, wrongType, tooLarge]) {
      expect(error).toBeInstanceOf(UpstreamBadResponseError);
      expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', provider: 'ARRAYS', httpStatus: 200 });
    }
    expect(truncated.message).toContain('not JSON');
    expect(wrongType.message).toContain('data.0.sub');
    expect(tooLarge.message).toContain('data.0.calls');
    expect(tooLarge.message).toContain('2^53');
  });
});
