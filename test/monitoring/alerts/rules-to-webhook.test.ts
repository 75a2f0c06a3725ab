import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertEvaluator } from '../../../src/monitoring/alerts/evaluator.js';
import { FileAlertStore } from '../../../src/monitoring/alerts/file-alert-store.js';
import { readRulesFile } from '../../../src/monitoring/alerts/rules-file.js';
import { createWebhookDelivery } from '../../../src/monitoring/alerts/webhooks/delivery.js';
import { FileWebhookOutbox } from '../../../src/monitoring/alerts/webhooks/file-outbox.js';
import { FileHistoryStore } from '../../../src/monitoring/file-history-store.js';
import { tempDataDir } from '../support.js';
import { startReceiver } from './webhooks/receiver.js';

/**
 * The whole path of an alert without a gateway around it: a rules file naming a webhook, the
 * sampled history, the evaluator, the event store, the outbox and a real receiver on 127.0.0.1
 * that checks every delivery with the `standardwebhooks` reference verifier.
 */

const MINUTE = 60_000;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function pipeline(rulesYaml: (receiverUrl: string) => string, secret: string) {
  const { dir, cleanup } = await tempDataDir();
  cleanups.push(cleanup);
  const receiver = await startReceiver();
  cleanups.push(() => receiver.close());
  const rulesPath = join(dir, 'alerts.yaml');
  await writeFile(rulesPath, rulesYaml(receiver.url));
  const source = await readRulesFile(rulesPath, (name) => (name === 'OPS_HOOK_SECRET' ? secret : undefined));
  let now = Date.now() - 60 * MINUTE;
  const history = await FileHistoryStore.open({ dataDir: dir, now: () => now });
  cleanups.push(() => history.close());
  expect(await history.tryLead()).toBe(true);
  const alerts = await FileAlertStore.open({ dataDir: dir, now: () => now });
  cleanups.push(() => alerts.close());
  const outbox = await FileWebhookOutbox.open({ dataDir: dir });
  const delivery = createWebhookDelivery({ outbox, endpoints: source.webhooks });
  cleanups.push(async () => {
    await delivery.close();
    await outbox.close();
  });
  const evaluator = createAlertEvaluator({ store: alerts, history, rules: () => source.rules, sink: delivery, now: () => now });
  return {
    receiver,
    delivery,
    /** One reading a minute after the last, evaluated and delivered as the gateway does after a sampler tick. */
    async reading(used: number, limit = 1000) {
      now += MINUTE;
      await history.append([{ provider: 'SHARPE', series: 'quota:monthly_requests', at: now, used, limit, resetsAt: now + 30 * 24 * 60 * MINUTE }]);
      await evaluator.evaluate();
      await delivery.runDue();
    },
  };
}

const rulesFile = (url: string) => `# alerts for the ops channel
rules:
  - { id: utilization-80, kind: UTILIZATION, percent: 80 }
  - { id: utilization-100, kind: UTILIZATION, percent: 100 }
webhooks:
  - id: ops
    url: ${url}
    secretVariables: [OPS_HOOK_SECRET]
`;

describe('a rules file with a webhook, end to end', () => {
  it('79 → 81 % sends exactly one signed webhook the reference verifier accepts; 85 to 95 % send none', async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const p = await pipeline(rulesFile, secret);
    await p.reading(790);
    expect(p.receiver.received).toHaveLength(0);
    await p.reading(810);
    for (const used of [850, 900, 950]) await p.reading(used);
    expect(p.receiver.received).toHaveLength(1);
    const [request] = p.receiver.received;
    const payload = new Webhook(secret).verify(request!.body, request!.headers as Record<string, string>) as { type: string; data: Record<string, unknown> };
    expect(payload.type).toBe('alert.fired');
    expect(payload.data).toMatchObject({ ruleId: 'utilization-80', provider: 'SHARPE', series: 'quota:monthly_requests', threshold: 80, limit: 1000, value: 810 });
    // A changed byte is refused by the same verifier.
    expect(() => new Webhook(secret).verify(request!.body.replace('810', '811'), request!.headers as Record<string, string>)).toThrow();
    expect(p.delivery.webhookEndpoints()).toEqual([expect.objectContaining({ id: 'ops', disabled: false, pending: 0, lastError: null })]);
  });

  it('50 → 105 % sends two webhooks, 80 % before 100 %', async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const p = await pipeline(rulesFile, secret);
    await p.reading(500);
    await p.reading(1050);
    const verified = p.receiver.received.map(
      (request) => new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as { data: { ruleId: string } },
    );
    expect(verified.map((payload) => payload.data.ruleId)).toEqual(['utilization-80', 'utilization-100']);
  });
});
