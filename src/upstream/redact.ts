/**
 * Removes credentials from text before it can reach an error message, a log line or a client.
 * Vendors echo what they were sent (a header in an error body, a token in a URL), so every string
 * that came from upstream or names a request goes through here.
 */

export const REDACTED = '[REDACTED]';

const SECRET_HEADER = /^(authorization|proxy-authorization|x-service-token|x-api-key|cookie|set-cookie)$/i;

/** Replaces every occurrence of each secret (and bearer tokens in general) with `[REDACTED]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Short secrets would redact ordinary words; config refuses them, this guards the rest.
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out.replace(/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`);
}

/** A copy of the headers with every credential-bearing header's value replaced. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SECRET_HEADER.test(name) ? REDACTED : value;
  }
  return out;
}
