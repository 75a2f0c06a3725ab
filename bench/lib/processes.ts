import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** A server the harness started in its own process. */
export interface Service {
  name: string;
  url: string;
  /** The whole announcement line, for services that announce more than a URL. */
  announcement: Record<string, unknown>;
  pid: number;
  /** Everything the service wrote to stderr beyond its announcement, for failure reports. */
  stderr: string[];
  /**
   * Calls `listener` with every stderr line written from now on (`stderr` keeps only the first
   * 200); returns the function that stops it.
   */
  watchStderr(listener: (line: string) => void): () => void;
  /** Resident set size now, in MiB (Linux /proc; null elsewhere). */
  rssMiB(): number | null;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills every child still running; called from finally blocks and signal handlers. */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}
process.once('exit', killAll);

/** Options of {@link startService}. */
export interface ServiceOptions {
  /**
   * How long to wait for the announcement, ms. Default 90000: the bench starts ten processes at
   * once, and on a loaded 2-core machine the slowest took over 30 s to listen.
   */
  timeoutMs?: number;
  /** Node flags before the script. Default none. */
  nodeArgs?: string[];
  /** Run a compiled JavaScript file with plain node, without the tsx loader. Default false. */
  plain?: boolean;
  /** The node executable, to run a service on another runtime. Default the harness's own (`process.execPath`). */
  node?: string;
}

/**
 * Spawns `node --import tsx <script>` with `env` and waits for its "gateway listening" line on
 * stderr. Every service runs through the same loader, so their RSS figures are comparable; a
 * `plain` one measures what that loader costs.
 */
export function startService(name: string, script: string, env: Record<string, string>, options: ServiceOptions = {}): Promise<Service> {
  const child = spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? []), ...(options.plain ? [] : ['--import', 'tsx']), script], {
    env: { ...process.env, ...env, NODE_ENV: 'production' },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  running.add(child);
  const stderr: string[] = [];
  const watchers = new Set<(line: string) => void>();
  return new Promise<Service>((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 90_000;
    const timer = setTimeout(() => fail(new Error(`${name} did not announce itself within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      running.delete(child);
      reject(new Error(`${error.message}\n${stderr.slice(-20).join('\n')}`));
    };
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`${name} exited with ${code} before listening`)));
    let announced = false;
    createInterface({ input: child.stderr! }).on('line', (line) => {
      for (const watcher of watchers) watcher(line);
      // Once announced, a line is only kept: a gateway under load writes an access line per
      // request, and parsing each here would take the load generator's CPU.
      const announcement = announced ? null : parseAnnouncement(line);
      if (announcement === null) {
        if (stderr.length < 200) stderr.push(line);
        return;
      }
      announced = true;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        name,
        url: announcement.url as string,
        announcement,
        pid: child.pid!,
        stderr,
        watchStderr: (listener) => {
          watchers.add(listener);
          return () => watchers.delete(listener);
        },
        rssMiB: () => rssMiB(child.pid!),
        stop: () => stopChild(child),
      });
    });
  });
}

function parseAnnouncement(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    return entry.message === 'gateway listening' && typeof entry.url === 'string' ? entry : null;
  } catch {
    return null;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(force);
      running.delete(child);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function rssMiB(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) of process `pid` so far, ms, from Linux /proc; null elsewhere. */
export function cpuMsOf(pid: number): number | null {
  try {
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15, in clock ticks (100 a second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}
