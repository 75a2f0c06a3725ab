/**
 * Verification of a bearer JWT into a Caller: signature by a trusted asymmetric key, the time
 * window, issuer and audience, then the claims a caller is made of. Every failure becomes an
 * AuthenticationError with its reason; jose's own errors (which hold the claims) never leave here.
 */

import { errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { Caller } from './caller.js';
import { AuthenticationError, type AuthFailureReason } from './errors.js';
import { ALGORITHMS, type KeySet } from './jwks.js';
import type { KeySource } from './key-source.js';
import type { IdentityLogger } from './logger.js';

/** Options of a JWT verifier. */
export interface JwtVerifierOptions {
  /** Where the trusted public keys come from. */
  keys: KeySource;
  /** Required `iss`, when set. */
  issuer?: string;
  /** Required member of `aud`, when set. */
  audience?: string;
  /** Leeway on `exp` and `nbf`, in seconds. */
  clockToleranceSeconds: number;
  /** The clock `exp` and `nbf` are checked against, in ms since the epoch. */
  now: () => number;
  /** Where an unexpected verification failure is told (its error name only). */
  logger: IdentityLogger;
}

export type JwtVerifier = (token: string) => Promise<Caller>;

export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const { keys, logger } = options;
  const verifyOptions = (): JWTVerifyOptions => ({
    // Pinned whatever the token's header says: this is what refuses `none` and HS256 signed with
    // the public key's bytes as the secret.
    algorithms: [...ALGORITHMS],
    // A token that never expires cannot be withdrawn short of rotating the key.
    requiredClaims: ['exp'],
    clockTolerance: options.clockToleranceSeconds,
    currentDate: new Date(options.now()),
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  });

  const verify = async (token: string, set: KeySet): Promise<JWTPayload> => {
    try {
      return (await jwtVerify(token, set.resolve, verifyOptions())).payload;
    } catch (error) {
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
      // Several keys fit a token without a kid (a rotation publishes old and new): the one that
      // verifies wins.
      for await (const key of error) {
        try {
          return (await jwtVerify(token, key, verifyOptions())).payload;
        } catch (inner) {
          if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
        }
      }
      throw new errors.JWSSignatureVerificationFailed();
    }
  };

  const verifyWithRefresh = async (token: string): Promise<JWTPayload> => {
    const set = await keys.current();
    if (set === null) throw new AuthenticationError('keys-unavailable');
    try {
      return await verify(token, set);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      const outcome = await keys.refresh();
      if (outcome === 'failed') throw new AuthenticationError('keys-unavailable');
      if (outcome === 'not-now') throw error;
      const next = await keys.current();
      if (next === null) throw new AuthenticationError('keys-unavailable');
      return verify(token, next);
    }
  };

  return async (token) => {
    let payload: JWTPayload;
    try {
      payload = await verifyWithRefresh(token);
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      const reason = reasonOf(error);
      if (reason === null) {
        // Fail closed; the name alone is logged since a message might quote part of the token.
        logger.warn('unexpected failure verifying a bearer token', { error: (error as Error)?.name ?? typeof error });
      }
      throw new AuthenticationError(reason ?? 'malformed');
    }
    return callerOf(payload);
  };
}

function reasonOf(error: unknown): AuthFailureReason | null {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'invalid' || error.claim === 'exp') return 'malformed';
    if (error.claim === 'nbf') return 'not-yet-valid';
    if (error.claim === 'iss') return 'wrong-issuer';
    if (error.claim === 'aud') return 'wrong-audience';
    return 'malformed';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad-signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm-refused';
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown-key';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported) return 'malformed';
  return null;
}

function callerOf(payload: JWTPayload): Caller {
  const { sub, scope, scp } = payload as { sub?: unknown; scope?: unknown; scp?: unknown };
  // The sub decides whose partner usage a `partners:self` caller sees: anything but a real string
  // is refused rather than coerced.
  if (typeof sub !== 'string' || sub === '') throw new AuthenticationError('malformed');
  const scopes = new Set<string>();
  if (scope !== undefined) {
    if (typeof scope !== 'string') throw new AuthenticationError('malformed');
    addSpaceSeparated(scopes, scope);
  }
  if (scp !== undefined) {
    // Azure AD sends `scp` as a space-separated string, most others as an array.
    if (typeof scp === 'string') {
      addSpaceSeparated(scopes, scp);
    } else if (Array.isArray(scp) && scp.every((item) => typeof item === 'string')) {
      for (const item of scp) if (item !== '') scopes.add(item);
    } else {
      throw new AuthenticationError('malformed');
    }
  }
  return { kind: 'jwt', name: sub, sub, scopes };
}

function addSpaceSeparated(into: Set<string>, value: string): void {
  for (const item of value.split(' ')) if (item !== '') into.add(item);
}
