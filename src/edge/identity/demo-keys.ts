/**
 * The demo key pair behind `npm run token` and `AUTH_DEMO=1`: an ES256 pair generated into
 * `<DATA_DIR>/auth-demo/` on first use, so no signing key ever sits in the repository. Anyone who
 * can read DATA_DIR can mint tokens: it is for trying the gateway, never for production.
 */

import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

/** The `iss` of demo tokens; AUTH_DEMO=1 trusts it. */
export const DEMO_ISSUER = 'usage-gateway-demo';
/** The `aud` of demo tokens; AUTH_DEMO=1 requires it. */
export const DEMO_AUDIENCE = 'usage-gateway';

const ALG = 'ES256';

/** What a demo token says: whose it is, what it may do, and for how long. */
export interface DemoClaims {
  /** The token's `sub` (for partners:self, the Arrays partner user's sub). */
  sub: string;
  /** Space-separated scopes. */
  scope: string;
  /** Lifetime in seconds. Default 3600. */
  ttlSeconds?: number;
}

export interface DemoKeys {
  /** The public JWKS, for AUTH_JWKS_FILE. */
  jwksFile: string;
  /** A token for `claims`, signed by the demo private key. */
  sign(claims: DemoClaims): Promise<string>;
}

/** Creates the demo key pair on first use (private key mode 0600), or reads it; writes its public JWKS. */
export async function ensureDemoKeys(dataDir: string): Promise<DemoKeys> {
  const dir = join(dataDir, 'auth-demo');
  const privateFile = join(dir, 'private.jwk.json');
  const jwksFile = join(dir, 'jwks.json');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const privateJwk = await readOrCreatePrivateKey(privateFile);
  const publicJwk: JWK = { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x, y: privateJwk.y };
  const kid = await calculateJwkThumbprint(publicJwk);
  await writeIfChanged(jwksFile, `${JSON.stringify({ keys: [{ ...publicJwk, kid, alg: ALG, use: 'sig' }] }, null, 2)}\n`);
  const key = await importJWK(privateJwk, ALG);

  return {
    jwksFile,
    async sign({ sub, scope, ttlSeconds = 3600 }) {
      if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError('ttlSeconds must be a positive integer');
      const issuedAt = Math.floor(Date.now() / 1000);
      return new SignJWT({ scope })
        .setProtectedHeader({ alg: ALG, kid, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(DEMO_ISSUER)
        .setAudience(DEMO_AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .sign(key);
    },
  };
}

async function readOrCreatePrivateKey(file: string): Promise<JWK> {
  const existing = await readPrivateKey(file);
  if (existing) return existing;
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(await exportJWK(privateKey))}\n`, { mode: 0o600, flag: 'wx' });
  try {
    // link() fails if the file exists: when `npm start` and `npm run token` race on first use, one
    // key wins whole and both use it.
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temporary, { force: true });
  }
  const created = await readPrivateKey(file);
  if (!created) throw new Error(`${file} could not be created`);
  return created;
}

async function readPrivateKey(file: string): Promise<JWK | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    // Never the parser's message: it would quote the private key.
    throw new Error(`${file} is not valid JSON; delete it (and ${join(file, '..', 'jwks.json')}) to generate a new demo key pair`);
  }
  const candidate = jwk as JWK;
  if (candidate?.kty !== 'EC' || candidate.crv !== 'P-256' || typeof candidate.d !== 'string' || typeof candidate.x !== 'string' || typeof candidate.y !== 'string') {
    throw new Error(`${file} is not an ES256 private key; delete it to generate a new demo key pair`);
  }
  return candidate;
}

async function writeIfChanged(file: string, content: string): Promise<void> {
  // Unchanged, it is left alone so a gateway watching it does not reload for nothing.
  if ((await readFile(file, 'utf8').catch(() => null)) === content) return;
  // Through a rename: a reader never sees a half-written file.
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, content, { mode: 0o644 });
  await rename(temporary, file);
}
