import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { createAuthenticator, type Authenticator, type AuthenticatorOptions } from '../../src/edge/identity/authenticator.js';

export const ISSUER = 'https://idp.test/';
export const AUDIENCE = 'usage-gateway-test';

/** A signing key made for this test run, and the JWKS file that trusts it. */
export interface TestKeys {
  jwksFile: string;
  kid: string;
  publicJwk: JWK;
  /** A token signed by the trusted key; `claims` over sub/iss/aud/iat/exp defaults. */
  sign(claims?: JWTPayload, header?: { kid?: string }): Promise<string>;
  /** A token signed by another key, announcing the trusted key's kid. */
  signWithOtherKey(claims?: JWTPayload): Promise<string>;
  cleanup(): Promise<void>;
}

function defaults(claims: JWTPayload): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 600, ...claims };
}

async function signer(privateKey: CryptoKey, kid: string, claims: JWTPayload): Promise<string> {
  return new SignJWT(defaults(claims)).setProtectedHeader({ alg: 'ES256', kid }).sign(privateKey);
}

export async function makeTestKeys(): Promise<TestKeys> {
  const dir = await mkdtemp(join(tmpdir(), 'jwks-'));
  const trusted = await generateKeyPair('ES256', { extractable: true });
  const other = await generateKeyPair('ES256', { extractable: true });
  const kid = `test-${process.pid}-${Date.now()}`;
  const publicJwk = { ...(await exportJWK(trusted.publicKey)), kid, alg: 'ES256', use: 'sig' };
  const jwksFile = join(dir, 'jwks.json');
  await writeFile(jwksFile, JSON.stringify({ keys: [publicJwk] }));
  return {
    jwksFile,
    kid,
    publicJwk,
    sign: (claims = {}, header = {}) => signer(trusted.privateKey, header.kid ?? kid, claims),
    signWithOtherKey: (claims = {}) => signer(other.privateKey, kid, claims),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A token with `alg: none`: a header and payload, no signature. */
export function unsignedToken(claims: JWTPayload): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(defaults(claims))}.`;
}

/** An HS256 token whose secret is the trusted public key's JSON: the classic algorithm-confusion attack. */
export async function hmacWithPublicKey(publicJwk: JWK, claims: JWTPayload): Promise<string> {
  const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
  return new SignJWT(defaults(claims)).setProtectedHeader({ alg: 'HS256', kid: publicJwk.kid }).sign(secret);
}

/** The token with its payload changed and its signature kept. */
export function tamperedToken(token: string, claims: JWTPayload): string {
  const [header, payload, signature] = token.split('.');
  const changed = { ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), ...claims };
  return `${header}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`;
}

/** An API key as a keys file lists it, with the key itself for the test to send. */
export interface TestApiKey {
  name: string;
  key: string;
  scopes: string[];
}

/** The keys file line of a key: its SHA-256, never the key. */
export function apiKeyEntry({ name, key, scopes }: TestApiKey) {
  return { name, sha256: createHash('sha256').update(key).digest('hex'), scopes };
}

/** An authenticator over per-run signing keys and an API keys file, as a gateway with auth on has. */
export interface TestAuth {
  keys: TestKeys;
  authenticator: Authenticator;
  /** A directory of this auth's own, its keys file inside; removed by `close`. */
  dir: string;
  apiKeysFile: string;
  /** Rewrites the keys file (the authenticator sees it on reload or on change). */
  writeApiKeys(apiKeys: readonly TestApiKey[]): Promise<void>;
  close(): Promise<void>;
}

export async function startTestAuth(apiKeys: readonly TestApiKey[], logger: AuthenticatorOptions['logger']): Promise<TestAuth> {
  const keys = await makeTestKeys();
  const dir = await mkdtemp(join(tmpdir(), 'test-auth-'));
  const apiKeysFile = join(dir, 'api-keys.json');
  const writeApiKeys = (list: readonly TestApiKey[]) => writeFile(apiKeysFile, JSON.stringify(list.map(apiKeyEntry)));
  await writeApiKeys(apiKeys);
  const authenticator = await createAuthenticator({ jwksFile: keys.jwksFile, issuer: ISSUER, audience: AUDIENCE, apiKeysFile, logger });
  return {
    keys,
    authenticator,
    dir,
    apiKeysFile,
    writeApiKeys,
    async close() {
      await authenticator.close();
      await keys.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
