import { once } from 'node:events';
import { rename, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { expect } from 'vitest';
import { AuthenticationError, type AuthFailureReason } from '../../../src/edge/identity/errors.js';
import type { Authenticator } from '../../../src/edge/identity/authenticator.js';
import type { Caller } from '../../../src/common/caller.js';
import { expectNoFragmentOf } from '../../support/leaks.js';

/** The fake clock's time: fixed, so `exp` and `nbf` are written relative to it. */
export const NOW_SECONDS = 1_800_000_000;
export const ISSUER = 'https://idp.test/';
export const AUDIENCE = 'usage-gateway';

export type Alg = 'ES256' | 'RS256' | 'PS256' | 'EdDSA';

/** A key pair generated for this test run. */
export interface TestKey {
  kid: string;
  alg: Alg;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeKey(kid: string, alg: Alg = 'ES256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export function jwksOf(...keys: TestKey[]): { keys: JWK[] } {
  return { keys: keys.map((key) => key.publicJwk) };
}

/** A token signed by `key`; claims default to a valid `partners:self` token for sub 42. */
export async function sign(key: TestKey, claims: JWTPayload = {}, header: { kid?: string | null } = {}): Promise<string> {
  const kid = header.kid === undefined ? key.kid : header.kid;
  return new SignJWT({ sub: '42', scope: 'partners:self', iss: ISSUER, aud: AUDIENCE, iat: NOW_SECONDS - 60, exp: NOW_SECONDS + 3600, ...claims })
    .setProtectedHeader({ alg: key.alg, typ: 'JWT', ...(kid === null ? {} : { kid }) })
    .sign(key.privateKey);
}

export function base64url(value: string | Uint8Array): string {
  return Buffer.from(value).toString('base64url');
}

/** Log lines captured as JSON text, to assert on and to search for leaked credentials. */
export class CapturingLogger {
  readonly lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  info = (message: string, fields: Record<string, unknown> = {}) => void this.lines.push({ level: 'info', message, fields });
  warn = (message: string, fields: Record<string, unknown> = {}) => void this.lines.push({ level: 'warn', message, fields });
  error = (message: string, fields: Record<string, unknown> = {}) => void this.lines.push({ level: 'error', message, fields });
  text(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n');
  }
  messages(level: string): string[] {
    return this.lines.filter((line) => line.level === level).map((line) => line.message);
  }
}

export function bearerHeaders(token: string): Headers {
  return new Headers({ authorization: `Bearer ${token}` });
}

/** The AuthenticationError `authenticate` refused with; fails if it accepted. */
export async function refusal(authenticator: Authenticator, headers: Headers): Promise<AuthenticationError> {
  let caller: Caller | undefined;
  try {
    caller = await authenticator.authenticate(headers);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthenticationError);
    return error as AuthenticationError;
  }
  throw new Error(`accepted as ${JSON.stringify({ ...caller, scopes: [...caller.scopes] })}`);
}

export async function expectRefused(authenticator: Authenticator, headers: Headers, reason: AuthFailureReason): Promise<AuthenticationError> {
  const error = await refusal(authenticator, headers);
  expect(error.reason).toBe(reason);
  expect(error.code).toBe('UNAUTHENTICATED');
  return error;
}

/** Fails when any part of a credential (8 characters or more in a row) is in `text`. */
export function expectNoCredentialIn(text: string, credentials: readonly string[]): void {
  for (const credential of credentials) {
    // A JWT's three parts are checked apart: the header part is alike across tokens and short.
    for (const part of credential.split('.')) if (part.length >= 8) expectNoFragmentOf(text, part, 8);
  }
}

/** Replaces a file the way editors do: write a new file, rename it over the old one. */
export async function replaceFile(path: string, content: string): Promise<void> {
  const temporary = `${path}.new`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

/** A JWKS endpoint on 127.0.0.1 that counts its hits and can be made to fail or hang. */
export interface JwksServer {
  url: string;
  hits: number;
  jwks: unknown;
  mode: 'ok' | 'error' | 'hang';
  close(): Promise<void>;
}

export async function startJwksServer(jwks: unknown): Promise<JwksServer> {
  const state = { hits: 0, jwks, mode: 'ok' as JwksServer['mode'] };
  const server: Server = createServer((request, response) => {
    state.hits += 1;
    if (state.mode === 'hang') return;
    if (state.mode === 'error') {
      response.writeHead(503).end('down');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state.jwks));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  });
}
