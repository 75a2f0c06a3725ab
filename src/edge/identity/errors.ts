/**
 * Failures of identity: a request's credential refused (AuthenticationError, per request) and a
 * configuration refused (AuthConfigError, at start). Neither ever carries a token, an API key or
 * private key material: only names and reasons.
 */

/** Why a credential was refused. Stable: logs and tests match on it. */
export type AuthFailureReason =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'not-yet-valid'
  | 'bad-signature'
  | 'unknown-key'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'algorithm-refused'
  | 'unknown-api-key'
  | 'keys-unavailable'
  | 'both-credentials';

/** What every refused client reads: the reason is kept out so that probing a token teaches nothing. */
export const AUTHENTICATION_REQUIRED_MESSAGE = 'Authentication required: send a valid bearer token or API key';

/** A request whose credential is missing or invalid. `reason` goes to the log (info), never the token. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
  readonly code = 'UNAUTHENTICATED';
  constructor(
    readonly reason: AuthFailureReason,
    message: string = AUTHENTICATION_REQUIRED_MESSAGE,
  ) {
    super(message);
  }
}

/**
 * A credential source refused at start: a missing or invalid AUTH_JWKS_FILE or AUTH_API_KEYS_FILE,
 * or options that do not make sense together. `variable` names the environment variable to fix.
 */
export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError';
  readonly code = 'AUTH_CONFIG_INVALID';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}
