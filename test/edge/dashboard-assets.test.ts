import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync, gzipSync, constants as zlib } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/common/logger.js';
import { hostRule } from '../../src/edge/browser-rules.js';
import { DASHBOARD_CSP, preferredEncoding } from '../../src/edge/dashboard-assets.js';
import { createGateway, type Gateway, type GatewayDeps } from '../../src/gateway.js';
import { builtDashboard } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

/** The dashboard's files as the gateway serves them: headers, caching, compression, and nothing outside its folder. */
const ORIGIN = 'http://127.0.0.1:4000';
const SCRIPT = `console.log(${JSON.stringify('dashboard '.repeat(200))});\n`;
const INDEX = `<!doctype html><html lang="en"><head><title>Usage dashboard</title><script type="module" src="/dashboard/assets/index-AbC123.js"></script></head><body><div id="app"></div>${'<!-- padding -->'.repeat(30)}</body></html>`;
const root = mkdtempSync(join(tmpdir(), 'dashboard-assets-'));
const dir = join(root, 'dist');
mkdirSync(join(dir, 'assets'), { recursive: true });
writeFileSync(join(dir, 'index.html'), INDEX);
writeFileSync(join(dir, 'assets', 'index-AbC123.js'), SCRIPT);
writeFileSync(join(dir, 'assets', 'logo-Zz9.png'), Buffer.alloc(2048, 7));
writeFileSync(join(dir, 'persisted-documents.json'), '{}');
writeFileSync(join(root, 'secret.txt'), 'outside the dashboard');

let harness: Harness;
const warnings: string[] = [];
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
  rmSync(root, { recursive: true, force: true });
});

function gateway(deps: Partial<GatewayDeps> = {}): Gateway {
  const logger = { ...createLogger({ level: 'silent' }), warn: (message: string) => void warnings.push(message) };
  return createGateway({ registry: harness.registry, logger, dashboardDir: dir, ...deps });
}

const SECURITY = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

function expectSecurityHeaders(response: Response): void {
  for (const [name, value] of Object.entries(SECURITY)) expect(response.headers.get(name), name).toBe(value);
  expect(response.headers.get('permissions-policy')).toMatch(/camera=\(\).*microphone=\(\).*geolocation=\(\)/);
}

describe('the dashboard files', () => {
  it('serves index.html for the root and every view path, uncached, with every security header', async () => {
    const yoga = gateway();
    for (const path of ['/dashboard/', '/dashboard/vendor?vendor=SHARPE', '/dashboard/partners/', '/dashboard/partner?user=12345678901234567890&range=30d', '/dashboard/index.html']) {
      const response = await yoga.fetch(`${ORIGIN}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expectSecurityHeaders(response);
      expect(await response.text()).toBe(INDEX);
    }
  });

  it('serves hashed assets as immutable for a year, with their type', async () => {
    const yoga = gateway();
    const script = await yoga.fetch(`${ORIGIN}/dashboard/assets/index-AbC123.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('content-length')).toBe(String(Buffer.byteLength(SCRIPT)));
    expectSecurityHeaders(script);
    expect(await script.text()).toBe(SCRIPT);
    const image = await yoga.fetch(`${ORIGIN}/dashboard/assets/logo-Zz9.png`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(image.headers.get('content-type')).toBe('image/png');
    // Already compressed: sent as it is, with no Vary to split caches for nothing.
    expect(image.headers.get('content-encoding')).toBeNull();
    expect(image.headers.get('vary')).toBeNull();
    expect(Buffer.from(await image.arrayBuffer())).toEqual(Buffer.alloc(2048, 7));
  });

  it('answers 404, never index.html, for a missing asset or any other file', async () => {
    const yoga = gateway();
    for (const path of ['/dashboard/assets/missing-123.js', '/dashboard/assets/', '/dashboard/persisted-documents.json', '/dashboard/favicon.ico', '/dashboard/vendor/SHARPE']) {
      const response = await yoga.fetch(`${ORIGIN}${path}`);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expectSecurityHeaders(response);
      expect(await response.text()).not.toContain('<html');
    }
  });

  it('compresses text with Brotli or gzip as the browser accepts, varying on Accept-Encoding', async () => {
    const yoga = gateway();
    const url = `${ORIGIN}/dashboard/assets/index-AbC123.js`;
    const br = await yoga.fetch(url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toBe('Accept-Encoding');
    const brBytes = Buffer.from(await br.arrayBuffer());
    expect(Number(br.headers.get('content-length'))).toBe(brBytes.byteLength);
    expect(brBytes.byteLength).toBeLessThan(Buffer.byteLength(SCRIPT));
    expect(brotliDecompressSync(brBytes).toString()).toBe(SCRIPT);

    const gz = await yoga.fetch(url, { headers: { 'accept-encoding': 'gzip, br;q=0' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toBe(SCRIPT);

    const plain = await yoga.fetch(url, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('vary')).toBe('Accept-Encoding');
    expect(await plain.text()).toBe(SCRIPT);
  });

  it('reads Accept-Encoding weights', () => {
    expect(preferredEncoding(null)).toBeNull();
    expect(preferredEncoding('gzip, deflate, br, zstd')).toBe('br');
    expect(preferredEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(preferredEncoding('*')).toBe('br');
    expect(preferredEncoding('*, br;q=0')).toBe('gzip');
    expect(preferredEncoding('deflate, identity')).toBeNull();
  });

  it('gives each representation its ETag and answers a matching revalidation with 304 and no body', async () => {
    const yoga = gateway();
    const first = await yoga.fetch(`${ORIGIN}/dashboard/vendor`, { headers: { 'accept-encoding': 'br' } });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+-br"$/);
    const plainTag = (await yoga.fetch(`${ORIGIN}/dashboard/`)).headers.get('etag')!;
    expect(plainTag).not.toBe(etag);
    const again = await yoga.fetch(`${ORIGIN}/dashboard/alerts`, { headers: { 'accept-encoding': 'br', 'if-none-match': `"other", W/${etag}` } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe('no-cache');
    expectSecurityHeaders(again);
    expect(await again.text()).toBe('');
    const changed = await yoga.fetch(`${ORIGIN}/dashboard/`, { headers: { 'if-none-match': '"stale"' } });
    expect(changed.status).toBe(200);
  });

  it('answers HEAD with the headers and no body, and 405 to other methods', async () => {
    const yoga = gateway();
    const head = await yoga.fetch(`${ORIGIN}/dashboard/assets/index-AbC123.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(SCRIPT)));
    expect(await head.text()).toBe('');
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const refused = await yoga.fetch(`${ORIGIN}/dashboard/`, { method, body: method === 'DELETE' ? null : 'x' });
      expect(refused.status, method).toBe(405);
      expect(refused.headers.get('allow')).toBe('GET, HEAD');
      expectSecurityHeaders(refused);
    }
  });

  it('redirects /dashboard to /dashboard/ permanently, keeping the query', async () => {
    const response = await gateway().fetch(`${ORIGIN}/dashboard?range=7d`, { redirect: 'manual' });
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe('/dashboard/?range=7d');
  });

  it('keeps the Host check: a foreign Host gets 403, not the dashboard', async () => {
    const yoga = gateway({ edge: { allowsHost: hostRule(null, true) } });
    const refused = await yoga.fetch(`${ORIGIN}/dashboard/`, { headers: { host: 'attacker.example' } });
    expect(refused.status).toBe(403);
    expect(JSON.stringify(await refused.json())).toContain('HOST_NOT_ALLOWED');
    expect((await yoga.fetch(`${ORIGIN}/dashboard/`, { headers: { host: '127.0.0.1:4000' } })).status).toBe(200);
  });

  it('serves nothing under /dashboard/ when it is off', async () => {
    const yoga = gateway({ dashboardDir: null });
    expect((await yoga.fetch(`${ORIGIN}/dashboard/`)).status).toBe(404);
    expect((await yoga.fetch(`${ORIGIN}/dashboard/assets/index-AbC123.js`)).status).toBe(404);
  });

  it('without a build: a clear 404 for every path, and one warning at start, none per request', async () => {
    warnings.length = 0;
    const yoga = gateway({ dashboardDir: join(root, 'never-built') });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('the dashboard is not built');
    for (const path of ['/dashboard/', '/dashboard/vendor', '/dashboard/assets/index-AbC123.js']) {
      const response = await yoga.fetch(`${ORIGIN}${path}`);
      expect(response.status).toBe(404);
      expect(await response.text()).toContain('The dashboard is not built: run `npm run build`');
    }
    expect(warnings).toHaveLength(1);
  });
});

describe('paths that leave the dashboard folder, over real HTTP (raw paths, as a client that does not normalise sends them)', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer(gateway());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const rawGet = (path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      request.end();
    });

  it('never answers with a file outside it', async () => {
    const paths = [
      '/dashboard/assets/../../package.json',
      '/dashboard/assets/../../../secret.txt',
      '/dashboard/../secret.txt',
      '/dashboard/assets/%2e%2e/%2e%2e/package.json',
      '/dashboard/assets/%2E%2E%2F%2E%2E%2Fpackage.json',
      '/dashboard/assets/..%2f..%2fsecret.txt',
      '/dashboard/assets/..%5c..%5csecret.txt',
      '/dashboard/assets/..\\..\\secret.txt',
      '/dashboard/%2e%2e/secret.txt',
      '/dashboard/assets/%252e%252e/secret.txt',
    ];
    for (const path of paths) {
      const { status, body } = await rawGet(path);
      expect(status, path).toBe(404);
      expect(body, path).not.toContain('outside the dashboard');
      expect(body, path).not.toContain('"name": "usage-gateway"');
    }
    // The server does answer: the same server serves the real asset.
    expect((await rawGet('/dashboard/assets/index-AbC123.js')).body).toBe(SCRIPT);
  });
});

describe('the built dashboard', () => {
  let built: string;
  beforeAll(async () => {
    built = await builtDashboard();
  }, 120_000);

  it('serves the page and every asset it names, immutable, with Brotli equal to the file', async () => {
    const yoga = gateway({ dashboardDir: built });
    const page = await (await yoga.fetch(`${ORIGIN}/dashboard/partners?range=7d`)).text();
    const named = [...page.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    expect(named.some((path) => path.endsWith('.js'))).toBe(true);
    // Nothing inline: the CSP allows no inline script or style.
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page).not.toMatch(/<style|\sstyle="/);
    for (const path of named) {
      const response = await yoga.fetch(`${ORIGIN}${path}`, { headers: { 'accept-encoding': 'br' } });
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const file = readFileSync(join(built, path.slice('/dashboard/'.length)));
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(response.headers.get('content-encoding') === 'br' ? brotliDecompressSync(bytes) : bytes).toEqual(file);
    }
  });

  it('keeps its JavaScript within the budget: at most 80 KB gzipped', () => {
    const scripts = readdirSync(join(built, 'assets')).filter((name) => name.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    const gzipped = scripts.reduce((total, name) => total + gzipSync(readFileSync(join(built, 'assets', name)), { level: zlib.Z_BEST_COMPRESSION }).byteLength, 0);
    expect(gzipped).toBeLessThanOrEqual(80 * 1024);
  });
});
