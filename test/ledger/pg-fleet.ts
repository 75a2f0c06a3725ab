import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { untilLogLine } from '../support/processes.js';

/**
 * A small fleet of gateway processes (`node --import tsx src/main.ts`, as `npm start` runs it) that
 * share one ledger database. Each instance has a DATA_DIR of its own (demo keys and such), which
 * the PostgreSQL ledger does not use.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface FleetInstance {
  readonly name: string;
  readonly child: ChildProcess;
  readonly url: string;
  stderr(): string;
  /** Runs a GraphQL query; throws on an HTTP failure or a GraphQL error. */
  query<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

let started = 0;

export async function startInstance(env: Record<string, string>): Promise<FleetInstance> {
  const name = `gw${++started}`;
  const dataDir = mkdtempSync(join(tmpdir(), `pg-fleet-${name}-`));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const { line, stderr } = await untilLogLine(child, undefined, 60_000);
  const url = String(line.url);
  return {
    name,
    child,
    url,
    stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
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
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}
