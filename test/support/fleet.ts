import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { untilLogLine, type LogLine } from './processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One gateway process of a fleet. */
export interface FleetMember {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>/graphql`. */
  url: string;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  lines(): LogLine[];
  stderr(): string;
  exited: Promise<number | null>;
}

/** N gateway processes started with the same environment, each on its own port and data directory. */
export interface Fleet {
  members: FleetMember[];
  /** SIGTERM to each, waiting for every exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** SIGKILL to each still running. */
  kill(): Promise<void>;
}

/** Starts `count` gateways (`node --import tsx src/main.ts`, as `npm start` runs it) and waits for each one's listening line. */
export async function startFleet(count: number, env: Record<string, string>): Promise<Fleet> {
  const dirs: string[] = [];
  const started = await Promise.allSettled(
    Array.from({ length: count }, async (): Promise<FleetMember> => {
      const dataDir = mkdtempSync(join(tmpdir(), 'gateway-fleet-'));
      dirs.push(dataDir);
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', DATA_DIR: dataDir, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const wait = await untilLogLine(child, undefined, 60_000);
        const url = String(wait.line.url);
        return { child, url, origin: new URL(url).origin, lines: wait.lines, stderr: wait.stderr, exited };
      } catch (error) {
        child.kill('SIGKILL');
        throw error;
      }
    }),
  );
  const members = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const cleanup = () => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  const signal = async (name: NodeJS.Signals) => {
    await Promise.all(
      members.map(async (member) => {
        if (member.child.exitCode !== null || member.child.signalCode !== null) return;
        member.child.kill(name);
        const timer = setTimeout(() => member.child.kill('SIGKILL'), 10_000);
        await member.exited;
        clearTimeout(timer);
      }),
    );
    cleanup();
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
