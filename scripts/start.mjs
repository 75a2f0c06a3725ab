// `npm start`: runs the production bundle, building it first when it is missing or older than any
// file under src/ (and the dashboard when it is older than any file under dashboard/), so a fresh
// clone starts in one command. The gateway is imported into this very process (no child) so that
// SIGTERM and SIGINT reach its shutdown handlers.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function newestMtimeMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Whether `built` is missing or older than any file under `sources`. */
function isStale(built, sources) {
  let builtAt;
  try {
    builtAt = statSync(join(ROOT, built)).mtimeMs;
  } catch {
    return true;
  }
  return builtAt < Math.max(...sources.map((source) => newestMtimeMs(join(ROOT, source))));
}

// esbuild and Vite are devDependencies: a pruned production install must ship an up-to-date dist/.
if (isStale('dist/main.js', ['src'])) {
  const { buildGateway } = await import('./build.mjs');
  await buildGateway();
}
if (isStale('dist/dashboard/index.html', ['dashboard'])) {
  const { buildDashboard } = await import('./build.mjs');
  await buildDashboard();
}
await import('../dist/main.js');
