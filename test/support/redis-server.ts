import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

/** Debian's `redis-server` package; the scale-out tests are skipped, saying so, where it is missing. */
export const REDIS_SERVER = '/usr/bin/redis-server';
export const HAS_REDIS_SERVER = existsSync(REDIS_SERVER);
/** The name of a describe that needs a real Redis, saying why it was skipped when it was. */
export const REDIS_SUITE = HAS_REDIS_SERVER ? 'with a real redis-server' : 'skipped: redis-server not installed (apt-get install redis-server)';

/** A redis-server of the tests' own: loopback only, no persistence, its own temporary directory. */
export interface TestRedis {
  port: number;
  url: string;
  /** Stops the server (SIGTERM; SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty, and waits until it answers PING. */
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: a hung Redis, whose socket stays open and answers nothing. */
  pause(): void;
  resume(): void;
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
}

/** Starts redis-server on a free loopback port and waits until it answers PING. */
export async function startTestRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gateway-redis-'));
  let child: ChildProcess | null = null;
  const exitOnEnd = () => child?.kill('SIGKILL');
  process.once('exit', exitOnEnd);

  const start = async () => {
    const spawned = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = spawned;
    let output = '';
    spawned.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    spawned.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const until = Date.now() + 10_000;
    for (;;) {
      if (spawned.exitCode !== null) throw new Error(`redis-server exited with ${spawned.exitCode}:\n${output}`);
      if (await answersPing(port)) return;
      if (Date.now() > until) throw new Error(`redis-server did not answer PING within 10 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (running === null || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGCONT');
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    close: async () => {
      await stop();
      process.off('exit', exitOnEnd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function answersPing(port: number): Promise<boolean> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
