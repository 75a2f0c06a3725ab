import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGateway } from '../scripts/build.mjs';
import { round } from './lib/load.js';
import { killAll, startService } from './lib/processes.js';
import { graphqlBody, ourPartnerUsageQuery } from './lib/queries.js';
import { jitLines } from './lib/report.js';
import { SimulatorsClient } from './lib/simulators.js';
import { jitScenario } from './scenarios/jit.js';
import { VENDORS as VENDOR_MODULES } from '../src/providers/vendors.js';

/**
 * `npm run bench:jit [-- --quick]`: graphql-jit on and off (`GRAPHQL_JIT`) on the partnerUsage
 * page scenario, the _entities batch's 1,000-representation call and the warm overview,
 * alternating round by round in one run. Writes bench/results/jit.json and prints the table.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const PLAN = quick ? { rounds: 2, warmupSeconds: 0.3, loadSeconds: 1 } : { rounds: 5, warmupSeconds: 1, loadSeconds: 4 };
const CONNECTIONS = { overview: 32, partner: 8, entities: 8 };

/** As bench/run.ts's GATEWAY_ENV and RATE_BUDGET_ENV: the same gateway configuration as the warm overview, partnerUsage page and _entities batch rows. */
const GATEWAY_ENV = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ARRAYS_POLL_INTERVAL_MS: '86400000', CALLER_RATE_LIMIT_PER_MINUTE: '0' };
const RATE_BUDGET_ENV = {
  ...Object.fromEntries(VENDOR_MODULES.map(({ id }) => [`${id}_RATE_LIMIT_PER_MINUTE`, '100000'])),
  CALLER_VENDOR_SHARE_PERCENT: '100',
};

const dataDirs: string[] = [];
function dataDir(): { DATA_DIR: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-jit-'));
  dataDirs.push(dir);
  return { DATA_DIR: dir };
}

async function main(): Promise<void> {
  const started = Date.now();
  const log = (message: string) => process.stderr.write(`[bench:jit ${round((Date.now() - started) / 1000)}s] ${message}\n`);
  const [simService] = await Promise.all([startService('simulators', join(root, 'bench/services/simulators.ts'), {}), buildGateway()]);
  const sims = SimulatorsClient.of(simService);
  const { baseUrl, credential } = sims.vendors.arrays;
  // The partnerUsage page's `first` is the number of users in the simulator's first 5000 stream entries.
  const page = (await (await fetch(`${baseUrl}/v1/partner/usage?from_id=0&count=5000`, { headers: { 'x-service-token': credential } })).json()) as { data: unknown[] };
  const result = await jitScenario({
    production: join(root, 'dist/main.js'),
    env: { ...GATEWAY_ENV, ...RATE_BUDGET_ENV, ...sims.gatewayEnv() },
    demoEnv: { ...GATEWAY_ENV, GATEWAY_DEMO: '1' },
    dataDir,
    partnerBody: graphqlBody(ourPartnerUsageQuery(page.data.length)),
    entities: 1000,
    connections: CONNECTIONS,
    ...PLAN,
    log,
  });
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const output = join(root, `bench/results/jit${quick ? '-quick' : ''}.json`);
  writeFileSync(output, `${JSON.stringify({ command: quick ? 'npm run bench:jit -- --quick' : 'npm run bench:jit', finishedAt: new Date().toISOString(), connections: CONNECTIONS, ...result }, null, 2)}\n`);
  process.stdout.write(`${jitLines(result).join('\n')}\n`);
  log(`done; wrote ${output}`);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench:jit failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    killAll();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });
