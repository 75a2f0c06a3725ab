import type { SimResponse } from '../http-server.js';

/** Anylayer's error bodies: `{ success: false, error: { code, message } }`, by status. */

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: SimResponse };

export function fail(status: number, code: string, message: string): { ok: false; response: SimResponse } {
  return { ok: false, response: { status, body: { success: false, error: { code, message } } } };
}

/** The body of a status the contract names (401, 404, 405, 429, 5xx), or the vendor's text `echoed`. */
export function vendorError(status: number, echoed?: string): SimResponse {
  const known: Record<number, [string, string]> = {
    401: ['UNAUTHORIZED', 'Invalid or missing API key.'],
    404: ['NOT_FOUND', 'Resource not found.'],
    405: ['METHOD_NOT_ALLOWED', 'Method not allowed.'],
    429: ['RATE_LIMIT_EXCEEDED', 'Too many requests. Please retry later.'],
  };
  const fallback: [string, string] =
    status >= 500
      ? ['INTERNAL_ERROR', 'An unexpected error occurred. Please try again later.']
      : ['BAD_REQUEST', 'The request was invalid.'];
  const [code, message] = known[status] ?? fallback;
  return fail(status, code, echoed ?? message).response;
}

