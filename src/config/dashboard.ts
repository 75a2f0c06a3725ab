import { statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { optionalFlag } from '../common/env-values.js';
import type { EnvironmentReader } from './environment-reader.js';

/** The dashboard under `/dashboard/`. */
export interface DashboardConfig {
  /** `DASHBOARD` (`1`/`0`), default on. Off, `/dashboard/` answers 404 and no browser is sent there. */
  enabled: boolean;
  /**
   * `DASHBOARD_DIR`: a built dashboard to serve (a folder with `index.html`, `assets/` and
   * `persisted-documents.json`). Default null: `dist/dashboard` beside the gateway's bundle, which
   * `npm run build` writes; when that one is missing the gateway warns once and answers 404.
   */
  dir: string | null;
}

/** Why `dir` cannot be served, or null when it holds a built dashboard (a folder with an `index.html`). */
export function dashboardDirProblem(dir: string): string | null {
  const kind = statSync(dir, { throwIfNoEntry: false });
  if (kind === undefined) return 'does not exist';
  if (!kind.isDirectory()) return 'is not a directory';
  if (statSync(join(dir, 'index.html'), { throwIfNoEntry: false })?.isFile() !== true) return 'holds no index.html: not a built dashboard (`npm run build` writes one to dist/dashboard)';
  return null;
}

/**
 * Reads `DASHBOARD` and `DASHBOARD_DIR`. A `DASHBOARD_DIR` that was named but cannot be served
 * stops the start: someone pointed at it on purpose, and a silent 404 would hide the typo.
 */
export function readDashboardConfig(reader: EnvironmentReader): DashboardConfig {
  const enabled = reader.read('DASHBOARD', optionalFlag) ?? true;
  const dir = reader.read('DASHBOARD_DIR', z.string().trim().optional()) ?? null;
  if (enabled && dir !== null) {
    const problem = dashboardDirProblem(dir);
    if (problem !== null) reader.report(`DASHBOARD_DIR: ${problem} (got ${JSON.stringify(dir)})`);
  }
  return { enabled, dir };
}
