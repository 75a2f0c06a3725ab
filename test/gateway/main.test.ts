import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { GRAPHIQL_DEFAULT_QUERY } from '../../src/schema/graphiql-query.js';
import { bundled } from '../support/bundle.js';
import { graphqlRequest } from '../support/graphql-request.js';
import { untilLogLine } from '../support/processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Plain node on the bundled gateway, as `npm start` runs dist/main.js: one process, so a signal reaches the gateway itself.
const GATEWAY = 'src/main.ts';

/** Starts `src/main.ts` as `npm start` does, on an ephemeral port, and waits for its URL. */
async function startMain(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-main-'));
  const child = spawn(process.execPath, [await bundled(GATEWAY)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { line, stderr } = await untilLogLine(child);
  child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  return { child, url: String(line.url), stderr };
}

describe('the entry point (npm start)', () => {
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('in demo mode serves GraphiQL and the example query answers from all four simulated vendors', async () => {
    const started = await startMain({});
    child = started.child;
    expect(started.stderr()).toContain('demo mode');

    const page = await fetch(started.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('GraphiQL');
    expect(html).toContain('query Overview');
    // Served by the gateway itself, so GraphiQL works offline: no script or style from a CDN.
    expect(html).not.toMatch(/<(script|link)\s[^>]*(src|href)=["']?https?:/);

    const response = await fetch(started.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: GRAPHIQL_DEFAULT_QUERY }),
    });
    const body = (await response.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.providers.map((p: any) => [p.id, p.simulated])).toEqual([
      ['ARRAYS', true],
      ['ANYLAYER', true],
      ['SHARPE', true],
      ['FARADAY', true],
    ]);
    for (const entry of body.data.accounts) {
      expect(entry.error).toBeNull();
      expect(entry.account.fetchedAt).toBeTruthy();
    }
    expect(body.data.partnerUsage.edges.length).toBeGreaterThan(0);
    expect(body.data.apiKeyUsage.timeSeries.length).toBeGreaterThan(0);

    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('refuses to start on bad configuration, listing every bad variable and no secret', async () => {
    const secret = 'sk_live_do_not_print_me_0123';
    const run = spawn(process.execPath, [await bundled(GATEWAY)], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', PORT: 'http', SHARPE_API_KEY: secret, SHARPE_BASE_URL: 'nope' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    run.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(run, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('Invalid configuration');
    expect(stderr).toContain('PORT: expected a whole number');
    expect(stderr).toContain('SHARPE_BASE_URL: expected an http(s) URL');
    expect(stderr).not.toContain(secret);
  });

  it('refuses to start on a vendor file with a mistake, naming file, line and column', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'gateway-main-vendor-'));
    const file = join(folder, 'sharpe.yaml');
    writeFileSync(file, readFileSync(join(ROOT, 'examples/vendors/sharpe.yaml'), 'utf8').replace('tier: usage.data.plan.tier', 'tier: usage.data.plan.teir'));
    const run = spawn(process.execPath, [await bundled(GATEWAY)], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', GATEWAY_DEMO: '1', PORT: '0', VENDOR_FILES: file },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    run.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(run, 'exit');
    rmSync(folder, { recursive: true, force: true });
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:24:11: no example has member "teir" at usage.data.plan; model field account.plan.tier; vendor path usage.data.plan.teir; did you mean usage.data.plan.tier?`);
  });

  it('refuses to serve real vendor credentials to anyone: no auth configured names the variables; AUTH_DISABLED=1 starts with a warning', async () => {
    const secret = 'sk_live_do_not_print_me_0123';
    const run = spawn(process.execPath, [await bundled(GATEWAY)], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', SHARPE_API_KEY: secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    run.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(run, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('SHARPE_API_KEY: vendor credentials with no authentication');
    expect(stderr).toContain('AUTH_JWKS_FILE, AUTH_JWKS_URL or AUTH_API_KEYS_FILE, or AUTH_DISABLED=1');
    expect(stderr).not.toContain(secret);

    // The vendor is unreachable (port 9); the start itself is what this checks.
    const started = await startMain({ SHARPE_API_KEY: secret, SHARPE_BASE_URL: 'http://127.0.0.1:9/api', AUTH_DISABLED: '1' });
    child = started.child;
    expect(started.stderr()).toMatch(/"level":"warn","message":"AUTH_DISABLED=1: authentication is off/);
    expect(started.stderr()).not.toContain(secret);
    // Outside demo mode GraphiQL and introspection are off by default.
    const page = await fetch(started.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('GraphiQL');
    const introspection = await fetch(started.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __schema { types { name } } }' }),
    });
    expect(((await introspection.json()) as any).errors[0].message).toMatch(/introspection/i);
  });

  it('AUTH_DEMO=1: demo mode trusting the demo key pair; a token from `npm run token` shows `me`, none is refused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-auth-demo-'));
    try {
      const started = await startMain({ AUTH_DEMO: '1', DATA_DIR: dataDir });
      child = started.child;
      expect(started.stderr()).toContain('"auth":"on"');
      const post = (query: string, headers: Record<string, string> = {}) => graphqlRequest(globalThis, { url: started.url, query, headers });
      const refused = await post('{ me { sub } }');
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');

      const ops = await token(dataDir, 'partners:read ops:read', 'operator');
      const ledger = async () => ((await post('{ partnerLedger { caughtUp } partnerUsers(first: 1) { edges { node { sub calls } } } }', { authorization: `Bearer ${ops}` })).body as any).data;
      let data = await ledger();
      for (let tries = 0; !data.partnerLedger.caughtUp && tries < 300; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        data = await ledger();
      }
      const heaviest = data.partnerUsers.edges[0].node;
      const mine = await token(dataDir, 'partners:self', heaviest.sub);
      const answer = (await post('{ me { sub calls } }', { authorization: `Bearer ${mine}` })).body as any;
      expect(answer).toEqual({ data: { me: heaviest }, extensions: { cost: { vendorCalls: { estimated: 0, actual: 0 } } } });
      // GraphiQL's page needs no token (its Headers tab carries one for its requests).
      expect((await fetch(started.url, { headers: { accept: 'text/html' } })).status).toBe(200);
    } finally {
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** `npm run -s token -- --scope … --sub …`, as a newcomer runs it, with the gateway's DATA_DIR. */
async function token(dataDir: string, scope: string, sub: string): Promise<string> {
  const run = spawn(process.execPath, [await bundled('scripts/token.ts'), '--scope', scope, '--sub', sub], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  run.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const [code] = await once(run, 'exit');
  expect(code).toBe(0);
  return stdout.trim();
}
