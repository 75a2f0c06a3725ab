import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from './free-port.js';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * A real PostgreSQL server for tests: a fresh cluster in a temporary directory under /tmp (trust
 * authentication, listening on 127.0.0.1 only, its socket in the same directory), started on a
 * free port, stopped, started and restarted on the same port and data, and always removed.
 * As root the server runs as the `postgres` system user (PostgreSQL refuses to run as root).
 */

const run = promisify(execFile);

/** Where Debian's postgresql package puts its binaries (the newest version installed); `PG_BIN` overrides it. */
export const PG_BIN = process.env.PG_BIN ?? newestDebianPostgres();

function newestDebianPostgres(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : [];
  return join(root, versions[0] ?? '15', 'bin');
}

/** Whether the server binaries exist; tests `describe.skipIf(!postgresInstalled)` with a name saying so. */
export const postgresInstalled = ['initdb', 'pg_ctl', 'postgres'].every((binary) => existsSync(join(PG_BIN, binary)));

const isRoot = process.getuid?.() === 0;

function command(binary: string, args: string[]): [string, string[]] {
  const path = join(PG_BIN, binary);
  return isRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` of the database made at start. */
  readonly url: string;
  readonly port: number;
  /** A URL of another, new, empty database on the same server. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (`fast`: sessions are ended, as an operator's restart does; `immediate`: as a crash). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

const running = new Set<string>();
// A test run that dies leaves no server behind.
process.once('exit', () => {
  for (const data of running) spawnSync(...command('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']));
});

export async function startPostgres(database = 'ledger'): Promise<PostgresServer> {
  const dir = mkdtempSync('/tmp/pg-test-');
  const data = join(dir, 'data');
  const socket = join(dir, 'socket');
  mkdirSync(socket);
  if (isRoot) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
    chownSync(socket, uid, gid);
  }
  // A port found free may be taken by another test file's server before PostgreSQL binds it: the
  // first start then tries again on another one (below).
  let port = await freePort();
  const pgCtl = (...args: string[]) => run(...command('pg_ctl', ['-D', data, ...args]), { timeout: 60_000 });
  const start = async () => {
    await pgCtl('-l', join(dir, 'server.log'), '-w', '-t', '30', '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${socket} -c fsync=off -c max_connections=60`, 'start');
    running.add(data);
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    await pgCtl('-m', mode, '-w', 'stop');
    running.delete(data);
  };
  const serverLog = () => {
    try {
      return readFileSync(join(dir, 'server.log'), 'utf8');
    } catch {
      return '';
    }
  };
  try {
    await run(...command('initdb', ['-D', data, '--auth=trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']), { timeout: 60_000 });
    for (let attempt = 1; ; attempt++) {
      try {
        await start();
        break;
      } catch (error) {
        const log = serverLog();
        if (attempt < 3 && /could not bind|could not create any TCP\/IP sockets|address already in use/i.test(log)) {
          port = await freePort();
          continue;
        }
        throw new Error(`${(error as Error).message}\nserver.log:\n${log.slice(-2000)}`);
      }
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const urlOf = (name: string) => `postgres://postgres@127.0.0.1:${port}/${name}`;
  const createDatabase = async (name: string) => {
    const admin = new pg.Client({ connectionString: urlOf('postgres') });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    return urlOf(name);
  };
  const url = await createDatabase(database);
  return {
    url,
    port,
    createDatabase,
    stop,
    start,
    async restart(mode = 'fast') {
      await stop(mode);
      await start();
    },
    async close() {
      if (running.has(data)) await stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresUser(): { uid: number; gid: number } {
  const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('no postgres system user to run the server as');
  return { uid, gid };
}

/** A suite's name, saying why it is skipped where the binaries are missing (CI fails on skips: intended). */
export function postgresSuite(name: string): string {
  return postgresInstalled ? name : `${name} — skipped: PostgreSQL not installed (no initdb/pg_ctl/postgres in ${PG_BIN}; set PG_BIN)`;
}
