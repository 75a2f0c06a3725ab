import { describe, expect, it } from 'vitest';
import { alertPayload, jsonCounter, testPayload, webhookId } from '../../../../src/monitoring/alerts/webhooks/payload.js';
import type { AlertEvent } from '../../../../src/usage/alert-evaluation.js';

const AT = Date.UTC(2026, 4, 1, 12, 0, 0);
const fired: AlertEvent = { key: '["quota-80","quota:calls",80,3,1000]', ruleId: 'quota-80', provider: 'ARRAYS', series: 'quota:calls', threshold: 80, period: 3, limit: 1000, kind: 'FIRED', at: AT, value: 810 };

describe('webhook payloads', () => {
  it('carries the event as type, timestamp and data', () => {
    expect(alertPayload(fired)).toEqual({
      type: 'alert.fired',
      timestamp: '2026-05-01T12:00:00.000Z',
      data: { key: fired.key, kind: 'FIRED', ruleId: 'quota-80', provider: 'ARRAYS', series: 'quota:calls', threshold: 80, period: 3, limit: 1000, value: 810, at: '2026-05-01T12:00:00.000Z' },
    });
    const resolved = alertPayload({ ...fired, kind: 'RESOLVED', reason: 'PERIOD_RESET', limit: null });
    expect(resolved.type).toBe('alert.resolved');
    expect(resolved.data).toMatchObject({ kind: 'RESOLVED', reason: 'PERIOD_RESET', limit: null });
    expect(testPayload('ops', AT)).toMatchObject({ type: 'alert.test', timestamp: '2026-05-01T12:00:00.000Z', data: { endpointId: 'ops' } });
  });

  it('writes counters as numbers while safe integers, else as decimal text', () => {
    expect(jsonCounter(9_007_199_254_740_991)).toBe(9_007_199_254_740_991);
    expect(jsonCounter(2 ** 53)).toBe('9007199254740992');
    expect(jsonCounter(-5)).toBe(-5);
    const big = alertPayload({ ...fired, value: 2 ** 60, limit: 2 ** 61 });
    expect(big.data).toMatchObject({ value: '1152921504606846976', limit: '2305843009213693952' });
  });

  it('derives the webhook id from endpoint, key and kind alone, in a form the signer accepts', () => {
    const id = webhookId('ops', fired.key, 'FIRED');
    expect(id).toMatch(/^msg_[A-Za-z0-9_-]{32}$/);
    expect(webhookId('ops', fired.key, 'FIRED')).toBe(id);
    expect(new Set([id, webhookId('ops', fired.key, 'RESOLVED'), webhookId('other', fired.key, 'FIRED'), webhookId('ops', `${fired.key} `, 'FIRED')]).size).toBe(4);
  });
});
