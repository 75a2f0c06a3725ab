// `npm run build`: one ESM bundle of the gateway for `node dist/main.js`, and the dashboard it serves
// (`dist/dashboard`). Packages stay external so that production dependencies are read from
// node_modules (`npm prune --omit=dev` leaves exactly those), and nothing of tsx, esbuild or Vite is
// needed at run time.
import { build } from 'esbuild';
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Bundles `src/main.ts` to `dist/main.js` (with `dist/main.js.map`); rejects on any build error. */
export async function buildGateway() {
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/main.ts'],
    outfile: 'dist/main.js',
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  // The ledger's SQL migrations are files read at run time, beside the bundle (src/ledger/postgres/migrations.ts).
  cpSync(`${ROOT}src/ledger/postgres/migrations`, `${ROOT}dist/migrations`, { recursive: true });
}

/** Builds the dashboard (`dashboard/`) with Vite into `dist/dashboard`; rejects on any build error. */
export async function buildDashboard() {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: `${ROOT}dashboard/vite.config.ts`, logLevel: 'warn' });
  // The documents the dashboard sends by id: the gateway trusts them (src/edge/dashboard-assets.ts).
  cpSync(`${ROOT}dashboard/src/gql/persisted-documents.json`, `${ROOT}dist/dashboard/persisted-documents.json`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildGateway();
  await buildDashboard();
}
