import { createGraphQLError, type CORSOptions, type Plugin } from 'graphql-yoga';

/**
 * Headers whose presence proves a browser sent a preflight first (a page cannot set them on a
 * "simple" cross-site request): yoga's own, and Apollo Client's, so its GET requests work.
 */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'x-apollo-operation-name'] as const;

/** Headers a listed origin may send. */
const ALLOWED_REQUEST_HEADERS = ['content-type', 'authorization', 'x-api-key', 'x-request-id', ...CSRF_HEADERS];

/** How long a browser may reuse a preflight answer, seconds. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * The CORS answer for a request: none at all for an origin not listed (so the browser blocks the
 * page from reading anything), the origin itself (never a reflection of an unlisted one) otherwise.
 */
export function corsFor(origins: readonly string[], credentials: boolean): (request: Request) => CORSOptions {
  const allowed = corsOriginRule(origins);
  return (request) => {
    const origin = request.headers.get('origin');
    if (!allowed(origin)) return false;
    return {
      // One origin: yoga answers exactly it.
      origin: [origin],
      credentials,
      methods: ['GET', 'POST'],
      allowedHeaders: ALLOWED_REQUEST_HEADERS,
      maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    };
  };
}

/** Whether `origin` (a request's `Origin`, null when it sent none) is one of `origins`, which get CORS headers. */
export function corsOriginRule(origins: readonly string[]): (origin: string | null) => origin is string {
  const allowed = new Set(origins);
  return (origin): origin is string => origin !== null && allowed.has(origin);
}

/**
 * Content types a page can send cross-site without a preflight: a request with any other type was
 * preflighted by the browser (or sent by no browser at all).
 */
const NON_PREFLIGHTED_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * The CSRF rule: a request passes when its content type proves a preflight, or when it carries
 * one of CSRF_HEADERS (which a page cannot set on a "simple" request). `header` reads a request
 * header by lower-case name, null when absent.
 */
export function passesCsrfRule(header: (name: string) => string | null | undefined): boolean {
  const contentType = header('content-type');
  if (contentType && !NON_PREFLIGHTED_CONTENT_TYPES.some((type) => contentType.toLowerCase().startsWith(type))) return true;
  return CSRF_HEADERS.some((name) => header(name) != null);
}

/** Requests a browser can send cross-site without a preflight need one of CSRF_HEADERS (see {@link passesCsrfRule}); else 403. */
export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      if (passesCsrfRule((name) => request.headers.get(name))) return;
      throw createGraphQLError('Required CSRF header(s) not present', { extensions: { http: { status: 403 } } });
    },
  };
}

/** Names of loopback, as `Host` carries them. */
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** The host part of a `Host` header, lower-cased, without its port. */
function hostName(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.lastIndexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

/**
 * Which `Host` values the gateway answers: `allowed` (names, or `name:port`) when given; else,
 * bound to loopback, only loopback names (so a DNS-rebinding page cannot reach it through its own
 * domain); else any.
 */
export function hostRule(allowed: readonly string[] | null, bindsLoopback: boolean): ((host: string) => boolean) | null {
  if (allowed !== null) {
    const exact = new Set(allowed);
    return (host) => exact.has(host.toLowerCase()) || exact.has(hostName(host));
  }
  return bindsLoopback ? (host) => LOOPBACK_HOST.test(hostName(host)) : null;
}

/**
 * Paths answered whatever the `Host`: probes and metrics, called by address (a scraper's target
 * is an IP) and holding nothing a rebinding page could use against a caller.
 */
const HOST_EXEMPT_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

/** Answers 403 HOST_NOT_ALLOWED to a request whose `Host` the rule refuses. */
export function useHostCheck(allows: ((host: string) => boolean) | null): Plugin {
  if (allows === null) return {};
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (HOST_EXEMPT_PATHS.has(url.pathname)) return;
      const host = request.headers.get('host') ?? url.host;
      if (allows(host)) return;
      const body = { errors: [{ message: 'This gateway does not answer for that Host.', extensions: { code: 'HOST_NOT_ALLOWED' } }] };
      endResponse(new fetchAPI.Response(JSON.stringify(body), { status: 403, headers: { 'content-type': 'application/json; charset=utf-8' } }));
    },
  };
}
