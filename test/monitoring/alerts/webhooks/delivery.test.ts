import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../../../src/common/logger.js';
import { createWebhookDelivery, type WebhookAttemptOutcome, type WebhookTimers } from '../../../../src/monitoring/alerts/webhooks/delivery.js';
import { validateWebhookEndpoints } from '../../../../src/monitoring/alerts/webhooks/endpoints.js';
import { FileWebhookOutbox } from '../../../../src/monitoring/alerts/webhooks/file-outbox.js';
import { webhookId } from '../../../../src/monitoring/alerts/webhooks/payload.js';
import type { AlertEvent } from '../../../../src/usage/alert-evaluation.js';
import { eventually } from '../../../support/eventually.js';
import { tempDir } from '../../../support/temp-dir.js';
import { startReceiver, type Answer, type Received } from './receiver.js';

/**
 * The delivery worker against real HTTP receivers on 127.0.0.1, with an injected clock and timers:
 * time passes only when a test moves it, and a pass runs when a test asks (`runDue`).
 */

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

const event = (fields: Partial<AlertEvent> = {}): AlertEvent => ({
  key: '["quota-80","quota:calls",80,0,1000]',
  ruleId: 'quota-80',
  provider: 'ARRAYS',
  series: 'quota:calls',
  threshold: 80,
  period: 0,
  limit: 1000,
  kind: 'FIRED',
  at: Date.now(),
  value: 810,
  ...fields,
});

/** Timers that fire only when a test fires them. */
class ManualTimers implements WebhookTimers {
  readonly armed = new Set<{ ms: number; run: () => void }>();
  set(ms: number, run: () => void) {
    const timer = { ms, run };
    this.armed.add(timer);
    return () => this.armed.delete(timer);
  }
  fire(ms: number): void {
    for (const timer of [...this.armed]) {
      if (timer.ms !== ms) continue;
      this.armed.delete(timer);
      timer.run();
    }
  }
}

/** The reference verifier's verdict at `at` (it reads the wall clock, pinned here). */
function verifyAt(secret: string, request: Received, at: number, body = request.body): 'ok' | string {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(at);
  try {
    new Webhook(secret).verify(body, request.headers as Record<string, string>);
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  } finally {
    vi.useRealTimers();
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: { answers?: (Answer | ((r: Received) => Answer))[]; secrets?: number; rules?: string[]; urlSuffix?: string } = {}) {
  const receiver = await startReceiver(options.answers);
  cleanups.push(() => receiver.close());
  const secrets = Array.from({ length: options.secrets ?? 1 }, newSecret);
  const env = Object.fromEntries(secrets.map((secret, i) => [`HOOK_SECRET_${i}`, secret]));
  const section = [{ id: 'ops', url: receiver.url + (options.urlSuffix ?? ''), secretVariables: Object.keys(env), ...(options.rules ? { rules: options.rules } : {}) }];
  const { endpoints, problems } = validateWebhookEndpoints(section, env);
  expect(problems).toEqual([]);
  const { dir, cleanup } = await tempDir('webhooks-test-');
  cleanups.push(cleanup);
  const outbox = await FileWebhookOutbox.open({ dataDir: dir });
  cleanups.push(() => outbox.close());
  const clock = { time: Date.now(), now: () => clock.time, random: () => 0.5 };
  const timers = new ManualTimers();
  const attempts: [string, WebhookAttemptOutcome][] = [];
  const givenUp: string[] = [];
  const logs: string[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => logs.push(JSON.stringify({ level, message, ...fields }));
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const delivery = createWebhookDelivery({
    outbox,
    endpoints,
    clock,
    timers,
    logger,
    observer: { attempted: (endpoint, outcome) => attempts.push([endpoint, outcome]), givenUp: (endpoint) => givenUp.push(endpoint) },
  });
  cleanups.push(() => delivery.close());
  return { receiver, secrets, delivery, clock, timers, attempts, givenUp, logs, outbox, env };
}

describe('webhook delivery', () => {
  it('delivers one event as one signed request that the reference verifier accepts, once however often it is enqueued', async () => {
    const { receiver, secrets, delivery, clock, attempts } = await setup();
    await delivery.enqueue([event()]);
    expect(delivery.webhookEndpoints()[0]).toMatchObject({ pending: 1 });
    expect(delivery.outboxLagSeconds()).toBe(0);
    clock.time += 3_000;
    expect(delivery.outboxLagSeconds()).toBe(3);
    expect(await delivery.runDue()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request!.headers['webhook-id']).toBe(webhookId('ops', event().key, 'FIRED'));
    expect(request!.headers['content-type']).toBe('application/json');
    expect(verifyAt(secrets[0]!, request!, clock.time)).toBe('ok');
    expect(JSON.parse(request!.body)).toMatchObject({ type: 'alert.fired', data: { ruleId: 'quota-80', value: 810, limit: 1000 } });
    // A changed byte, a stale timestamp: refused by the same verifier.
    expect(verifyAt(secrets[0]!, request!, clock.time, request!.body.replace('810', '811'))).not.toBe('ok');
    expect(verifyAt(secrets[0]!, request!, clock.time + 10 * 60_000)).toMatch(/too old/i);
    expect(delivery.webhookEndpoints()).toEqual([{ id: 'ops', url: receiver.url, disabled: false, lastSuccessAt: clock.time, lastError: null, pending: 0 }]);
    expect(delivery.outboxLagSeconds()).toBe(0);
    expect(attempts).toEqual([['ops', 'delivered']]);
    // Replayed after a crash, or by a second evaluator: nothing more is sent.
    await delivery.enqueue([event()]);
    expect(await delivery.runDue()).toBe(0);
    expect(receiver.received).toHaveLength(1);
  });

  it('retries 500, 500, 200 on the schedule: three attempts, one webhook-id, three valid signatures each of its own time', async () => {
    const { receiver, secrets, delivery, clock, attempts } = await setup({ answers: [{ status: 500 }, { status: 500 }, { status: 200 }] });
    await delivery.enqueue([event()]);
    const times: number[] = [];
    times.push(clock.time);
    expect(await delivery.runDue()).toBe(1);
    // Full jitter at 0.5 of the first ceiling (5 s): due 2.5 s later, not before.
    clock.time += 2_499;
    expect(await delivery.runDue()).toBe(0);
    clock.time += 1;
    times.push(clock.time);
    expect(await delivery.runDue()).toBe(1);
    clock.time += 15_000;
    times.push(clock.time);
    expect(await delivery.runDue()).toBe(1);
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(receiver.received.map((r) => r.headers['webhook-timestamp'])).toEqual(times.map((t) => String(Math.floor(t / 1000))));
    receiver.received.forEach((request, i) => expect(verifyAt(secrets[0]!, request, times[i]!)).toBe('ok'));
    expect(attempts).toEqual([['ops', 'http_error'], ['ops', 'http_error'], ['ops', 'delivered']]);
    expect(delivery.webhookEndpoints()[0]).toMatchObject({ lastSuccessAt: clock.time, lastError: { code: 'WEBHOOK_HTTP_ERROR', message: 'the receiver answered 500' } });
  });

  it('honours Retry-After beyond the jittered wait', async () => {
    const { receiver, delivery, clock } = await setup({ answers: [{ status: 503, headers: { 'retry-after': '120' } }] });
    await delivery.enqueue([event()]);
    await delivery.runDue();
    clock.time += 119_999;
    expect(await delivery.runDue()).toBe(0);
    clock.time += 1;
    expect(await delivery.runDue()).toBe(1);
    expect(receiver.received).toHaveLength(2);
  });

  it('disables the endpoint on 410, keeps its messages unsent, and enables it again under a new URL', async () => {
    const { receiver, delivery, clock, attempts, env } = await setup({ answers: [{ status: 410 }] });
    await delivery.enqueue([event()]);
    await delivery.runDue();
    await delivery.enqueue([event({ kind: 'RESOLVED', reason: 'USAGE_FELL' })]);
    clock.time += 86_400_000;
    expect(await delivery.runDue()).toBe(0);
    expect(receiver.received).toHaveLength(1);
    expect(attempts).toEqual([['ops', 'gone']]);
    expect(delivery.webhookEndpoints()[0]).toMatchObject({ disabled: true, pending: 2, lastError: { code: 'WEBHOOK_ENDPOINT_GONE' } });
    // The same URL again changes nothing; a new one enables the endpoint and sends what waited.
    const same = validateWebhookEndpoints([{ id: 'ops', url: receiver.url, secretVariables: Object.keys(env) }], env).endpoints;
    await delivery.setEndpoints(same);
    expect(await delivery.runDue()).toBe(0);
    const moved = await startReceiver();
    cleanups.push(() => moved.close());
    await delivery.setEndpoints(validateWebhookEndpoints([{ id: 'ops', url: moved.url.replace('/hook', '/v2/hook'), secretVariables: Object.keys(env) }], env).endpoints);
    expect(await delivery.runDue()).toBe(2);
    expect(moved.received.map((r) => JSON.parse(r.body).type)).toEqual(['alert.fired', 'alert.resolved']);
    expect(delivery.webhookEndpoints()[0]).toMatchObject({ disabled: false, pending: 0 });
  });

  it('follows no redirect: a 3xx is a failure, retried', async () => {
    const target = await startReceiver();
    cleanups.push(() => target.close());
    const { receiver, delivery, attempts } = await setup({ answers: [{ status: 307, headers: { location: target.url } }] });
    await delivery.enqueue([event()]);
    await delivery.runDue();
    expect(receiver.received).toHaveLength(1);
    expect(target.received).toHaveLength(0);
    expect(attempts).toEqual([['ops', 'http_error']]);
    expect(delivery.webhookEndpoints()[0]).toMatchObject({ pending: 1, lastError: { code: 'WEBHOOK_REDIRECT_REFUSED' } });
  });

  it('signs with both secrets while one rotates: two signatures, each verifying alone', async () => {
    const { receiver, secrets, delivery, clock } = await setup({ secrets: 2 });
    await delivery.enqueue([event()]);
    await delivery.runDue();
    const [request] = receiver.received;
    expect(String(request!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyAt(secrets[0]!, request!, clock.time)).toBe('ok');
    expect(verifyAt(secrets[1]!, request!, clock.time)).toBe('ok');
    expect(verifyAt(newSecret(), request!, clock.time)).not.toBe('ok');
  });

  it('ends an attempt at its deadline as a failure', async () => {
    const { receiver, delivery, timers } = await setup({ answers: [{ hold: true }] });
    await delivery.enqueue([event()]);
    const pass = delivery.runDue();
    await eventually(() => receiver.received.length === 1, { what: 'the held request' });
    timers.fire(15_000);
    expect(await pass).toBe(1);
    expect(delivery.webhookEndpoints()[0]).toMatchObject({ pending: 1, lastError: { code: 'WEBHOOK_TIMEOUT' } });
  });

  it('leaks no secret, signature or URL token when the receiver echoes them back', async () => {
    const echo = (request: Received): Answer => ({
      status: 400,
      headers: { 'x-echo': String(request.headers['webhook-signature']) },
      body: JSON.stringify({ error: 'bad signature', got: request.headers, url: request.headers.host }),
    });
    const { receiver, secrets, delivery, clock, logs } = await setup({ answers: [echo, echo, echo], urlSuffix: '?token=receiver-token-123456' });
    await delivery.enqueue([event()]);
    await delivery.runDue();
    clock.time += 2_500;
    await delivery.runDue();
    const signatures = receiver.received.map((r) => String(r.headers['webhook-signature']).slice(3));
    const everything = JSON.stringify([logs, delivery.webhookEndpoints()]);
    expect(everything).toContain('the receiver answered 400');
    for (const secret of [...secrets, ...secrets.map((s) => s.slice(6)), ...signatures, 'receiver-token-123456']) expect(everything).not.toContain(secret);
    expect(delivery.webhookEndpoints()[0]!.url).toBe(receiver.url);
  });

  it('sends only the events of the rules an endpoint names, and a test event on request', async () => {
    const { receiver, delivery } = await setup({ rules: ['other-rule'] });
    await delivery.enqueue([event()]);
    expect(delivery.webhookEndpoints()[0]).toMatchObject({ pending: 0 });
    await expect(delivery.sendTestEvent('nobody')).rejects.toMatchObject({ code: 'WEBHOOK_ENDPOINT_UNKNOWN', name: 'WebhookEndpointUnknownError' });
    const { webhookId: id } = await delivery.sendTestEvent('ops');
    expect(await delivery.runDue()).toBe(1);
    expect(receiver.received.map((r) => [r.headers['webhook-id'], JSON.parse(r.body).type])).toEqual([[id, 'alert.test']]);
  });

  it('gives a message up after its last attempt', async () => {
    const { receiver, delivery, clock, givenUp } = await setup({ answers: Array.from({ length: 11 }, () => ({ status: 500 })) });
    await delivery.enqueue([event()]);
    for (let i = 0; i < 11; i++) {
      expect(await delivery.runDue()).toBe(1);
      clock.time += 8 * 3_600_000;
    }
    expect(await delivery.runDue()).toBe(0);
    expect(receiver.received).toHaveLength(11);
    expect(givenUp).toEqual(['ops']);
    expect(delivery.webhookEndpoints()[0]).toMatchObject({ pending: 0 });
  });
});
