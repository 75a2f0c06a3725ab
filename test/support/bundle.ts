import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const PREFIX = 'gateway-test-bundle-';

const built = new Map<string, Promise<string>>();

/**
 * The path of `entry` (a TypeScript file, relative to the repository or absolute) bundled to one
 * ESM file as `npm run build` bundles `src/main.ts`, for a test to spawn with plain `node`.
 *
 * Why: a child started with `node --import tsx` compiles every module it loads on each start, which
 * on two loaded cores costs seconds per child; a test file spawning a dozen children pays that a
 * dozen times. The bundle is built once per test file (the first call; later calls share it) into a
 * temporary directory named after the test process, removed by a later build once that process is gone. Packages stay external and
 * resolve from the repository's node_modules (linked beside the bundle), the ledger's SQL
 * migrations are copied beside it as in `dist/`, so the child runs what production runs.
 */
export function bundled(entry: string): Promise<string> {
  const source = resolve(ROOT, entry);
  let bundle = built.get(source);
  if (bundle === undefined) {
    bundle = buildBundle(source);
    built.set(source, bundle);
  }
  return bundle;
}

async function buildBundle(source: string): Promise<string> {
  removeBundlesOfEndedProcesses();
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  const outfile = join(dir, `${basename(source, extname(source))}.mjs`);
  // The same settings as scripts/build.mjs, so a child runs what `node dist/main.js` runs.
  await build({
    absWorkingDir: ROOT,
    entryPoints: [source],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  cpSync(join(ROOT, 'src/ledger/postgres/migrations'), join(dir, 'migrations'), { recursive: true });
  return outfile;
}

/** vitest ends its workers without running exit handlers, so each build clears what ended workers left. */
function removeBundlesOfEndedProcesses(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && !processIsAlive(pid)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
