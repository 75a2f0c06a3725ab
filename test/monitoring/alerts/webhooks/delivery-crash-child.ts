/**
 * The kill -9 test's child: owns the embedded outbox in DATA_DIR, enqueues EVENTS alert events
 * for one endpoint at RECEIVER_URL (the same events on every run, as an evaluator replaying after
 * a crash would), and delivers them with the real clock and timers. Prints `pending <n>` after each
 * change of the outbox's count. Runs until killed.
 */
import { createWebhookDelivery } from '../../../../src/monitoring/alerts/webhooks/delivery.js';
import { validateWebhookEndpoints } from '../../../../src/monitoring/alerts/webhooks/endpoints.js';
import { FileWebhookOutbox } from '../../../../src/monitoring/alerts/webhooks/file-outbox.js';
import type { AlertEvent } from '../../../../src/usage/alert-evaluation.js';

const env = process.env;
const { endpoints, problems } = validateWebhookEndpoints([{ id: 'ops', url: env.RECEIVER_URL, secretVariables: ['HOOK_SECRET'] }], env);
if (problems.length > 0) throw new Error(problems.join('; '));
// proper-lockfile's shortest stale time: a restart after a SIGKILL waits for the lock at most this long.
const outbox = await FileWebhookOutbox.open({ dataDir: env.DATA_DIR!, lock: { staleMs: 2000, updateMs: 1000 } });
const delivery = createWebhookDelivery({ outbox, endpoints, pollMs: 100 });
const events: AlertEvent[] = Array.from({ length: Number(env.EVENTS) }, (_, i) => ({
  key: JSON.stringify(['quota-80', `quota:q${i}`, 80, 0, 1000]),
  ruleId: 'quota-80',
  provider: 'ARRAYS',
  series: `quota:q${i}`,
  threshold: 80,
  period: 0,
  limit: 1000,
  kind: 'FIRED',
  at: Date.UTC(2026, 4, 1),
  value: 800 + i,
}));
await delivery.enqueue(events);
await delivery.start();
let last = -1;
setInterval(() => {
  const pending = delivery.webhookEndpoints()[0]!.pending;
  if (pending !== last) process.stdout.write(`pending ${(last = pending)}\n`);
}, 20);
