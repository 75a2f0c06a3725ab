import { describe, expect, it } from 'vitest';
import { AuthenticationError, type AuthFailureReason } from '../../../src/edge/identity/errors.js';
import { parseJwks, type KeySet } from '../../../src/edge/identity/jwks.js';
import { createJwtVerifier } from '../../../src/edge/identity/jwt-verifier.js';
import { startTestAuth } from '../../support/jwt.js';
import { AUDIENCE, CapturingLogger, ISSUER, jwksOf, makeKey, NOW_SECONDS, sign, type TestKey } from './identity.fixtures.js';

/** A key set whose every signature check (jose asks it for the key) is counted. */
function countedKeySet(...keys: TestKey[]): KeySet & { checks: number } {
  const set = parseJwks(JSON.stringify(jwksOf(...keys)));
  const counted = { size: set.size, checks: 0, resolve: set.resolve };
  counted.resolve = ((...args: Parameters<KeySet['resolve']>) => {
    counted.checks += 1;
    return set.resolve(...args);
  }) as KeySet['resolve'];
  return counted;
}

/** A verifier over a set that the test can swap, on a clock the test moves. */
function verifierOver(initial: KeySet, verifiedTokens?: number) {
  const state = { keys: initial, nowMs: NOW_SECONDS * 1000 };
  const verify = createJwtVerifier({
    keys: { current: async () => state.keys, peek: () => state.keys, refresh: async () => 'not-now' },
    issuer: ISSUER,
    audience: AUDIENCE,
    clockToleranceSeconds: 30,
    now: () => state.nowMs,
    logger: new CapturingLogger(),
    ...(verifiedTokens === undefined ? {} : { verifiedTokens }),
  });
  return { state, verify };
}

async function reasonOf(attempt: Promise<unknown>): Promise<AuthFailureReason> {
  const error = await attempt.then(() => null, (thrown: unknown) => thrown);
  if (!(error instanceof AuthenticationError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error.reason;
}

describe('verified tokens', () => {
  it('a token that verified is not checked again: one signature check for many requests, the same caller', async () => {
    const key = await makeKey('k1');
    const keys = countedKeySet(key);
    const { verify } = verifierOver(keys);
    const token = await sign(key, { sub: 'dashboard-1', scope: 'usage:read' });
    const callers = [];
    for (let i = 0; i < 5; i += 1) callers.push(await verify(token));
    expect(keys.checks).toBe(1);
    expect(callers.every((caller) => caller.sub === 'dashboard-1' && [...caller.scopes].join(' ') === 'usage:read')).toBe(true);
    expect(Object.isFrozen(callers[4])).toBe(true);
  });

  it('never outlives the token: refused as expired once exp plus the tolerance has passed', async () => {
    const key = await makeKey('k1');
    const { state, verify } = verifierOver(countedKeySet(key));
    const token = await sign(key, { exp: NOW_SECONDS + 60 });
    await verify(token);
    state.nowMs = (NOW_SECONDS + 60 + 29) * 1000;
    expect((await verify(token)).sub).toBe('42');
    state.nowMs = (NOW_SECONDS + 60 + 30) * 1000;
    expect(await reasonOf(verify(token))).toBe('expired');
  });

  it('a new key set verifies every token anew: a withdrawn key stops working at once', async () => {
    const [old, fresh] = [await makeKey('old'), await makeKey('fresh')];
    const { state, verify } = verifierOver(countedKeySet(old, fresh));
    const token = await sign(old);
    await verify(token);
    const rotated = countedKeySet(fresh);
    state.keys = rotated;
    expect(await reasonOf(verify(token))).toBe('unknown-key');
    // The same keys published again are a new set: checked once, then remembered again.
    const republished = countedKeySet(old);
    state.keys = republished;
    await verify(token);
    await verify(token);
    expect(republished.checks).toBe(1);
  });

  it('a refusal is never remembered, and a changed token is another token', async () => {
    const [key, other] = [await makeKey('k1'), await makeKey('other')];
    const keys = countedKeySet(key);
    const { verify } = verifierOver(keys);
    const token = await sign(key);
    await verify(token);
    const forged = await sign({ ...other, kid: 'k1' });
    expect(await reasonOf(verify(forged))).toBe('bad-signature');
    expect(await reasonOf(verify(forged))).toBe('bad-signature');
    const [header, , signature] = token.split('.');
    const raised = `${header}.${Buffer.from(JSON.stringify({ sub: '42', scope: 'partners:read', iss: ISSUER, aud: AUDIENCE, exp: NOW_SECONDS + 3600 })).toString('base64url')}.${signature}`;
    expect(await reasonOf(verify(raised))).toBe('bad-signature');
    expect(keys.checks).toBe(4);
  });

  it('holds at most its capacity, the oldest making way; 0 checks every request', async () => {
    const key = await makeKey('k1');
    const keys = countedKeySet(key);
    const { verify } = verifierOver(keys, 2);
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((sub) => sign(key, { sub })));
    for (const token of [a, b, c, c, b]) await verify(token!);
    expect(keys.checks).toBe(3);
    await verify(a!);
    expect(keys.checks).toBe(4);

    const uncached = countedKeySet(key);
    const off = verifierOver(uncached, 0);
    for (let i = 0; i < 3; i += 1) await off.verify(a!);
    expect(uncached.checks).toBe(3);
  });
});

describe('the authenticator at once, for a remembered token', () => {
  it('knows a token only once it verified, and never beside an API key or for another token', async () => {
    const auth = await startTestAuth([{ name: 'svc', key: 'ugw_remembered_key_0123456789', scopes: ['usage:read'] }], new CapturingLogger());
    try {
      const token = await auth.keys.sign({ sub: 'dashboard-7', scope: 'usage:read' });
      const headers = new Headers({ authorization: `Bearer ${token}` });
      expect(auth.authenticator.remembered(headers)).toBeNull();
      const caller = await auth.authenticator.authenticate(headers);
      expect(auth.authenticator.remembered(headers)).toBe(caller);
      expect(auth.authenticator.remembered(new Headers({ authorization: `Bearer ${token}`, 'x-api-key': 'ugw_remembered_key_0123456789' }))).toBeNull();
      expect(auth.authenticator.remembered(new Headers({ authorization: `Bearer ${await auth.keys.sign({ sub: 'dashboard-8' })}` }))).toBeNull();
      expect(auth.authenticator.remembered(new Headers({ 'x-api-key': 'ugw_remembered_key_0123456789' }))).toBeNull();
      expect(auth.authenticator.remembered(new Headers({ authorization: 'Basic abc' }))).toBeNull();
    } finally {
      await auth.close();
    }
  });
});
