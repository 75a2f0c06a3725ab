/**
 * Who is asking: the one value the rest of the gateway reads to decide what a request may see.
 * Built by the authenticator, never from anything the client asserts without proof.
 */

/** Every scope the schema enforces; the order is the one documentation lists them in. */
export const SCOPES = ['usage:read', 'partners:read', 'partners:self', 'ops:read'] as const;

export type Scope = (typeof SCOPES)[number];

export interface Caller {
  /** How the caller proved who it is; 'anonymous' only when auth is off. */
  kind: 'jwt' | 'api-key' | 'anonymous';
  /** For logs: the JWT's sub or the API key's name; null when anonymous. Never a secret. */
  name: string | null;
  /** The JWT `sub` claim, exactly as sent (a string; a non-string sub is refused as malformed); null for API keys and anonymous. */
  sub: string | null;
  /** Scopes granted: JWT `scope` (space-separated string) and/or `scp` (array of strings), or the API key's list. Unknown scope strings are kept (harmless). */
  scopes: ReadonlySet<string>;
  /**
   * When the credential stops being valid, ms since the epoch (a JWT's `exp`): what a long-lived
   * stream (a subscription) is closed at. Absent or null for API keys and anonymous, which do not expire.
   */
  expiresAt?: number | null;
}

/** The caller of every request when auth is off: it holds every scope, so the schema's rules pass. */
export const ANONYMOUS_CALLER: Caller = Object.freeze({
  kind: 'anonymous',
  name: null,
  sub: null,
  scopes: new Set<string>(SCOPES),
});

/** Whether `value` is one of SCOPES; used to warn about typos, never to drop a granted string. */
export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
