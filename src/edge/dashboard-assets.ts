import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../common/logger.js';
import { dashboardDirProblem } from '../config/dashboard.js';
import { loadPersistedDocuments, type PersistedDocuments } from '../config/persisted-operations.js';

/** Where the dashboard is served. */
export const DASHBOARD_PATH = '/dashboard/';

/**
 * The dashboard's Content-Security-Policy: everything from this origin only, no inline script or
 * style, no plugin, no framing, no `<base>`.
 */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Headers of every dashboard response, refusals included. `X-Frame-Options` repeats
 * `frame-ancestors` for browsers that predate CSP 2; the Permissions-Policy turns off the powerful
 * features a usage page never needs, so an injected script could not ask for them either. No HSTS:
 * whoever terminates TLS in front of the gateway knows whether the host is HTTPS-only.
 */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=()',
};

/** A hashed asset's Cache-Control: its name changes with its content, so it never needs asking again. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** Text formats gain from compression; PNG and WOFF2 are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.map']);

/** Below this many bytes a compressed body saves less than its headers cost. */
const MIN_COMPRESSED_BYTES = 256;

/** A path under `/dashboard/` that names a view (`vendor`, `partners/`): one segment, no file extension. */
const VIEW_PATH = /^[A-Za-z0-9_-]*\/?$/;

type Encoding = 'br' | 'gzip';

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  /** Hashed file names change with their content: cached for a year. */
  immutable: boolean;
  compressible: boolean;
  /** Of the uncompressed body; a compressed one adds its encoding. */
  etag: string;
  /** Made on the first request that accepts each encoding, then kept. */
  encoded: Map<Encoding, Promise<Uint8Array<ArrayBuffer> | null>>;
}

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  /** The built dashboard (`dist/dashboard`, or `DASHBOARD_DIR`); null when it is not served. Default null. */
  dir: string | null;
  /** Told once, at start, when `dir` holds no built dashboard. Default: told nobody. */
  logger?: Pick<Logger, 'warn'>;
}

/** The dashboard's plugin, and whether there is a dashboard to send a browser to. */
export interface Dashboard {
  plugin: Plugin;
  /** True when `dir` holds a built dashboard (its `index.html`). */
  served: boolean;
}

/** True when `dir` holds a built dashboard: the configuration's own check of `DASHBOARD_DIR`. */
export function isBuiltDashboard(dir: string): boolean {
  return dashboardDirProblem(dir) === null;
}

function readAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (statSync(path).isFile()) {
        const name = relative(dir, path).split(sep).join('/');
        const body = new Uint8Array(readFileSync(path));
        const extension = extname(name);
        assets.set(name, {
          body,
          type: TYPES[extension] ?? 'application/octet-stream',
          immutable: name.startsWith('assets/'),
          compressible: COMPRESSIBLE.has(extension) && body.byteLength >= MIN_COMPRESSED_BYTES,
          etag: createHash('sha256').update(body).digest('base64url').slice(0, 22),
          encoded: new Map(),
        });
      }
    }
  };
  walk(dir);
  return assets;
}

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

function encode(asset: Asset, encoding: Encoding): Promise<Uint8Array<ArrayBuffer> | null> {
  let encoded = asset.encoded.get(encoding);
  if (encoded === undefined) {
    const compressing =
      encoding === 'br'
        ? brotli(asset.body, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: asset.body.byteLength } })
        : gzipped(asset.body, { level: zlib.Z_BEST_COMPRESSION });
    // A compression that fails (it does not, short of memory) serves the plain body rather than an error.
    encoded = compressing.then(
      (buffer) => (buffer.byteLength < asset.body.byteLength ? new Uint8Array(buffer) : null),
      () => null,
    );
    asset.encoded.set(encoding, encoded);
  }
  return encoded;
}

/** The best encoding `accept` (an `Accept-Encoding` value) allows: Brotli, then gzip, else none. */
export function preferredEncoding(accept: string | null): Encoding | null {
  if (accept === null) return null;
  const weights = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [token, ...parameters] = part.trim().toLowerCase().split(';');
    const q = parameters.map((parameter) => parameter.trim()).find((parameter) => parameter.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (token) weights.set(token.trim(), Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (encoding: string) => weights.get(encoding) ?? weights.get('*') ?? 0;
  if (weightOf('br') > 0) return 'br';
  if (weightOf('gzip') > 0) return 'gzip';
  return null;
}

/** True when an `If-None-Match` value names `etag` (weak comparison, as RFC 9110 asks for GET). */
function matches(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

/**
 * Serves the built dashboard under `/dashboard/`: hashed assets cached for a year, `index.html`
 * (for every view path, so a shared URL opens its view) revalidated on every use, each with
 * {@link DASHBOARD_SECURITY_HEADERS}. Files are read into memory once, at start, and looked up
 * by name, so no request path ever reaches the file system. Text files go out Brotli- or
 * gzip-compressed when the browser accepts it, with an ETag a revalidation answers with 304.
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  const { dir } = options;
  const assets = dir !== null && isBuiltDashboard(dir) ? readAssets(dir) : null;
  if (dir !== null && assets === null) {
    options.logger?.warn('the dashboard is not built: /dashboard/ answers 404 until `npm run build` builds it (or DASHBOARD_DIR names a built one; DASHBOARD=0 turns it off)', { dir });
  }
  if (dir === null) return { plugin: {}, served: false };
  const plugin: Plugin = {
    // Not async: every other request (each GraphQL one) passes through here and should not pay for a promise.
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname === '/dashboard') {
        endResponse(new fetchAPI.Response(null, { status: 301, headers: { ...DASHBOARD_SECURITY_HEADERS, location: `${DASHBOARD_PATH}${url.search}` } }));
        return;
      }
      if (!url.pathname.startsWith(DASHBOARD_PATH)) return;
      const refusal = (status: number, text: string, extra: Record<string, string> = {}) =>
        new fetchAPI.Response(request.method === 'HEAD' ? null : `${text}\n`, {
          status,
          headers: { ...DASHBOARD_SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra },
        });
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(refusal(405, 'Method not allowed: the dashboard is read with GET.', { allow: 'GET, HEAD' }));
        return;
      }
      if (assets === null) {
        endResponse(refusal(404, 'The dashboard is not built: run `npm run build` (or set DASHBOARD_DIR to a built dashboard), then restart the gateway.'));
        return;
      }
      const name = url.pathname.slice(DASHBOARD_PATH.length);
      // Only index.html and the hashed assets: persisted-documents.json is for the gateway, not the browser.
      const asset = name.startsWith('assets/') ? assets.get(name) : VIEW_PATH.test(name) || name === 'index.html' ? assets.get('index.html') : undefined;
      if (asset === undefined) {
        endResponse(refusal(404, 'Not found.'));
        return;
      }
      return respond(asset, request, fetchAPI.Response).then(endResponse);
    },
  };
  return { plugin, served: assets !== null };
}

async function respond(asset: Asset, request: Request, Response: typeof globalThis.Response): Promise<Response> {
  const encoding = asset.compressible ? preferredEncoding(request.headers.get('accept-encoding')) : null;
  const encoded = encoding === null ? null : await encode(asset, encoding);
  const etag = `"${asset.etag}${encoded === null ? '' : `-${encoding}`}"`;
  const headers: Record<string, string> = {
    ...DASHBOARD_SECURITY_HEADERS,
    'content-type': asset.type,
    'cache-control': asset.immutable ? IMMUTABLE_CACHE : 'no-cache',
    etag,
    ...(asset.compressible ? { vary: 'Accept-Encoding' } : {}),
  };
  if (matches(request.headers.get('if-none-match'), etag)) return new Response(null, { status: 304, headers });
  const body = encoded ?? asset.body;
  if (encoded !== null) headers['content-encoding'] = encoding!;
  headers['content-length'] = String(body.byteLength);
  return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers });
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
