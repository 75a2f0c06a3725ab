import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGateway } from '../scripts/build.mjs';
import { killAll, startService } from './lib/processes.js';
import { coldPhasesLines } from './lib/report.js';
import { SimulatorsClient } from './lib/simulators.js';
import { coldPhasesScenario, type ColdPhasesResult } from './scenarios/cold-phases.js';
import { VENDORS as VENDOR_MODULES } from '../src/providers/vendors.js';

/**
 * `npm run bench:cold [-- --queries N] [-- --against <other checkout>/dist/main.js ...]`: scenario
 * The cold fan-out's phase breakdown alone, for this checkout's production build and for each bundle given,
 * taking turns round by round against one set of simulators (every vendor +50 ms, cache off), so
 * that a before/after comparison sees the same moments of a shared machine.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const argument = (name: string) => process.argv.flatMap((value, i) => (value === name ? [process.argv[i + 1]!] : []));
const queries = Number(argument('--queries')[0] ?? 20);
const rounds = Number(argument('--rounds')[0] ?? 2);

async function main(): Promise<void> {
  await buildGateway();
  const bundles = [join(root, 'dist/main.js'), ...argument('--against')];
  const simService = await startService('simulators', join(root, 'bench/services/simulators.ts'), {});
  const sims = SimulatorsClient.of(simService);
  const dirs: string[] = [];
  const env = () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-cold-'));
    dirs.push(dir);
    return {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ARRAYS_POLL_INTERVAL_MS: '86400000',
      CALLER_RATE_LIMIT_PER_MINUTE: '0',
      UPSTREAM_CACHE_TTL_SECONDS: '0',
      CALLER_VENDOR_SHARE_PERCENT: '100',
      ...Object.fromEntries(VENDOR_MODULES.map(({ id }) => [`${id}_RATE_LIMIT_PER_MINUTE`, '100000'])),
      ...sims.gatewayEnv(),
      DATA_DIR: dir,
    };
  };
  await sims.setLatency(50);
  try {
    const results = new Map<string, ColdPhasesResult[]>();
    for (let round = 0; round < rounds; round += 1) {
      for (const bundle of bundles) {
        const result = await coldPhasesScenario({ production: bundle, env: env(), sims, queries, spacingMs: 200 });
        results.set(bundle, [...(results.get(bundle) ?? []), result]);
        process.stderr.write(`${bundle} round ${round + 1}: ours p50 ${result.oursP50Ms} ms, five at once ${result.fiveAtOnceP50Ms} ms, overhead ${result.overheadP50Ms} ms\n`);
      }
    }
    for (const [bundle, runs] of results) {
      process.stdout.write(`\n## ${bundle}\n\n${runs.map((run) => coldPhasesLines(run).join('\n')).join('\n\n')}\n`);
    }
  } finally {
    await sims.setLatency(null);
    killAll();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:cold failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  killAll();
  process.exitCode = 1;
});
