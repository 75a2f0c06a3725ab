import type { z } from 'zod';
import { markPhase } from '../common/instrumentation.js';
import { UpstreamBadResponseError } from './errors.js';
import type { UpstreamResponse } from './http.js';
import { REDACTED, redact } from '../common/redact.js';

/** Characters of a non-JSON body quoted in the error (more when a `[REDACTED]` marker straddles the cut). */
const QUOTED_CHARACTERS = 40;

/**
 * Parses a vendor body as JSON. A body that is not JSON (an HTML error page with status 200, a
 * truncated body) is an UPSTREAM_BAD_RESPONSE naming what it began with, redacted.
 */
export function parseJsonBody(response: UpstreamResponse, provider: string, secrets: readonly string[]): unknown {
  let payload: unknown;
  try {
    payload = JSON.parse(response.text) as unknown;
  } catch {
    const contentType = String(response.headers['content-type'] ?? 'no content-type');
    const start = quotedStart(response.text, secrets);
    throw new UpstreamBadResponseError(
      `${provider} answered ${response.status} with a body that is not JSON (${contentType}, begins ${JSON.stringify(start)})`,
      { provider, httpStatus: response.status },
    );
  }
  markPhase('JSON parsed');
  return payload;
}

/**
 * Checks a parsed payload against the vendor's contract. A missing or mistyped documented field is
 * an UPSTREAM_BAD_RESPONSE that names the field path (never its value, which could be anything).
 * The message is redacted: a path through a record (Arrays `by_endpoint`, Anylayer `by_type`)
 * carries a vendor-chosen key, which could echo our credential.
 */
export function parsePayload<S extends z.ZodType>(
  schema: S,
  payload: unknown,
  context: { provider: string; what: string; httpStatus: number; upstreamRequestId?: string | null; secrets: readonly string[] },
): z.infer<S> {
  const result = schema.safeParse(payload);
  markPhase('validated (zod)');
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  throw new UpstreamBadResponseError(redact(`${context.provider} ${context.what} broke its contract: ${problems}`, context.secrets), {
    provider: context.provider,
    httpStatus: context.httpStatus,
    upstreamRequestId: context.upstreamRequestId ?? null,
  });
}

/**
 * The start of a body for an error message. The whole text is redacted before the cut: cut first,
 * and a key that straddles the cut keeps its first characters (too few for the edge rule of
 * `redact` to recognise). A marker the cut would split is kept whole, so the quote still says
 * that something was removed; the second `redact` still removes a key fragment the vendor's own
 * cut left at the excerpt's edges.
 */
function quotedStart(text: string, secrets: readonly string[]): string {
  const whole = redact(text.replace(/\s+/g, ' '), secrets);
  const marker = whole.lastIndexOf(REDACTED, QUOTED_CHARACTERS - 1);
  const end = marker >= 0 && marker + REDACTED.length > QUOTED_CHARACTERS ? marker + REDACTED.length : QUOTED_CHARACTERS;
  return redact(whole.slice(0, end), secrets);
}
