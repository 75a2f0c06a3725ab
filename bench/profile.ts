import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad, waitForLedgerCaughtUp } from './lib/load.js';
import { killAll, startService } from './lib/processes.js';
import { graphqlBody, OVERVIEW_QUERY, ourPartnerUsageQuery } from './lib/queries.js';
import { SimulatorsClient } from './lib/simulators.js';
import { benchCallers } from './scenarios/edge-auth.js';
import { VENDORS } from '../src/providers/vendors.js';
import { buildGateway } from '../scripts/build.mjs';

/**
 * `npm run bench:profile [-- partner]`: our production build (`npm run build`, plain node, the
 * benchmark's rate budgets) under `node --cpu-prof` while it serves the overview (or
 * partnerUsage(first: 5000)) for 8 s at 32 connections; prints the functions with
 * the most self time, and our functions with the most total time. The .cpuprofile stays in
 * bench/results/profiles/ for Chrome DevTools.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'bench/results/profiles');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const partner = process.argv.includes('partner');
// `auth`: the authenticated warm overview's gateway — a different caller's JWT on every request, the per-caller limit counting.
const auth = process.argv.includes('auth');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

try {
  const sims = SimulatorsClient.of(await startService('simulators', join(root, 'bench/services/simulators.ts'), {}));
  await buildGateway();
  // As bench/run.ts's rows: a paid tier's vendor budgets and no per-caller limit, which would
  // otherwise answer the one load generator 429s and profile the refusal instead of the answer.
  const budgets = Object.fromEntries(VENDORS.map(({ id }) => [`${id}_RATE_LIMIT_PER_MINUTE`, '100000']));
  const callers = auth ? await benchCallers() : null;
  const { AUTH_DISABLED: _unauthenticated, ...gatewayEnv } = sims.gatewayEnv();
  const ours = await startService(
    'ours',
    join(root, 'dist/main.js'),
    {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ARRAYS_POLL_INTERVAL_MS: '86400000',
      CALLER_RATE_LIMIT_PER_MINUTE: '0',
      CALLER_VENDOR_SHARE_PERCENT: '100',
      ...budgets,
      DATA_DIR: join(tmpdir(), `bench-profile-ledger-${process.pid}`),
      ...(callers === null ? sims.gatewayEnv() : { ...gatewayEnv, ...callers.gatewayEnv }),
    },
    { plain: true, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] },
  );
  // 5000 edges: several 5000-entry vendor pages, at most the field's vendor-call bound.
  const body = graphqlBody(partner ? ourPartnerUsageQuery(5000) : OVERVIEW_QUERY);
  // As in the benchmark, the ledger has caught up and the caches are warm before the measured load,
  // so that start-up work (the Arrays catch-up, first compilations) is a small part of the profile.
  // (`partnerLedger` takes `ops:read`, which the dashboards' tokens do not hold: their profile includes the catch-up.)
  if (!auth) await waitForLedgerCaughtUp(ours);
  const headers = callers === null ? {} : { headerSets: callers.headerSets };
  await runLoad(ours, { body, connections: partner ? 8 : 32, durationSeconds: 1, ...headers });
  const result = await runLoad(ours, { body, connections: partner ? 8 : 32, durationSeconds: 8, ...headers });
  callers?.close();
  process.stderr.write(`${JSON.stringify(result)}\n`);
  await ours.stop();
} finally {
  killAll();
}

const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
if (file === undefined) throw new Error('no profile written');
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const where = (frame: ProfileNode['callFrame']) =>
  `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '').replace(`file://${root}`, '')}:${frame.lineNumber + 1}`;
const self = new Map<string, number>();
// Total time counts a function once per sample in which it is anywhere on the stack: what it
// costs with everything it calls, which is what a cache in front of it would save.
const total = new Map<string, number>();
for (const id of profile.samples) {
  const leaf = where(byId.get(id)!.callFrame);
  self.set(leaf, (self.get(leaf) ?? 0) + 1);
  const seen = new Set<string>();
  for (let node: number | undefined = id; node !== undefined; node = parentOf.get(node)) seen.add(where(byId.get(node)!.callFrame));
  for (const frame of seen) total.set(frame, (total.get(frame) ?? 0) + 1);
}
const print = (title: string, counts: Map<string, number>, filter: (frame: string) => boolean) => {
  process.stdout.write(`${title}\n`);
  for (const [frame, count] of [...counts].filter(([frame]) => filter(frame)).sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    process.stdout.write(`${((100 * count) / profile.samples.length).toFixed(1).padStart(5)} %  ${frame}\n`);
  }
};
print('self time, every function:', self, () => true);
print('total time (self and callees), our code:', total, (frame) => frame.includes(' src/') || frame.includes(' dist/') || frame.includes(' bench/'));
