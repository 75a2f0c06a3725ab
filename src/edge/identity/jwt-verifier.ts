/**
 * Verification of a bearer JWT into a Caller: signature by a trusted asymmetric key, the time
 * window, issuer and audience, then the claims a caller is made of. Every failure becomes an
 * AuthenticationError with its reason; jose's own errors (which hold the claims) never leave here.
 */

import { errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { Caller } from '../../common/caller.js';
import { AuthenticationError, type AuthFailureReason } from './errors.js';
import { ALGORITHMS, type KeySet } from './jwks.js';
import type { KeySource } from './key-source.js';
import type { IdentityLogger } from './logger.js';
import { DEFAULT_VERIFIED_TOKENS } from '../../config/auth.js';

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
  /**
   * Most verified tokens remembered, so a caller's next request with the same token skips the
   * signature check. Default {@link DEFAULT_VERIFIED_TOKENS}; 0 verifies every request.
   */
  verifiedTokens?: number;
}

export interface JwtVerifier {
  (token: string): Promise<Caller>;
  /** The caller of a token verified before, if the keys that verified it are current and it is still valid; otherwise null. */
  remembered(token: string): Caller | null;
}

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

  const verifyWithRefresh = async (token: string, set: KeySet | null): Promise<{ payload: JWTPayload; verifiedBy: KeySet }> => {
    if (set === null) throw new AuthenticationError('keys-unavailable');
    try {
      return { payload: await verify(token, set), verifiedBy: set };
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      const outcome = await keys.refresh();
      if (outcome === 'failed') throw new AuthenticationError('keys-unavailable');
      if (outcome === 'not-now') throw error;
      const next = await keys.current();
      if (next === null) throw new AuthenticationError('keys-unavailable');
      return { payload: await verify(token, next), verifiedBy: next };
    }
  };

  const verified = new VerifiedTokens(options.verifiedTokens ?? DEFAULT_VERIFIED_TOKENS, options.clockToleranceSeconds, options.now);
  const verifyToken = async (token: string): Promise<Caller> => {
    const set = await keys.current();
    const known = verified.get(token, set);
    if (known !== null) return known;
    let payload: JWTPayload;
    let verifiedBy: KeySet;
    try {
      ({ payload, verifiedBy } = await verifyWithRefresh(token, set));
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      const reason = reasonOf(error);
      if (reason === null) {
        // Fail closed; the name alone is logged since a message might quote part of the token.
        logger.warn('unexpected failure verifying a bearer token', { error: (error as Error)?.name ?? typeof error });
      }
      throw new AuthenticationError(reason ?? 'malformed');
    }
    const caller = callerOf(payload);
    verified.remember(token, caller, payload, verifiedBy);
    return caller;
  };
  return Object.assign(verifyToken, { remembered: (token: string) => verified.get(token, keys.peek()) });
}

/**
 * Tokens that verified, with their caller, for as long as jose would still accept them: until
 * `exp` (plus the clock tolerance) and only while the key set that verified them is the current
 * one — a JWKS fetched again or a keys file changed verifies every token anew, so a withdrawn key
 * stops working at once. Failures are never remembered. The oldest entry makes way when full.
 * An ES256 signature check costs about as much as answering a cached overview; a dashboard sends
 * the same token for its whole life.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, { caller: Caller; keys: KeySet; validFromMs: number; validUntilMs: number }>();

  constructor(
    private readonly capacity: number,
    private readonly toleranceSeconds: number,
    private readonly now: () => number,
  ) {}

  get(token: string, current: KeySet | null): Caller | null {
    const entry = this.entries.get(token);
    if (entry === undefined) return null;
    const now = this.now();
    if (entry.keys !== current || now >= entry.validUntilMs || now < entry.validFromMs) {
      this.entries.delete(token);
      return null;
    }
    return entry.caller;
  }

  remember(token: string, caller: Caller, { exp, nbf }: JWTPayload, keys: KeySet): void {
    // `requiredClaims: ['exp']` made jose refuse a token without a numeric exp.
    if (this.capacity === 0 || typeof exp !== 'number') return;
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    const tolerance = this.toleranceSeconds * 1000;
    this.entries.set(token, {
      // Frozen: every request with this token shares the one caller.
      caller: Object.freeze(caller),
      keys,
      validFromMs: typeof nbf === 'number' ? nbf * 1000 - tolerance : Number.NEGATIVE_INFINITY,
      validUntilMs: exp * 1000 + tolerance,
    });
  }
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
  // `requiredClaims: ['exp']` made jose refuse a token without a numeric exp.
  const expiresAt = typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  return { kind: 'jwt', name: sub, sub, scopes, expiresAt };
}

function addSpaceSeparated(into: Set<string>, value: string): void {
  for (const item of value.split(' ')) if (item !== '') into.add(item);
}
