import { afterEach, describe, expect, it } from 'vitest';
import { createAuthenticator, type Authenticator } from '../../../src/edge/identity/authenticator.js';
import { AuthConfigError } from '../../../src/edge/identity/errors.js';
import { bearerHeaders, CapturingLogger, expectNoCredentialIn, expectRefused, jwksOf, makeKey, NOW_SECONDS, sign, startJwksServer, type JwksServer } from './identity.fixtures.js';

const COOLDOWN_MS = 30_000;
let server: JwksServer | undefined;
let authenticator: Authenticator | undefined;

afterEach(async () => {
  await authenticator?.close();
  await server?.close();
  authenticator = undefined;
  server = undefined;
});

/** A fake clock: the cooldown and the age of keys are measured on it, so no test waits for them. */
function clock() {
  const state = { time: NOW_SECONDS * 1000 };
  return { now: () => state.time, advance: (ms: number) => void (state.time += ms) };
}

describe('a JWKS URL', () => {
  it('is fetched once at start and then served from the cache', async () => {
    const key = await makeKey('k1');
    server = await startJwksServer(jwksOf(key));
    const { now } = clock();
    authenticator = await createAuthenticator({ jwksUrl: server.url, logger: new CapturingLogger(), now });
    expect(server.hits).toBe(1);
    for (let i = 0; i < 5; i += 1) expect((await authenticator.authenticate(bearerHeaders(await sign(key)))).sub).toBe('42');
    expect(server.hits).toBe(1);
  });

  it('rotation: a new kid is picked up without a restart, with one fetch', async () => {
    const [old, rotated] = [await makeKey('2024-01'), await makeKey('2024-07')];
    server = await startJwksServer(jwksOf(old));
    const { now, advance } = clock();
    authenticator = await createAuthenticator({ jwksUrl: server.url, logger: new CapturingLogger(), now });
    expect((await authenticator.authenticate(bearerHeaders(await sign(old)))).sub).toBe('42');

    server.jwks = jwksOf(old, rotated);
    advance(COOLDOWN_MS);
    expect((await authenticator.authenticate(bearerHeaders(await sign(rotated)))).sub).toBe('42');
    expect(server.hits).toBe(2);
    expect((await authenticator.authenticate(bearerHeaders(await sign(rotated)))).sub).toBe('42');
    expect((await authenticator.authenticate(bearerHeaders(await sign(old)))).sub).toBe('42');
    expect(server.hits).toBe(2);
  });

  it('cooldown: a flood of unknown kids costs at most one fetch per cooldown', async () => {
    const [key, attacker] = [await makeKey('real'), await makeKey('unused')];
    server = await startJwksServer(jwksOf(key));
    const { now, advance } = clock();
    authenticator = await createAuthenticator({ jwksUrl: server.url, logger: new CapturingLogger(), now });
    const flood = async (count: number) => {
      const tokens = await Promise.all(Array.from({ length: count }, (_, i) => sign(attacker, {}, { kid: `bogus-${i}` })));
      await Promise.all(tokens.map((token) => expectRefused(authenticator!, bearerHeaders(token), 'unknown-key')));
    };

    await flood(100);
    expect(server.hits).toBe(1);
    advance(COOLDOWN_MS - 1);
    await flood(100);
    expect(server.hits).toBe(1);
    advance(1);
    // Concurrent: they share the one fetch the cooldown allows.
    await flood(100);
    expect(server.hits).toBe(2);
    await flood(100);
    expect(server.hits).toBe(2);
  });

  it('a failed fetch starts the cooldown too, so a provider that is down is not hammered', async () => {
    const [key, rotated] = [await makeKey('real'), await makeKey('new')];
    server = await startJwksServer(jwksOf(key));
    const { now, advance } = clock();
    const logger = new CapturingLogger();
    authenticator = await createAuthenticator({ jwksUrl: server.url, logger, now });
    server.mode = 'error';
    advance(COOLDOWN_MS);
    await expectRefused(authenticator, bearerHeaders(await sign(rotated)), 'keys-unavailable');
    expect(server.hits).toBe(2);
    for (let i = 0; i < 20; i += 1) await expectRefused(authenticator, bearerHeaders(await sign(rotated)), 'unknown-key');
    expect(server.hits).toBe(2);
    // The keys held still verify while the provider is down.
    expect((await authenticator.authenticate(bearerHeaders(await sign(key)))).sub).toBe('42');
    expect(logger.lines.find((line) => line.level === 'warn')).toMatchObject({ message: 'JWKS fetch failed', fields: { problem: 'answered HTTP 503' } });
  });

  it('deadline: a JWKS server that never answers gives keys-unavailable within the deadline', async () => {
    const key = await makeKey('k1');
    server = await startJwksServer(jwksOf(key));
    server.mode = 'hang';
    const { now, advance } = clock();
    const logger = new CapturingLogger();
    const startedAt = Date.now();
    authenticator = await createAuthenticator({ jwksUrl: server.url, jwksTimeoutMs: 300, logger, now });
    advance(COOLDOWN_MS);
    await expectRefused(authenticator, bearerHeaders(await sign(key)), 'keys-unavailable');
    // Two fetches of 300 ms each; the bound is generous so a loaded machine does not fail it.
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(server.hits).toBe(2);
    expect(logger.lines.filter((line) => line.level === 'warn').map((line) => line.fields.problem)).toEqual(['no answer within 300 ms', 'no answer within 300 ms']);

    server.mode = 'ok';
    advance(COOLDOWN_MS);
    expect((await authenticator.authenticate(bearerHeaders(await sign(key)))).sub).toBe('42');
  });

  it('keys older than the maximum age are fetched again; a withdrawn key stops verifying', async () => {
    const [withdrawn, kept] = [await makeKey('withdrawn'), await makeKey('kept')];
    server = await startJwksServer(jwksOf(withdrawn, kept));
    const { now, advance } = clock();
    authenticator = await createAuthenticator({ jwksUrl: server.url, jwksMaxAgeMs: 600_000, logger: new CapturingLogger(), now });
    expect((await authenticator.authenticate(bearerHeaders(await sign(withdrawn)))).sub).toBe('42');
    server.jwks = jwksOf(kept);
    advance(600_000);
    await expectRefused(authenticator, bearerHeaders(await sign(withdrawn)), 'unknown-key');
    expect(server.hits).toBe(2);
    expect((await authenticator.authenticate(bearerHeaders(await sign(kept)))).sub).toBe('42');
  });

  it('an invalid answer keeps the keys held and says why in the log, quoting no key', async () => {
    const key = await makeKey('k1');
    server = await startJwksServer(jwksOf(key));
    const { now, advance } = clock();
    const logger = new CapturingLogger();
    authenticator = await createAuthenticator({ jwksUrl: server.url, logger, now });
    const { publicJwk } = await makeKey('k2');
    const leakedPrivate = { ...publicJwk, d: 'cHJpdmF0ZS1rZXktbWF0ZXJpYWwtbmV2ZXItbG9nZ2Vk' };
    server.jwks = { keys: [leakedPrivate] };
    advance(COOLDOWN_MS);
    await expectRefused(authenticator, bearerHeaders(await sign(await makeKey('k3'))), 'keys-unavailable');
    expect(String(logger.lines.at(-1)?.fields.problem)).toMatch(/^the answer has an invalid key 0 \(kid "k2"\): it holds private key material/);
    expect((await authenticator.authenticate(bearerHeaders(await sign(key)))).sub).toBe('42');
    expectNoCredentialIn(logger.text(), [leakedPrivate.d]);
  });

  it('refuses plain http except on loopback, and a URL that is not one', async () => {
    const logger = new CapturingLogger();
    await expect(createAuthenticator({ jwksUrl: 'http://idp.example.com/jwks', logger })).rejects.toThrow(AuthConfigError);
    await expect(createAuthenticator({ jwksUrl: 'not a url', logger })).rejects.toThrow(/^AUTH_JWKS_URL: is not a URL$/);
    await expect(createAuthenticator({ jwksUrl: 'https://idp.example/jwks', jwksFile: '/x.json', logger })).rejects.toThrow(/not both/);
  });
});
