/**
 * Validation of a JSON Web Key Set, whether read from AUTH_JWKS_FILE or fetched from AUTH_JWKS_URL,
 * into the key resolver jose verifies with. A set is refused whole rather than trimmed: a key
 * silently skipped would show up later as unexplained 'unknown-key' refusals.
 */

import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { createLocalJWKSet, type JSONWebKeySet, type JWK } from 'jose';

/** The only signature algorithms accepted: asymmetric, so a public key can never act as a secret. */
export const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

/** A validated key set and the resolver built once from it. */
export interface KeySet {
  /** Number of keys, for logs. */
  size: number;
  resolve: ReturnType<typeof createLocalJWKSet>;
}

const KEY_TYPES = new Set(['RSA', 'EC', 'OKP']);
// Members that only a private (or symmetric) key has: a JWKS carrying one was exported carelessly,
// and publishing it means the signing key has leaked.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const MIN_RSA_BITS = 2048;

/**
 * Parses `text` as a JWKS of public signature keys. Throws an Error whose message says what is
 * wrong and which key (by index and kid), never quoting key material or the text.
 */
export function parseJwks(text: string): KeySet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The SyntaxError's own message quotes the text around the fault.
    throw new Error('is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { keys?: unknown }).keys)) {
    throw new Error('is not a JWKS: expected an object with a "keys" array');
  }
  const keys = (json as { keys: unknown[] }).keys;
  if (keys.length === 0) throw new Error('has no keys: no token could be verified');
  keys.forEach(checkKey);
  return { size: keys.length, resolve: createLocalJWKSet(json as JSONWebKeySet) };
}

function checkKey(key: unknown, index: number): void {
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw new Error(`has an invalid key ${index}: not an object`);
  const jwk = key as JWK;
  const label = `has an invalid key ${index}${typeof jwk.kid === 'string' ? ` (kid "${jwk.kid}")` : ''}`;
  if (typeof jwk.kty !== 'string' || !KEY_TYPES.has(jwk.kty)) {
    throw new Error(`${label}: kty must be RSA, EC or OKP (asymmetric keys only)`);
  }
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) {
    throw new Error(`${label}: it holds private key material; publish only public keys (and replace this one, it has leaked)`);
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new Error(`${label}: "use" must be "sig"`);
  if (jwk.alg !== undefined && !(ALGORITHMS as readonly string[]).includes(jwk.alg)) {
    throw new Error(`${label}: alg must be one of ${ALGORITHMS.join(', ')}`);
  }
  let modulusLength: number | undefined;
  try {
    modulusLength = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).asymmetricKeyDetails?.modulusLength;
  } catch {
    throw new Error(`${label}: not a valid public key`);
  }
  if (jwk.kty === 'RSA' && (modulusLength ?? 0) < MIN_RSA_BITS) throw new Error(`${label}: RSA keys must have at least ${MIN_RSA_BITS} bits`);
}
