import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../src/edge/identity/authenticator.js';
import { DEMO_AUDIENCE, DEMO_ISSUER, ensureDemoKeys } from '../../../src/edge/identity/demo-keys.js';
import { bundled } from '../../support/bundle.js';
import { tempDir } from '../../support/temp-dir.js';
import { bearerHeaders, CapturingLogger } from './identity.fixtures.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const run = promisify(execFile);

let dataDir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir: dataDir, cleanup } = await tempDir('identity-'));
});
afterAll(() => cleanup());

/** Runs the script as `npm run token` does, with DATA_DIR pointing at the temp directory. */
async function token(args: string[], env: Record<string, string> = { DATA_DIR: dataDir }) {
  // Plain node on the bundled script: no tsx compile at each of the runs.
  return run(process.execPath, [await bundled('scripts/token.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('npm run token', () => {
  it('prints only a token, which the generated jwks.json verifies', async () => {
    const { code, stdout, stderr } = await token(['--scope', 'partners:self usage:read', '--sub', '18446744073709551615', '--ttl', '600']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const jwt = stdout.trim();
    const jwksFile = join(dataDir, 'auth-demo', 'jwks.json');
    const jwks = JSON.parse(await readFile(jwksFile, 'utf8'));
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), { issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE, algorithms: ['ES256'] });
    expect(payload).toMatchObject({ sub: '18446744073709551615', scope: 'partners:self usage:read' });
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: jwks.keys[0].kid });

    const authenticator = await createAuthenticator({ jwksFile, issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE, logger: new CapturingLogger() });
    try {
      const caller = await authenticator.authenticate(bearerHeaders(jwt));
      expect(caller).toMatchObject({ kind: 'jwt', sub: '18446744073709551615' });
      expect([...caller.scopes]).toEqual(['partners:self', 'usage:read']);
    } finally {
      await authenticator.close();
    }
  });

  it('keeps one key pair: the private key 0600, the public JWKS holding no private part', async () => {
    const first = decodeProtectedHeader((await token(['--scope', 'ops:read', '--sub', 'a'])).stdout.trim()).kid;
    const second = decodeProtectedHeader((await token(['--scope', 'ops:read', '--sub', 'b', '--data-dir', dataDir], {})).stdout.trim()).kid;
    expect(second).toBe(first);
    expect((await stat(join(dataDir, 'auth-demo', 'private.jwk.json'))).mode & 0o777).toBe(0o600);
    const jwks = JSON.parse(await readFile(join(dataDir, 'auth-demo', 'jwks.json'), 'utf8'));
    expect(jwks.keys).toHaveLength(1);
    expect(Object.keys(jwks.keys[0]).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  });

  it.each([
    [['--sub', 'a'], /--scope is required/],
    [['--scope', 'ops:read'], /--sub is required/],
    [['--scope', 'ops:read partners:write', '--sub', 'a'], /unknown scope "partners:write"/],
    [['--scope', 'ops:read', '--sub', 'a', '--ttl', '1h'], /--ttl must be a whole number/],
    [['--scope', 'ops:read', '--sub', 'a', '--ttl', '0'], /--ttl must be a whole number/],
    [['--scope', 'ops:read', '--sub', 'a', '--audience', 'x'], /Unknown option '--audience'/],
    [['--scope', 'ops:read', '--sub', 'a', 'stray'], /positional/],
  ])('usage error for %j: exit 2, nothing on stdout', async (args, message) => {
    const { code, stdout, stderr } = await token(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/^usage: /m);
  });
});

describe('ensureDemoKeys', () => {
  it('concurrent first uses agree on one key pair', async () => {
    const { dir, cleanup: remove } = await tempDir('identity-');
    try {
      const sets = await Promise.all(Array.from({ length: 5 }, () => ensureDemoKeys(dir)));
      const kids = await Promise.all(sets.map(async (keys) => decodeProtectedHeader(await keys.sign({ sub: 's', scope: 'ops:read' })).kid));
      expect(new Set(kids).size).toBe(1);
    } finally {
      await remove();
    }
  });
});
