/**
 * Removes credentials from text before it can reach an error message, a log line or a client.
 * Vendors echo what they were sent (a header in an error body, a token in a URL), so every string
 * that came from upstream or names a request goes through here.
 */

export const REDACTED = '[REDACTED]';

const SECRET_HEADER = /^(authorization|proxy-authorization|x-service-token|x-api-key|cookie|set-cookie)$/i;

/**
 * Shortest part of a secret removed where a cut left it at an edge of the text. Shorter parts are
 * left: three characters say little of a key, and an ordinary word often ends like a key begins.
 */
const MIN_CUT_PART = 4;

/**
 * Replaces every occurrence of each secret (and bearer tokens in general) with `[REDACTED]`.
 *
 * A text cut from a longer one (the quoted start of a body, say) can end inside a secret, keeping its
 * beginning, or start inside one, keeping its end; such a part at either edge is replaced too. Redact
 * an excerpt before anything is added after or before it, so that its edges are still the cut.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Short secrets would redact ordinary words; config refuses them, this guards the rest.
    if (secret.length < 4) continue;
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    out = redactCutEdges(out, secret);
  }
  return out.replace(/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`);
}

/**
 * Replaces every whole occurrence of each secret (and bearer tokens) with `[REDACTED]`, without the
 * cut-edge rule of `redact`: for the many short strings of a structure (a log record's fields),
 * where a word that happens to begin like a key is not a cut key.
 */
export function redactOccurrences(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Most strings hold no secret: looking is cheaper than splitting (a log line has dozens of strings).
    if (secret.length < 4 || !out.includes(secret)) continue;
    out = out.split(secret).join(REDACTED);
  }
  // "Bearer" and one character after a space: a shorter string holds no bearer token.
  if (out.length < BEARER_MIN_LENGTH) return out;
  return out.replace(/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`);
}

const BEARER_MIN_LENGTH = 'Bearer x'.length;

/** The text with the longest proper prefix of `secret` at its end and longest proper suffix at its start replaced. */
function redactCutEdges(text: string, secret: string): string {
  let out = text;
  // A part of the secret at an edge of the text holds the text's edge character: a text whose
  // edges the secret does not contain (a log line ends in a newline) has no cut part to look for.
  const endCut = out.length > 0 && secret.includes(out[out.length - 1]!);
  for (let length = Math.min(secret.length - 1, out.length); endCut && length >= MIN_CUT_PART; length -= 1) {
    if (out.endsWith(secret.slice(0, length))) {
      out = out.slice(0, out.length - length) + REDACTED;
      break;
    }
  }
  const startCut = out.length > 0 && secret.includes(out[0]!);
  for (let length = Math.min(secret.length - 1, out.length); startCut && length >= MIN_CUT_PART; length -= 1) {
    if (out.startsWith(secret.slice(secret.length - length))) {
      out = REDACTED + out.slice(length);
      break;
    }
  }
  return out;
}

/** A copy of the headers with every credential-bearing header's value replaced. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SECRET_HEADER.test(name) ? REDACTED : value;
  }
  return out;
}
