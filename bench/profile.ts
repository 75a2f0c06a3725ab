import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad } from './lib/load.js';
import { killAll, startService } from './lib/processes.js';
import { graphqlBody, OVERVIEW_QUERY, PARTNER_USAGE_QUERY } from './lib/queries.js';
import { SimulatorsClient } from './lib/simulators.js';

/**
 * `npm run bench:profile [-- partner]`: our gateway under `node --cpu-prof` while it serves the
 * overview (or partnerUsage(first: 5000)) for 8 s at 32 connections; prints the functions with
 * the most self time. The .cpuprofile stays in bench/results/profiles/ for Chrome DevTools.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'bench/results/profiles');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const partner = process.argv.includes('partner');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

try {
  const sims = new SimulatorsClient(await startService('simulators', join(root, 'bench/services/simulators.ts'), {}));
  const ours = await startService(
    'ours',
    join(root, 'src/main.ts'),
    { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...sims.gatewayEnv() },
    { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] },
  );
  const body = graphqlBody(partner ? PARTNER_USAGE_QUERY : OVERVIEW_QUERY);
  const result = await runLoad(ours, { body, connections: partner ? 8 : 32, durationSeconds: 8 });
  process.stderr.write(`${JSON.stringify(result)}\n`);
  await ours.stop();
} finally {
  killAll();
}

const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
if (file === undefined) throw new Error('no profile written');
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map<string, number>();
for (const id of profile.samples) {
  const frame = byId.get(id)!.callFrame;
  const where = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(`file://${root}`, '')}:${frame.lineNumber + 1}`;
  self.set(where, (self.get(where) ?? 0) + 1);
}
const total = profile.samples.length;
for (const [where, count] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  process.stdout.write(`${((100 * count) / total).toFixed(1).padStart(5)} %  ${where}\n`);
}
