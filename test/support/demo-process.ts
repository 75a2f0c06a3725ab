import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { graphqlRequest, type GraphQLAnswer } from './graphql-request.js';
import { bundled } from './bundle.js';
import { untilLogLine } from './processes.js';
import { fileURLToPath } from 'node:url';
import { SIMULATOR_ADMIN_HEADER } from '../../src/simulators/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A gateway process in demo mode, as `npm start` runs it, with what its start-up lines say. */
export interface DemoProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>/graphql`. */
  url: string;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Each simulator's origin by provider id (`ARRAYS`, `SHARPE`, …). */
  simulators: Record<string, string>;
  adminToken: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts `src/main.ts` in its own process (signals are the point) and waits for its listening line.
 * The bundle lives in a temporary folder with no `dist/dashboard` beside it, so the child serves a
 * dashboard only when `env` names one: `DASHBOARD_DIR: await builtDashboard()` (test/support/browser.ts).
 */
export async function startDemoProcess(env: Record<string, string> = {}): Promise<DemoProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-ops-'));
  // Plain node on the bundled gateway, as `npm start` runs dist/main.js.
  const child = spawn(process.execPath, [await bundled('src/main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  const started = await untilLogLine(child);
  const lines = { listening: started.line, demo: started.lines().find((line) => String(line.message).startsWith('demo mode'))! };
  const url = String(lines.listening.url);
  return {
    child,
    url,
    origin: new URL(url).origin,
    simulators: Object.fromEntries((lines.demo.simulators as string[]).map((entry) => entry.split('=') as [string, string])),
    adminToken: String(lines.demo.simulatorAdminToken),
    stderr: started.stderr,
    exited,
  };
}

/** Calls a simulator's admin route of `gateway`'s process. */
export async function simAdmin(gateway: DemoProcess, provider: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${gateway.simulators[provider]}${path}`, {
    method,
    headers: { [SIMULATOR_ADMIN_HEADER]: gateway.adminToken, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

/** Sends `query` to the gateway process over real HTTP. */
export function postQuery(gateway: DemoProcess, query: string): Promise<GraphQLAnswer<any>> {
  return graphqlRequest(globalThis, { url: gateway.url, query });
}

