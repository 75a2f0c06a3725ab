import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../src/edge/identity/api-keys.js';
import { createAuthenticator, type Authenticator } from '../../../src/edge/identity/authenticator.js';
import { AuthConfigError } from '../../../src/edge/identity/errors.js';
import { tempDir } from '../../support/temp-dir.js';
import { eventually } from '../../support/eventually.js';
import { CapturingLogger, expectNoCredentialIn, expectRefused, jwksOf, makeKey, refusal, replaceFile } from './identity.fixtures.js';

const newKey = () => `sk_${randomBytes(24).toString('base64url')}`;
const dashboardKey = newKey();
const scriptKey = newKey();
const entries = [
  { name: 'dashboard', sha256: hashApiKey(dashboardKey), scopes: ['usage:read', 'ops:read'] },
  { name: 'nightly-script', sha256: hashApiKey(scriptKey).toUpperCase(), scopes: ['partners:read'] },
];

let dir: string;
let cleanup: () => Promise<void>;
let keysFile: string;
let logger: CapturingLogger;
let authenticator: Authenticator | undefined;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('identity-'));
  keysFile = join(dir, 'api-keys.json');
  await writeFile(keysFile, JSON.stringify(entries));
  logger = new CapturingLogger();
});

afterEach(async () => {
  await authenticator?.close();
  authenticator = undefined;
  await cleanup();
});

const withKey = (key: string) => new Headers({ 'x-api-key': key });

describe('API keys', () => {
  it('the right key is its named caller with its scopes; hex case does not matter', async () => {
    authenticator = await createAuthenticator({ apiKeysFile: keysFile, logger });
    const dashboard = await authenticator.authenticate(withKey(dashboardKey));
    expect(dashboard).toMatchObject({ kind: 'api-key', name: 'dashboard', sub: null });
    expect([...dashboard.scopes]).toEqual(['usage:read', 'ops:read']);
    expect((await authenticator.authenticate(withKey(scriptKey))).name).toBe('nightly-script');
  });

  it('a wrong key, an empty one, a key with a bearer token, a token with no JWKS configured', async () => {
    authenticator = await createAuthenticator({ apiKeysFile: keysFile, logger });
    await expectRefused(authenticator, withKey(newKey()), 'unknown-api-key');
    await expectRefused(authenticator, withKey(`${dashboardKey}x`), 'unknown-api-key');
    await expectRefused(authenticator, withKey(''), 'malformed');
    await expectRefused(authenticator, new Headers({ 'x-api-key': dashboardKey, authorization: 'Bearer a.b.c' }), 'both-credentials');
    await expectRefused(authenticator, new Headers({ authorization: 'Bearer a.b.c' }), 'unknown-key');
    await expectRefused(authenticator, new Headers(), 'missing');
  });

  it('revoked: removed from the file, refused after reload()', async () => {
    authenticator = await createAuthenticator({ apiKeysFile: keysFile, logger, filePollIntervalMs: 60_000 });
    await replaceFile(keysFile, JSON.stringify(entries.slice(1)));
    expect((await authenticator.authenticate(withKey(dashboardKey))).name).toBe('dashboard');
    await authenticator.reload();
    await expectRefused(authenticator, withKey(dashboardKey), 'unknown-api-key');
    expect((await authenticator.authenticate(withKey(scriptKey))).name).toBe('nightly-script');
    expect(logger.lines.at(-1)).toMatchObject({ level: 'info', message: 'auth file reloaded', fields: { variable: 'AUTH_API_KEYS_FILE', keys: 1, names: ['nightly-script'] } });
  });

  it('revoked: refused after the file changes, without reload() (an editor replacing the file)', async () => {
    authenticator = await createAuthenticator({ apiKeysFile: keysFile, logger, filePollIntervalMs: 50, fileDebounceMs: 20 });
    await replaceFile(keysFile, JSON.stringify(entries.slice(1)));
    await eventually(async () => (await refusal(authenticator!, withKey(dashboardKey)).catch(() => null))?.reason === 'unknown-api-key', { withinMs: 10_000 });
    // A key added the same way is picked up the same way: the watcher survived the replacement.
    const added = newKey();
    await replaceFile(keysFile, JSON.stringify([...entries.slice(1), { name: 'added', sha256: hashApiKey(added), scopes: [] }]));
    await eventually(async () => (await authenticator!.authenticate(withKey(added)).catch(() => null))?.name === 'added', { withinMs: 10_000 });
  });

  it('a file made invalid keeps the previous keys, logs an error naming the variable, and recovers', async () => {
    authenticator = await createAuthenticator({ apiKeysFile: keysFile, logger, filePollIntervalMs: 60_000 });
    for (const broken of ['', '[{"name": "dash', JSON.stringify([{ name: 'x', sha256: dashboardKey, scopes: [] }]), '{}']) {
      await replaceFile(keysFile, broken);
      await authenticator.reload();
      expect(logger.lines.at(-1)).toMatchObject({ level: 'error', message: 'auth file invalid: keeping its previous content', fields: { variable: 'AUTH_API_KEYS_FILE' } });
      expect((await authenticator.authenticate(withKey(dashboardKey))).name).toBe('dashboard');
    }
    await replaceFile(keysFile, JSON.stringify(entries.slice(1)));
    await authenticator.reload();
    await expectRefused(authenticator, withKey(dashboardKey), 'unknown-api-key');
  });

  it('a deleted file keeps the previous keys', async () => {
    authenticator = await createAuthenticator({ apiKeysFile: keysFile, logger, filePollIntervalMs: 60_000 });
    await cleanup();
    await authenticator.reload();
    expect(logger.lines.at(-1)?.fields.problem).toBe(`${keysFile} does not exist`);
    expect((await authenticator.authenticate(withKey(dashboardKey))).name).toBe('dashboard');
  });

  it('an unknown scope is kept, and named in the log as a likely typo', async () => {
    await writeFile(keysFile, JSON.stringify([{ name: 'typo', sha256: hashApiKey(dashboardKey), scopes: ['partner:read'] }]));
    authenticator = await createAuthenticator({ apiKeysFile: keysFile, logger });
    expect([...(await authenticator.authenticate(withKey(dashboardKey))).scopes]).toEqual(['partner:read']);
    expect(logger.lines[0]?.fields.unknownScopes).toEqual(['partner:read']);
  });

  it('no key ever appears in a refusal or a log line', async () => {
    authenticator = await createAuthenticator({ apiKeysFile: keysFile, logger, filePollIntervalMs: 60_000 });
    const wrong = newKey();
    const messages = [(await refusal(authenticator, withKey(wrong))).message];
    await authenticator.authenticate(withKey(dashboardKey));
    await replaceFile(keysFile, JSON.stringify([{ name: 'pasted-the-key', sha256: scriptKey, scopes: [] }]));
    await authenticator.reload();
    expectNoCredentialIn(`${messages.join('\n')}\n${logger.text()}`, [dashboardKey, scriptKey, wrong]);
  });
});

describe('start-time checks of the files', () => {
  const startWith = async (file: { apiKeys?: unknown; jwks?: unknown }) => {
    const apiKeysFile = join(dir, 'keys.json');
    const jwksFile = join(dir, 'jwks.json');
    if (file.apiKeys !== undefined) await writeFile(apiKeysFile, typeof file.apiKeys === 'string' ? file.apiKeys : JSON.stringify(file.apiKeys));
    if (file.jwks !== undefined) await writeFile(jwksFile, typeof file.jwks === 'string' ? file.jwks : JSON.stringify(file.jwks));
    const error = await createAuthenticator({
      ...(file.apiKeys === undefined ? {} : { apiKeysFile }),
      ...(file.jwks === undefined ? {} : { jwksFile }),
      logger,
    }).then(
      (created) => created.close().then(() => null),
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(AuthConfigError);
    return (error as AuthConfigError).message;
  };
  const entry = { name: 'ok', sha256: hashApiKey(dashboardKey), scopes: ['usage:read'] };

  it.each([
    ['not JSON', '[{"name": "a", "sha256": "', /^AUTH_API_KEYS_FILE: \S+keys\.json is not valid JSON$/],
    ['not an array', { keys: [] }, /is invalid: expected a JSON array/],
    ['an empty name', [{ ...entry, name: ' ' }], /invalid entry 0: name must be a non-empty string/],
    ['a key in place of its hash', [{ ...entry, sha256: dashboardKey }], /invalid entry 0 \(name "ok"\): sha256 must be 64 hexadecimal characters/],
    ['scopes not an array', [{ ...entry, scopes: 'usage:read' }], /invalid entry 0 \(name "ok"\): scopes must be an array of strings/],
    ['a scope not a string', [{ ...entry, scopes: [1] }], /invalid entry 0 \(name "ok"\)/],
    ['a duplicate name', [entry, { ...entry, sha256: hashApiKey(scriptKey) }], /invalid entry 1: the name "ok" is used twice/],
    ['a duplicate hash', [entry, { ...entry, name: 'other', sha256: entry.sha256.toUpperCase() }], /invalid entry 1 \(name "other"\): the same key hash/],
  ])('AUTH_API_KEYS_FILE with %s', async (_, content, message) => {
    const text = await startWith({ apiKeys: content });
    expect(text).toMatch(/^AUTH_API_KEYS_FILE: /);
    expect(text).toMatch(message);
    expectNoCredentialIn(text, [dashboardKey]);
  });

  it('a missing file names the variable and the path', async () => {
    await expect(createAuthenticator({ apiKeysFile: join(dir, 'nope.json'), logger })).rejects.toThrow(`AUTH_API_KEYS_FILE: ${join(dir, 'nope.json')} does not exist`);
    await expect(createAuthenticator({ jwksFile: join(dir, 'nope.json'), logger })).rejects.toThrow(`AUTH_JWKS_FILE: ${join(dir, 'nope.json')} does not exist`);
  });

  it('AUTH_JWKS_FILE: not JSON, not a JWKS, no keys, a private key, a symmetric key, a short RSA key, a foreign alg', async () => {
    const key = await makeKey('k1');
    const { generateKeyPairSync } = await import('node:crypto');
    const shortRsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    const cases: [unknown, RegExp][] = [
      ['{"keys": [', /is not valid JSON$/],
      [[], /is not a JWKS/],
      [{ keys: [] }, /has no keys/],
      [{ keys: [{ ...key.publicJwk, d: 'c2VjcmV0LXByaXZhdGUtc2NhbGFy' }] }, /invalid key 0 \(kid "k1"\): it holds private key material/],
      [{ keys: [{ kty: 'oct', k: 'c2VjcmV0LXN5bW1ldHJpYy1rZXk', kid: 'hmac' }] }, /invalid key 0 \(kid "hmac"\): kty must be RSA, EC or OKP/],
      [{ keys: [{ ...shortRsa, kid: 'short' }] }, /invalid key 0 \(kid "short"\): RSA keys must have at least 2048 bits/],
      [{ keys: [{ ...key.publicJwk, alg: 'HS256' }] }, /alg must be one of RS256, PS256, ES256, EdDSA/],
      [{ keys: [{ ...key.publicJwk, x: 'AAAA' }] }, /not a valid public key/],
    ];
    for (const [jwks, message] of cases) {
      const text = await startWith({ jwks });
      expect(text).toMatch(/^AUTH_JWKS_FILE: /);
      expect(text).toMatch(message);
      expectNoCredentialIn(text, ['c2VjcmV0LXByaXZhdGUtc2NhbGFy', 'c2VjcmV0LXN5bW1ldHJpYy1rZXk']);
    }
  });

  it('a good JWKS file with a bad keys file: the error names the keys file', async () => {
    const text = await startWith({ jwks: jwksOf(await makeKey('k1')), apiKeys: '{' });
    expect(text).toMatch(/^AUTH_API_KEYS_FILE: /);
  });

  it('no credential source at all', async () => {
    await expect(createAuthenticator({ logger })).rejects.toThrow(/AUTH_JWKS_URL or AUTH_API_KEYS_FILE/);
  });
});
