import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { Plugin } from 'graphql-yoga';
import { loadPersistedDocuments, type PersistedDocuments } from '../config/persisted-operations.js';

/** Where the dashboard is served. */
export const DASHBOARD_PATH = '/dashboard/';

/**
 * The dashboard's Content-Security-Policy: everything from this origin only, no inline script or
 * style, no plugin, no framing, no `<base>`.
 */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  /** Hashed file names change with their content: cached for a year. */
  immutable: boolean;
}

/** Options of {@link useDashboard}. */
export interface DashboardOptions {
  /** The built dashboard (`dist/dashboard`); null when it is not served. */
  dir: string | null;
}

function readAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (statSync(path).isFile()) {
        const name = relative(dir, path).split(sep).join('/');
        assets.set(name, { body: new Uint8Array(readFileSync(path)), type: TYPES[extname(name)] ?? 'application/octet-stream', immutable: name.startsWith('assets/') });
      }
    }
  };
  walk(dir);
  return assets;
}

/**
 * Serves the built dashboard under `/dashboard/`: hashed assets cached forever, `index.html` (for
 * every view path, so a shared URL opens its view) never cached, each with the strict
 * {@link DASHBOARD_CSP}. Read into memory once at start.
 */
export function useDashboard(options: DashboardOptions): Plugin {
  const assets = options.dir !== null && existsSync(join(options.dir, 'index.html')) ? readAssets(options.dir) : null;
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname === '/dashboard') {
        endResponse(new fetchAPI.Response(null, { status: 301, headers: { location: `${DASHBOARD_PATH}${url.search}` } }));
        return;
      }
      if (!url.pathname.startsWith(DASHBOARD_PATH)) return;
      const headers: Record<string, string> = {
        'content-security-policy': DASHBOARD_CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      };
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response('Method not allowed\n', { status: 405, headers: { ...headers, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' } }));
        return;
      }
      if (assets === null) {
        endResponse(new fetchAPI.Response('The dashboard is not built: run `npm run build`.\n', { status: 404, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } }));
        return;
      }
      const name = url.pathname.slice(DASHBOARD_PATH.length);
      const asset = name.startsWith('assets/') ? assets.get(name) : assets.get('index.html');
      if (asset === undefined) {
        endResponse(new fetchAPI.Response('Not found\n', { status: 404, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } }));
        return;
      }
      const body = request.method === 'HEAD' ? null : asset.body;
      endResponse(
        new fetchAPI.Response(body, {
          status: 200,
          headers: { ...headers, 'content-type': asset.type, 'content-length': String(asset.body.byteLength), 'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache' },
        }),
      );
    },
  };
}

/**
 * The dashboard's persisted documents (`persisted-documents.json` of its build): trusted beside
 * `PERSISTED_OPERATIONS_FILE`'s, so that `PERSISTED_OPERATIONS=only` still serves the dashboard.
 * Empty when the dashboard is not built; a corrupt file stops the start with its reason.
 */
export function dashboardDocuments(dir: string | null): PersistedDocuments {
  if (dir === null || !existsSync(join(dir, 'persisted-documents.json'))) return new Map();
  return loadPersistedDocuments(join(dir, 'persisted-documents.json'));
}

/**
 * The manifest the edge reads: the file's documents (re-read when it changes) and the
 * dashboard's; null when there are neither.
 */
export function withDashboardDocuments(file: { readonly current: PersistedDocuments } | null, dashboard: PersistedDocuments): { readonly current: PersistedDocuments } | null {
  if (dashboard.size === 0) return file;
  if (file === null) return { current: dashboard };
  let from: PersistedDocuments | null = null;
  let merged: PersistedDocuments = dashboard;
  return {
    get current() {
      const current = file.current;
      if (current !== from) {
        from = current;
        merged = new Map([...dashboard, ...current]);
      }
      return merged;
    },
  };
}
