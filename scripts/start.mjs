// `npm start`: runs the production bundle, building it first when it is missing or older than any
// file under src/, so a fresh clone starts in one command. The gateway is imported into this very
// process (no child) so that SIGTERM and SIGINT reach its shutdown handlers.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE = join(ROOT, 'dist', 'main.js');

function newestMtimeMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function bundleIsStale() {
  let built;
  try {
    built = statSync(BUNDLE).mtimeMs;
  } catch {
    return true;
  }
  return built < newestMtimeMs(join(ROOT, 'src'));
}

if (bundleIsStale()) {
  // esbuild is a devDependency: a pruned production install must ship an up-to-date dist/.
  const { buildGateway } = await import('./build.mjs');
  await buildGateway();
}
await import('../dist/main.js');
