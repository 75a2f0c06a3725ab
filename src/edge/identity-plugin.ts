import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../common/logger.js';
import type { Authenticator } from './identity/authenticator.js';
import { ANONYMOUS_CALLER, type Caller } from '../common/caller.js';
import { AuthenticationError } from './identity/errors.js';

/** What {@link useIdentity} checks requests with. */
export interface IdentityOptions {
  /** The identity check; null when the gateway checks none (every caller anonymous, every scope). */
  authenticator: Authenticator | null;
  logger: Logger;
  /** The GraphQL endpoint's path. Default `/graphql`. */
  graphqlEndpoint?: string;
}

/** The identity edge: a yoga plugin, and who each request's caller is. */
export interface Identity {
  plugin: Plugin;
  /** The caller of a request the plugin let through (anonymous when the gateway checks none). */
  callerOf(request: Request): Caller;
}

const KEYS_UNAVAILABLE_MESSAGE = 'The keys that verify bearer tokens cannot be fetched right now; try again shortly.';

/**
 * Establishes who asks before anything else runs: a request to the GraphQL endpoint without a
 * valid credential is answered 401 (`WWW-Authenticate: Bearer`, one error UNAUTHENTICATED) and
 * reaches neither the response cache nor the schema. The reason goes to the log at info, never
 * the token. The GraphiQL page itself (a browser's GET for HTML) needs no credential: it holds no
 * data, and its requests carry the token set in its Headers tab.
 */
export function useIdentity(options: IdentityOptions): Identity {
  const { authenticator, logger, graphqlEndpoint = '/graphql' } = options;
  const callers = new WeakMap<Request, Caller>();
  const plugin: Plugin = {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (authenticator === null || url.pathname !== graphqlEndpoint || isGraphiqlPage(request, url)) return;
      // A token verified before goes on at once: an async hook would put every later step of the
      // request behind a promise (measured through yoga.fetch: about 10 µs of CPU a request).
      const known = authenticator.remembered(request.headers);
      if (known !== null) {
        callers.set(request, known);
        return;
      }
      return authenticateOrRefuse(authenticator, request, url, endResponse, fetchAPI);
    },
  };
  const authenticateOrRefuse = async (
    authenticator: Authenticator,
    request: Request,
    url: URL,
    endResponse: (response: Response) => void,
    fetchAPI: { Response: typeof Response },
  ): Promise<void> => {
    try {
      callers.set(request, await authenticator.authenticate(request.headers));
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      const unavailable = error.reason === 'keys-unavailable';
      logger.info('request refused: not authenticated', { reason: error.reason, method: request.method, path: url.pathname });
      const body = {
        errors: [
          {
            // The error's own message is the generic one (a probe learns nothing), or says to send one credential, not two.
            message: unavailable ? KEYS_UNAVAILABLE_MESSAGE : error.message,
            extensions: { code: unavailable ? 'AUTH_UNAVAILABLE' : 'UNAUTHENTICATED' },
          },
        ],
      };
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), {
          status: unavailable ? 503 : 401,
          headers: {
            'content-type': 'application/json; charset=utf-8',
            ...(unavailable ? { 'retry-after': '5' } : { 'www-authenticate': 'Bearer' }),
          },
        }),
      );
    }
  };
  return {
    plugin,
    callerOf: (request) => {
      if (authenticator === null) return ANONYMOUS_CALLER;
      const caller = callers.get(request);
      // A request the plugin did not let through never reaches here; refusing is the safe answer.
      if (caller === undefined) throw new AuthenticationError('missing');
      return caller;
    },
  };
}

/** A browser asking for the GraphiQL page: GET, HTML accepted, no operation in the URL. */
function isGraphiqlPage(request: Request, url: URL): boolean {
  return request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html') && !url.searchParams.has('query');
}
