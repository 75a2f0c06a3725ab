import type { RelativeTime, VendorAuth, VendorCall } from './file-format.js';

/**
 * The request of one declared call: its URL with query parameters (relative times resolved
 * against `now`), and the credential where the file's auth puts it.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** `time` as of `now`, written as the file asks. */
export function relativeTimeValue(time: RelativeTime, now: number): string {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const date = new Date(now);
  const at =
    time.relative === 'startOfMonth'
      ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)
      : time.relative === 'startOfDay'
        ? today
        : today - (time.days ?? 1) * DAY_MS;
  switch (time.as) {
    case 'epochSeconds':
      return String(at / 1000);
    case 'epochMillis':
      return String(at);
    case 'isoDate':
      return new Date(at).toISOString().slice(0, 10);
    case 'isoTime':
      return new Date(at).toISOString();
  }
}

/** The call's query parameters as of `now`. */
export function queryOf(call: VendorCall, now: number): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(call.query ?? {})) {
    query[name] = typeof value === 'object' ? relativeTimeValue(value, now) : String(value);
  }
  return query;
}

/** Headers and query parameter that carry `credential` under `auth`. */
export function credentialPlacement(auth: VendorAuth, credential: string): { headers: Record<string, string>; query?: { name: string; value: string } } {
  switch (auth.kind) {
    case 'bearer':
      return { headers: { authorization: `Bearer ${credential}` } };
    case 'basic':
      return { headers: { authorization: `Basic ${Buffer.from(credential, 'utf8').toString('base64')}` } };
    case 'header':
      return { headers: { [auth.name.toLowerCase()]: credential } };
    case 'query':
      return { headers: {}, query: { name: auth.name, value: credential } };
  }
}

/** Every form of `credential` that goes on the wire under `auth`, for redaction. */
export function secretsOf(auth: VendorAuth, credential: string): string[] {
  if (auth.kind !== 'basic') return [credential];
  const colon = credential.indexOf(':');
  const password = colon >= 0 ? credential.slice(colon + 1) : '';
  return [credential, Buffer.from(credential, 'utf8').toString('base64'), ...(password.length >= 4 ? [password] : [])];
}
