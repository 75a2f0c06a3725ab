/**
 * Partner usage ledger benchmark (not a test): ingest 1,000,000 Arrays stream entries (100,000
 * distinct subs) from the simulator with durable commits, then time two ledger queries through
 * yoga.fetch. Run: `npx tsx bench/ledger.ts` (or `npm run bench:ledger`). Prints the figures and
 * writes them to bench/results/ledger.json.
 *
 * The simulator runs in a child process, as the vendor would be remote: the figures are the
 * gateway's own CPU and memory, not the simulator's.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGateway } from '../src/gateway.js';
import { startPartnerLedger } from '../src/ledger/service.js';
import { createLogger } from '../src/logger.js';
import { ArraysClient } from '../src/providers/arrays/client.js';
import { createProviderRegistry } from '../src/providers/registry.js';
import { startArraysSimulator } from '../src/simulators/arrays.js';
import { UpstreamHttp } from '../src/upstream/http.js';

const ENTRIES = 1_000_000;
const SUBS = 100_000;
const PAGE = 5000;
const BATCH = 1000;
const QUERY_RUNS = 5;
const COMMAND = 'npx tsx bench/ledger.ts';
const RESULTS = fileURLToPath(new URL('./results/ledger.json', import.meta.url));

/** The simulator in its own process; resolves with where it listens. */
async function startSimulatorProcess() {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--simulator'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const address = await new Promise<{ baseUrl: string; credential: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { ...address, stop: () => child.stdin!.end() };
}

/** Samples RSS every 20 ms; the OS's own high-water mark (maxRSS) is reported alongside. */
function rssSampler() {
  let peak = 0;
  const sample = () => (peak = Math.max(peak, process.memoryUsage.rss()));
  const timer = setInterval(sample, 20);
  sample();
  return {
    peakMb: () => round(Math.max(peak, process.memoryUsage.rss()) / 2 ** 20),
    stop: () => clearInterval(timer),
  };
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await run();
  return { ms: performance.now() - start, value };
}

async function main(): Promise<void> {
  const sim = await startSimulatorProcess();
  const dir = await mkdtemp(join(tmpdir(), 'ledger-bench-'));
  const http = new UpstreamHttp({ timeoutMs: 30_000 });
  const client = new ArraysClient({ baseUrl: sim.baseUrl, credential: sim.credential, http });
  let upstreamCalls = 0;
  const logger = createLogger({ level: 'warn' });
  const rss = rssSampler();
  const cpuBefore = process.cpuUsage();

  const ingest = await timed(async () => {
    const ledger = await startPartnerLedger({
      dir,
      startCursor: '0',
      pollIntervalMs: 3_600_000,
      source: (from, count) => {
        upstreamCalls += 1;
        return client.fetchPartnerPage(from, count);
      },
      logger,
      follower: { pageSize: PAGE },
    });
    for (;;) {
      const status = ledger.status();
      if (status.caughtUp) break;
      if (status.consecutiveFailures > 3) throw new Error(`ingestion failing: ${status.lastError?.message}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return ledger;
  });
  const ledger = ingest.value;
  const position = await ledger.store.position();
  if (position.entries !== ENTRIES) throw new Error(`ingested ${position.entries} entries, expected ${ENTRIES}`);
  const ingestPeakMb = rss.peakMb();
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;

  const registry = createProviderRegistry({ ARRAYS: { baseUrl: sim.baseUrl, credential: sim.credential, simulated: true } }, http);
  const yoga = createGateway({ registry, logger, ledger });
  const post = async (query: string) => {
    const response = await yoga.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    if (body.errors) throw new Error(`query failed: ${JSON.stringify(body.errors).slice(0, 500)}`);
    return body.data!;
  };

  const top = '{ partnerUsers(first: 100, orderBy: CALLS) { totalCount edges { cursor calls node { sub calls discoveries tweets } } } }';
  const subs = (await ledger.store.listUsers({ orderBy: 'SUB', first: BATCH, after: null, range: null })).users.map((u) => u.user.sub);
  const batch = `{ ${subs.map((sub, i) => `u${i}: partnerUser(sub: "${sub}") { sub calls discoveries tweets byEndpoint { endpoint calls } }`).join(' ')} }`;
  const topRuns: number[] = [];
  const batchRuns: number[] = [];
  let batchReads = 0;
  for (let run = 0; run < QUERY_RUNS; run++) {
    topRuns.push((await timed(() => post(top))).ms);
    const readsBefore = ledger.store.stats.reads;
    batchRuns.push((await timed(() => post(batch))).ms);
    batchReads = ledger.store.stats.reads - readsBefore;
  }
  const closing = await timed(() => ledger.close());
  rss.stop();
  const files = await readdir(dir);
  const bytes = Object.fromEntries(await Promise.all(files.map(async (file) => [file, (await stat(join(dir, file))).size])));
  const median = (values: number[]) => round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!);

  const results = {
    command: COMMAND,
    date: new Date().toISOString(),
    node: process.version,
    nodeFlags: [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(' ')].filter((flag) => flag.startsWith('--max-')),
    cpus: (await import('node:os')).cpus().length,
    stream: { entries: ENTRIES, distinctSubs: SUBS, pageSize: PAGE, usersCounted: position.users },
    ingest: {
      seconds: round(ingest.ms / 1000, 2),
      entriesPerSecond: Math.round(ENTRIES / (ingest.ms / 1000)),
      gatewayCpuSeconds: round(cpuSeconds, 2),
      entriesPerGatewayCpuSecond: Math.round(ENTRIES / cpuSeconds),
      commits: position.pages,
      upstreamCalls,
      durable: 'one fsync per commit (journal), snapshots written to a temp file, fsync, rename, directory fsync',
      peakRssMb: ingestPeakMb,
    },
    queries: {
      partnerUsersFirst100ByCallsMs: { first: round(topRuns[0]!), median: median(topRuns) },
      partnerUserBatch1000Ms: { first: round(batchRuns[0]!), median: median(batchRuns) },
      ledgerReadsPerBatch: batchReads,
    },
    closeWithFinalSnapshotMs: round(closing.ms),
    peakRssMb: rss.peakMb(),
    maxRssMbByOs: round(process.resourceUsage().maxRSS / 1024),
    filesAfterClose: bytes,
  };
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  await http.close();
  sim.stop();
  await rm(dir, { recursive: true, force: true });
}

if (process.argv.includes('--simulator')) {
  const sim = await startArraysSimulator({ entries: ENTRIES, subs: SUBS });
  process.stdout.write(`${JSON.stringify({ baseUrl: sim.baseUrl, credential: sim.credential })}\n`);
  process.stdin.on('end', () => void sim.close().then(() => process.exit(0)));
  process.stdin.resume();
} else {
  await main();
}
