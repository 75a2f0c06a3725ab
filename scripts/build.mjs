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

/**
 * Builds the dashboard (`dashboard/`) with Vite into `outDir` (default `dist/dashboard`), beside the
 * manifest of the documents it sends by id, which the gateway trusts (src/edge/dashboard-assets.ts);
 * rejects on any build error. Tests and the screenshot script build into folders of their own.
 */
export async function buildDashboard(outDir = `${ROOT}dist/dashboard`) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: `${ROOT}dashboard/vite.config.ts`, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  cpSync(`${ROOT}dashboard/src/gql/persisted-documents.json`, `${outDir}/persisted-documents.json`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildGateway();
  await buildDashboard();
}
