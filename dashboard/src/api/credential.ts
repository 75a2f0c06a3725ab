/**
 * The caller's credential, kept for this browser tab only: session storage (gone when the tab
 * closes), never local storage, a cookie or a URL. A JWT (three base64url parts) travels as
 * `Authorization: Bearer`, anything else as `X-API-Key`, as the gateway reads them.
 */
const KEY = 'usage-dashboard.credential';

export function storedCredential(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function storeCredential(credential: string): void {
  sessionStorage.setItem(KEY, credential.trim());
}

export function forgetCredential(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Storage refused (private mode): nothing was kept.
  }
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The request headers that carry `credential`; none without one (demo mode, or before sign-in). */
export function credentialHeaders(credential: string | null): Record<string, string> {
  if (credential === null || credential === '') return {};
  return JWT.test(credential) ? { authorization: `Bearer ${credential}` } : { 'x-api-key': credential };
}
