import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundled } from './bundle.js';
import { untilLogLine, type LogLine } from './processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One gateway process of a fleet. */
export interface FleetMember {
  /** `gw1`, `gw2`, … in start order, for failure messages. */
  name: string;
  child: ChildProcess;
  /** `http://127.0.0.1:<port>/graphql`. */
  url: string;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  lines(): LogLine[];
  stderr(): string;
  exited: Promise<number | null>;
  alive(): boolean;
  /** Runs a GraphQL query; throws on an HTTP failure or a GraphQL error. */
  query<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** N gateway processes started with the same environment, each on its own port and data directory. */
export interface Fleet {
  members: FleetMember[];
  /** SIGTERM to each, waiting for every exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** SIGKILL to each still running. */
  kill(): Promise<void>;
}

let startedGateways = 0;

/**
 * Starts one gateway (plain node on the bundled `src/main.ts`, as `npm start` runs it) on a port of its own
 * with a data directory of its own (removed when it exits), and waits for its listening line.
 */
export async function startGateway(env: Record<string, string>): Promise<FleetMember> {
  const name = `gw${++startedGateways}`;
  const dataDir = mkdtempSync(join(tmpdir(), `gateway-fleet-${name}-`));
  const child = spawn(process.execPath, [await bundled('src/main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      rmSync(dataDir, { recursive: true, force: true });
      resolve(code);
    }),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  try {
    const wait = await untilLogLine(child, undefined, 60_000);
    const url = String(wait.line.url);
    return {
      name,
      child,
      url,
      origin: new URL(url).origin,
      lines: wait.lines,
      stderr: wait.stderr,
      exited,
      alive,
      async query(query, variables) {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await response.json()) as { data?: any; errors?: unknown[] };
        if (body.errors !== undefined) throw new Error(`${name}: ${JSON.stringify(body.errors)}`);
        return body.data;
      },
      async kill(signal = 'SIGTERM') {
        if (!alive()) return;
        child.kill(signal);
        await exited;
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** Starts `count` gateways with {@link startGateway} and waits for all of them. */
export async function startFleet(count: number, env: Record<string, string>): Promise<Fleet> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startGateway(env)));
  const members = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const signal = async (name: NodeJS.Signals) => {
    await Promise.all(
      members.map(async (member) => {
        if (!member.alive()) return;
        const timer = setTimeout(() => member.child.kill('SIGKILL'), 10_000);
        await member.kill(name);
        clearTimeout(timer);
      }),
    );
  };
  const failure = started.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) {
    await signal('SIGKILL');
    throw failure.reason;
  }
  return { members, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}

/** A vendor request as a recording proxy saw it arrive. */
export interface RecordedHit {
  at: number;
  path: string;
}

/** A pass-through HTTP proxy in front of a simulator that records when each vendor request arrived. */
export interface RecordingProxy {
  /** The simulator's base URL with the proxy's origin. */
  baseUrl: string;
  hits: RecordedHit[];
  close(): Promise<void>;
}

export async function startRecordingProxy(targetBaseUrl: string): Promise<RecordingProxy> {
  const target = new URL(targetBaseUrl);
  const hits: RecordedHit[] = [];
  const server: Server = createServer((req, res) => {
    hits.push({ at: Date.now(), path: (req.url ?? '/').split('?')[0]! });
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, '')}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The most hits in any window of `windowMs` (each window starting at a hit). */
export function mostInWindow(hits: readonly RecordedHit[], windowMs: number): number {
  const times = hits.map((hit) => hit.at).sort((a, b) => a - b);
  let most = 0;
  for (let start = 0, end = 0; start < times.length; start += 1) {
    while (end < times.length && times[end]! < times[start]! + windowMs) end += 1;
    most = Math.max(most, end - start);
  }
  return most;
}
