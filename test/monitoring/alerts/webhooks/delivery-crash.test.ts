import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../support/eventually.js';
import { tempDir } from '../../../support/temp-dir.js';
import { startReceiver } from './receiver.js';

/**
 * kill -9 during delivery: a child delivers from the embedded outbox and is SIGKILLed while the
 * receiver holds one of its requests. Restarted (enqueueing the same events again, as an evaluator
 * replaying would), it delivers everything, and the receiver sees one webhook-id per event key.
 */

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./delivery-crash-child.ts', import.meta.url));
const EVENTS = 6;

const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function runChild(env: Record<string, string>) {
  // tsx as a loader, not its CLI: the CLI runs the script in a grandchild a SIGKILL would miss.
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('kill -9 during webhook delivery', () => {
  it('delivers after a restart, with one webhook-id per event key', async () => {
    const { dir, cleanup } = await tempDir('webhooks-crash-');
    cleanups.push(cleanup);
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const receiver = await startReceiver([{ hold: true }]);
    cleanups.push(() => receiver.close());
    const env = { DATA_DIR: dir, RECEIVER_URL: receiver.url, HOOK_SECRET: secret, EVENTS: String(EVENTS) };

    const first = runChild(env);
    await eventually(() => receiver.received.length >= 1, { withinMs: 30_000, what: `a first request (child stderr: ${first.stderr()})` });
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const heldId = receiver.received[0]!.headers['webhook-id'];

    const second = runChild(env);
    await eventually(() => second.stdout().includes('pending 0\n'), { withinMs: 30_000, what: `an empty outbox (child stderr: ${second.stderr()})` });
    second.child.kill('SIGKILL');
    await second.exited;

    const idsByKey = new Map<string, Set<string>>();
    for (const request of receiver.received) {
      const payload = new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as { data: { key: string } };
      const ids = idsByKey.get(payload.data.key) ?? new Set<string>();
      ids.add(String(request.headers['webhook-id']));
      idsByKey.set(payload.data.key, ids);
    }
    expect(idsByKey.size).toBe(EVENTS);
    for (const ids of idsByKey.values()) expect(ids.size).toBe(1);
    // The request the kill interrupted was sent again after the restart.
    expect(receiver.received.filter((request) => request.headers['webhook-id'] === heldId).length).toBeGreaterThanOrEqual(2);
  }, 90_000);
});
