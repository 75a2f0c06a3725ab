import { createPublicKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator, type Authenticator } from '../../../src/edge/identity/authenticator.js';
import { ANONYMOUS_CALLER, SCOPES } from '../../../src/common/caller.js';
import { AUTHENTICATION_REQUIRED_MESSAGE, type AuthFailureReason } from '../../../src/edge/identity/errors.js';
import { tempDir } from '../../support/temp-dir.js';
import { AUDIENCE, base64url, bearerHeaders, CapturingLogger, expectNoCredentialIn, expectRefused, ISSUER, jwksOf, makeKey, NOW_SECONDS, replaceFile, sign, type TestKey } from './identity.fixtures.js';

let trusted: TestKey;
let other: TestKey;
let authenticator: Authenticator;
let jwksFile: string;
let cleanup: () => Promise<void>;
const logger = new CapturingLogger();
const presented: string[] = [];
const refusalMessages: string[] = [];

beforeAll(async () => {
  trusted = await makeKey('trusted-1');
  other = await makeKey('other-1');
  const temp = await tempDir('identity-');
  cleanup = temp.cleanup;
  jwksFile = join(temp.dir, 'jwks.json');
  await writeFile(jwksFile, JSON.stringify(jwksOf(trusted)));
  authenticator = await createAuthenticator({ jwksFile, issuer: ISSUER, audience: AUDIENCE, logger, now: () => NOW_SECONDS * 1000 });
});

afterAll(async () => {
  await authenticator.close();
  await cleanup();
});

async function refused(token: string, reason: AuthFailureReason): Promise<void> {
  presented.push(token);
  const error = await expectRefused(authenticator, bearerHeaders(token), reason);
  refusalMessages.push(error.message);
}

async function accepted(token: string) {
  presented.push(token);
  return authenticator.authenticate(bearerHeaders(token));
}

function withPayload(token: string, payload: object): string {
  const [header, , signature] = token.split('.');
  return `${header}.${base64url(JSON.stringify(payload))}.${signature}`;
}

describe('the attack table', () => {
  it('no credential: missing', async () => {
    await expectRefused(authenticator, new Headers(), 'missing');
  });

  it('malformed: garbage, two parts, non-JSON parts, another scheme, no token', async () => {
    await refused('garbage', 'malformed');
    await refused('abc.def', 'malformed');
    await refused('a.b.c', 'malformed');
    await refused(`${base64url('not json')}.${base64url('{}')}.${base64url('sig')}`, 'malformed');
    const good = await sign(trusted);
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', `Bearer ${good} extra`]) {
      await expectRefused(authenticator, new Headers({ authorization }), 'malformed');
    }
  });

  it('expired, beyond the clock tolerance', async () => {
    await refused(await sign(trusted, { exp: NOW_SECONDS - 31 }), 'expired');
  });

  it('expired within the tolerance (30 s by default) is accepted', async () => {
    expect((await accepted(await sign(trusted, { exp: NOW_SECONDS - 29 }))).sub).toBe('42');
  });

  it('not yet valid (nbf), beyond the tolerance; within it accepted', async () => {
    await refused(await sign(trusted, { nbf: NOW_SECONDS + 31 }), 'not-yet-valid');
    expect((await accepted(await sign(trusted, { nbf: NOW_SECONDS + 29 }))).sub).toBe('42');
  });

  it('wrong issuer, or none', async () => {
    await refused(await sign(trusted, { iss: 'https://evil.test/' }), 'wrong-issuer');
    await refused(await sign(trusted, { iss: undefined }), 'wrong-issuer');
  });

  it('wrong audience, or none; an audience list holding ours is accepted', async () => {
    await refused(await sign(trusted, { aud: 'another-service' }), 'wrong-audience');
    await refused(await sign(trusted, { aud: undefined }), 'wrong-audience');
    expect((await accepted(await sign(trusted, { aud: ['another-service', AUDIENCE] }))).kind).toBe('jwt');
  });

  it('tampered payload: scope raised, sub changed', async () => {
    const token = await sign(trusted);
    await refused(withPayload(token, { sub: '42', scope: 'partners:read ops:read', iss: ISSUER, aud: AUDIENCE, exp: NOW_SECONDS + 3600 }), 'bad-signature');
    await refused(withPayload(token, { sub: '43', scope: 'partners:self', iss: ISSUER, aud: AUDIENCE, exp: NOW_SECONDS + 3600 }), 'bad-signature');
    const [header, , signature] = token.split('.');
    await refused(`${header}.${base64url('not json')}.${signature}`, 'bad-signature');
  });

  it('signed by another key under the trusted kid', async () => {
    await refused(await sign(other, {}, { kid: trusted.kid }), 'bad-signature');
  });

  it('unknown kid', async () => {
    await refused(await sign(other), 'unknown-key');
  });

  it('alg none, whatever else the token says', async () => {
    const payload = base64url(JSON.stringify({ sub: '42', scope: 'partners:read', iss: ISSUER, aud: AUDIENCE, exp: NOW_SECONDS + 3600 }));
    for (const alg of ['none', 'None', 'NONE']) {
      const header = base64url(JSON.stringify({ alg, typ: 'JWT', kid: trusted.kid }));
      await refused(`${header}.${payload}.`, 'algorithm-refused');
      await refused(`${header}.${payload}.${base64url('x')}`, 'algorithm-refused');
    }
  });

  it('HS256 signed with the public key bytes as the secret (PEM and JWK text)', async () => {
    const pem = createPublicKey({ key: trusted.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    for (const secret of [pem, JSON.stringify(trusted.publicJwk)]) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const token = await new SignJWT({ sub: '42', scope: 'partners:read', iss: ISSUER, aud: AUDIENCE, exp: NOW_SECONDS + 3600 })
          .setProtectedHeader({ alg, kid: trusted.kid })
          .sign(new TextEncoder().encode(secret));
        await refused(token, 'algorithm-refused');
      }
    }
  });

  it('an asymmetric algorithm outside the list (ES384)', async () => {
    const { privateKey } = await generateKeyPair('ES384');
    const token = await new SignJWT({ sub: '42', exp: NOW_SECONDS + 3600, iss: ISSUER, aud: AUDIENCE }).setProtectedHeader({ alg: 'ES384', kid: trusted.kid }).sign(privateKey);
    await refused(token, 'algorithm-refused');
  });

  it('both a bearer token and an API key', async () => {
    const token = await sign(trusted);
    presented.push(token);
    const error = await expectRefused(authenticator, new Headers({ authorization: `Bearer ${token}`, 'x-api-key': 'sk_test_both_credentials_1234' }), 'both-credentials');
    refusalMessages.push(error.message);
    expect(error.message).toMatch(/not both/);
  });

  it('claims a caller cannot be made of: sub not a string, empty, missing; no exp; scope not a string', async () => {
    await refused(await sign(trusted, { sub: 42 as never }), 'malformed');
    await refused(await sign(trusted, { sub: '' }), 'malformed');
    await refused(await sign(trusted, { sub: undefined }), 'malformed');
    await refused(await sign(trusted, { exp: undefined }), 'malformed');
    await refused(await sign(trusted, { exp: 'tomorrow' as never }), 'malformed');
    await refused(await sign(trusted, { scope: ['partners:read'] as never }), 'malformed');
    await refused(await sign(trusted, { scp: [1, 2] as never }), 'malformed');
  });

  it('every refusal says the same generic thing; no message and no log line holds a token', () => {
    expect(new Set(refusalMessages.filter((message) => !/not both/.test(message)))).toEqual(new Set([AUTHENTICATION_REQUIRED_MESSAGE]));
    expectNoCredentialIn(`${refusalMessages.join('\n')}\n${logger.text()}`, presented);
  });
});

describe('a verified token', () => {
  it('is a jwt caller named by its sub, exactly as sent', async () => {
    const sub = '18446744073709551615';
    const caller = await accepted(await sign(trusted, { sub }));
    expect(caller).toMatchObject({ kind: 'jwt', name: sub, sub });
  });

  it('scopes from `scope` (space-separated), `scp` (array or string), and both; unknown kept', async () => {
    const scopesOf = async (claims: object) => [...(await accepted(await sign(trusted, { scope: undefined, ...claims }))).scopes].sort();
    expect(await scopesOf({ scope: 'usage:read  partners:self' })).toEqual(['partners:self', 'usage:read']);
    expect(await scopesOf({ scp: ['ops:read', 'partners:read'] })).toEqual(['ops:read', 'partners:read']);
    expect(await scopesOf({ scp: 'ops:read usage:read' })).toEqual(['ops:read', 'usage:read']);
    expect(await scopesOf({ scope: 'usage:read', scp: ['ops:read', 'usage:read', 'openid'] })).toEqual(['openid', 'ops:read', 'usage:read']);
    expect(await scopesOf({})).toEqual([]);
  });

  it.each(['RS256', 'PS256', 'EdDSA'] as const)('is accepted when signed with %s', async (alg) => {
    const temp = await tempDir('identity-');
    const key = await makeKey(`key-${alg}`, alg);
    const file = join(temp.dir, 'jwks.json');
    await writeFile(file, JSON.stringify(jwksOf(key)));
    const local = await createAuthenticator({ jwksFile: file, logger: new CapturingLogger(), now: () => NOW_SECONDS * 1000 });
    try {
      expect((await local.authenticate(bearerHeaders(await sign(key)))).sub).toBe('42');
    } finally {
      await local.close();
      await temp.cleanup();
    }
  });

  it('without a kid, among several keys, by the one that verifies', async () => {
    const temp = await tempDir('identity-');
    const [first, second] = [await makeKey('a'), await makeKey('b')];
    const file = join(temp.dir, 'jwks.json');
    const noKid = (key: TestKey) => ({ ...key.publicJwk, kid: undefined });
    await writeFile(file, JSON.stringify({ keys: [noKid(first), noKid(second)] }));
    const local = await createAuthenticator({ jwksFile: file, logger: new CapturingLogger(), now: () => NOW_SECONDS * 1000 });
    try {
      expect((await local.authenticate(bearerHeaders(await sign(second, {}, { kid: null })))).sub).toBe('42');
      await expectRefused(local, bearerHeaders(await sign(other, {}, { kid: null })), 'bad-signature');
    } finally {
      await local.close();
      await temp.cleanup();
    }
  });
});

describe('the JWKS file', () => {
  it('a new key is trusted after reload(); an invalid file keeps the old keys', async () => {
    const temp = await tempDir('identity-');
    const [first, second] = [await makeKey('first'), await makeKey('second')];
    const file = join(temp.dir, 'jwks.json');
    await writeFile(file, JSON.stringify(jwksOf(first)));
    const log = new CapturingLogger();
    const local = await createAuthenticator({ jwksFile: file, logger: log, now: () => NOW_SECONDS * 1000, filePollIntervalMs: 60_000 });
    try {
      await expectRefused(local, bearerHeaders(await sign(second)), 'unknown-key');
      await replaceFile(file, JSON.stringify(jwksOf(first, second)));
      await local.reload();
      expect((await local.authenticate(bearerHeaders(await sign(second)))).sub).toBe('42');

      await replaceFile(file, '{"keys": [');
      await local.reload();
      expect(log.messages('error')).toEqual(['auth file invalid: keeping its previous content']);
      expect(log.lines.at(-1)?.fields).toMatchObject({ variable: 'AUTH_JWKS_FILE' });
      expect((await local.authenticate(bearerHeaders(await sign(first)))).sub).toBe('42');
    } finally {
      await local.close();
      await temp.cleanup();
    }
  });
});

it('the anonymous caller holds every scope', () => {
  expect(ANONYMOUS_CALLER).toMatchObject({ kind: 'anonymous', name: null, sub: null });
  expect([...ANONYMOUS_CALLER.scopes]).toEqual([...SCOPES]);
});
