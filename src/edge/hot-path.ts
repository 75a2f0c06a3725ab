import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { ANONYMOUS_CALLER, type Caller } from '../common/caller.js';
import { logAccess, roundMs } from '../common/access-line.js';
import type { Logger } from '../common/logger.js';
import { REQUEST_ID_HEADER, requestIdFrom } from '../common/request-id.js';
import { passesCsrfRule } from './browser-rules.js';
import type { CallerRateLimit } from './caller-rate-limit.js';
import { UNEXECUTED_COST, withCost } from './demand-control.js';
import type { Authenticator, HeaderReader } from './identity/authenticator.js';
import type { NamedRequest, PersistedOperations } from './persisted-operations.js';
import { scopePartition, TRACE_HEADER, type ResponseCache } from './response-cache.js';
import type { KeptAnswer } from './response-store.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** What {@link createHotPath} answers with: the same rule functions the gateway's plugins call. */
export interface HotPathOptions {
  /** The GraphQL path (`/graphql`); nothing else is answered here. */
  graphqlEndpoint: string;
  /** The Host rule (`hostRule`); null answers any Host. */
  allowsHost: ((host: string) => boolean) | null;
  /** Whether an `Origin` gets CORS headers (`corsOriginRule`); those requests are left to the engine, which writes them. */
  corsOrigin: (origin: string | null) => boolean;
  /** Who may ask; null when every caller is anonymous with every scope. Only remembered tokens are answered here. */
  authenticator: Authenticator | null;
  /** The per-caller limit the engine's plugin takes from too. */
  callerRateLimit: Pick<CallerRateLimit, 'take'>;
  /** The response cache the engine's plugin keeps answers in. */
  responseCache: Pick<ResponseCache, 'lookup' | 'immediate'>;
  /** The persisted-operation rules, which name the document of an id. */
  persistedOperations: Pick<PersistedOperations, 'resolve'>;
  /** `Cache-Control` and `Vary` of GraphQL answers (`createCacheControl`). */
  cacheControl: { cacheControlOf(remainingMs: number | undefined): string; readonly vary: string };
  /** Where the access line goes. */
  logger: Logger;
  /** Counts every answer served here (the same call the engine's cache hit makes). Default: nothing. */
  onHit?: (operationName: string | undefined) => void;
  /** The response cache's clock. Default `Date.now`. */
  now?: () => number;
}

/** A node:http handler that answers from the response cache, or hands the request to `next` untouched. */
export interface HotPath {
  wrap(next: (req: IncomingMessage, res: ServerResponse) => unknown): Handler;
  /** Requests answered here since the gateway started (a test's proof that hits took this path). */
  readonly served: number;
}

/** The parameters a request carries, as the engine's parsers read them. */
interface RequestFields extends NamedRequest {
  operationName?: unknown;
  variables?: unknown;
}

/** Keys of a request body the engine accepts (`query`…) or a persisted-operation plugin replaces (`documentId`…). */
const KNOWN_FIELDS: ReadonlySet<string> = new Set(['query', 'operationName', 'variables', 'extensions', 'documentId', 'doc_id', 'id']);

/** An answer's bytes, made once per kept answer, and its length header. */
interface PreparedAnswer {
  body: Buffer;
  length: string;
}

/**
 * Cache hits answered in node:http, before the GraphQL engine: no fetch `Request` or `Response`, no
 * plugin chain, one `writeHead`. Every edge rule the engine's plugins apply is applied through the
 * same function (Host, identity, CSRF, the per-caller limit, persisted operations, the cache key),
 * and the answer carries what the engine's would: status, bytes, `Cache-Control`, `Vary`,
 * `x-request-id`, the access line and the hit counter. Anything that is not certain goes to
 * `next` unchanged, where the engine answers it: a token not remembered, an API key, a listed
 * `Origin` (CORS headers), a refusal of any rule, a miss, GraphiQL, an inline trace, an unusual
 * `Accept`. With a shared response store (Redis), which answers later, every request goes on. A POST body is read here in full; when it goes
 * on, the engine is handed those bytes.
 */
export function createHotPath(options: HotPathOptions): HotPath {
  const { graphqlEndpoint, allowsHost, corsOrigin, authenticator, callerRateLimit, responseCache, persistedOperations, cacheControl, logger, onHit, now = Date.now } = options;
  const prepared = new WeakMap<KeptAnswer, PreparedAnswer>();
  const mediaTypes = new Map<string, string | null>();
  let served = 0;

  const preparedOf = (found: KeptAnswer): PreparedAnswer => {
    let answer = prepared.get(found);
    if (answer === undefined) {
      const body = Buffer.from(JSON.stringify(withCost(found.result as Record<string, unknown>, UNEXECUTED_COST)));
      prepared.set(found, (answer = { body, length: String(body.length) }));
    }
    return answer;
  };

  const mediaTypeOf = (accept: string | undefined): string | null => {
    const key = accept ?? '';
    let type = mediaTypes.get(key);
    if (type === undefined) {
      type = negotiatedMediaType(accept);
      // Clients send a handful of Accept values; a flood of odd ones is not kept.
      if (mediaTypes.size < 64) mediaTypes.set(key, type);
    }
    return type;
  };

  /** Answers `fields` from the cache when every rule lets it through; false when the engine must. */
  const answer = (req: IncomingMessage, res: ServerResponse, startedAt: number, caller: Caller, mediaType: string, fields: RequestFields): boolean | Promise<boolean> => {
    const named = persistedOperations.resolve(fields);
    if (named === null) return false;
    const { operationName, variables } = fields;
    if (!(operationName == null || typeof operationName === 'string') || !isParamsObject(variables)) return false;
    const at = now();
    const found = responseCache.lookup(
      { partition: scopePartition(caller), query: named.query, operationName, variables, extensions: named.extensions },
      at,
    );
    // A shared store answers later; the engine waits for it as it always has.
    if (found === undefined || found instanceof Promise) return false;
    const send = (waitMs: number): boolean => {
      // Refused: nothing was counted, and the engine answers the 429 (taking again, again refused).
      if (waitMs !== 0) return false;
      if (res.headersSent || res.writableEnded) return true;
      const { body, length } = preparedOf(found);
      const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
      res.writeHead(200, [
        'Content-Type', mediaType,
        'content-length', length,
        'cache-control', cacheControl.cacheControlOf(found.expiresAt - at),
        'vary', cacheControl.vary,
        REQUEST_ID_HEADER, requestId,
      ]);
      res.end(body);
      served += 1;
      onHit?.(operationName ?? undefined);
      logAccess(logger, {
        requestId,
        method: req.method!,
        path: graphqlEndpoint,
        operationName: operationName ?? null,
        status: 200,
        durationMs: roundMs(performance.now() - startedAt),
        vendorCalls: 0,
        cacheHits: 0,
        caller: caller.name,
      });
      return true;
    };
    const taken = callerRateLimit.take(caller, req.socket.remoteAddress);
    return typeof taken === 'number' ? send(taken) : taken.then(send, () => false);
  };

  const serve = (req: IncomingMessage, res: ServerResponse, next: (req: IncomingMessage, res: ServerResponse) => unknown): unknown => {
    const startedAt = performance.now();
    const { method, url, headers } = req;
    if ((method !== 'GET' && method !== 'POST') || url === undefined) return next(req, res);
    const queryAt = url.indexOf('?');
    if ((queryAt === -1 ? url : url.slice(0, queryAt)) !== graphqlEndpoint) return next(req, res);
    if (headers[TRACE_HEADER] !== undefined) return next(req, res);
    if (allowsHost !== null && (headers.host === undefined || !allowsHost(headers.host))) return next(req, res);
    if (headers.origin !== undefined && corsOrigin(headers.origin)) return next(req, res);
    const accept = headers.accept;
    // GraphiQL's page, which the engine serves to any GET that accepts HTML.
    if (accept !== undefined && accept.includes('text/html')) return next(req, res);
    const mediaType = mediaTypeOf(accept);
    if (mediaType === null) return next(req, res);
    const reader = headerReaderOf(headers);
    const caller = authenticator === null ? ANONYMOUS_CALLER : authenticator.remembered(reader);
    if (caller === null || !passesCsrfRule(reader.get)) return next(req, res);
    const settle = (done: boolean | Promise<boolean>) => {
      if (done === true) return;
      if (done === false) return next(req, res);
      done.then((answered) => {
        if (!answered) next(req, res);
      }, () => next(req, res));
    };
    if (method === 'GET') {
      if (queryAt === -1) return next(req, res);
      const fields = fieldsOfQueryString(url.slice(queryAt + 1));
      if (fields === null) return next(req, res);
      return settle(answer(req, res, startedAt, caller, mediaType, fields));
    }
    const length = headers['content-length'];
    if (length === undefined || length === '0' || !isJsonContentType(headers['content-type'])) return next(req, res);
    readBody(req, (body) => {
      const fields = body === null ? null : fieldsOfJson(body);
      // The engine reads the body it would have read from the socket.
      if (body !== null) (req as IncomingMessage & { body?: Buffer }).body = body;
      if (fields === null) return next(req, res);
      settle(answer(req, res, startedAt, caller, mediaType, fields));
    });
  };

  return {
    // A shared store answers every lookup later: asking it here too would double its traffic.
    wrap: (next) => (responseCache.immediate ? (req, res) => serve(req, res, next) : (req, res) => void next(req, res)),
    get served() {
      return served;
    },
  };
}

/** node's lower-cased headers read like a fetch `Headers` (repeated ones joined as fetch joins them). */
function headerReaderOf(headers: IncomingHttpHeaders): HeaderReader {
  return {
    get: (name) => {
      const value = headers[name];
      if (value === undefined) return null;
      return typeof value === 'string' ? value : value.join(', ');
    },
  };
}

/** The whole body, or null when the request failed before its end. */
function readBody(req: IncomingMessage, done: (body: Buffer | null) => void): void {
  const chunks: Buffer[] = [];
  let settled = false;
  const settle = (body: Buffer | null) => {
    if (settled) return;
    settled = true;
    done(body);
  };
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.once('end', () => settle(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
  req.once('error', () => settle(null));
}

/** A POST the engine parses as JSON: `application/json` or `application/graphql+json`, first of a list, parameters allowed. */
function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const first = contentType.split(',')[0]!;
  return first === 'application/json' || first.startsWith('application/json;') || first === 'application/graphql+json' || first.startsWith('application/graphql+json;');
}

/** A JSON body's fields when it is one object of known keys; null for anything the engine would refuse or read otherwise. */
function fieldsOfJson(body: Buffer): RequestFields | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  for (const key in parsed) {
    if (!KNOWN_FIELDS.has(key) && (parsed as Record<string, unknown>)[key] != null) return null;
  }
  const fields = parsed as RequestFields;
  return isParamsObject(fields.extensions) ? fields : null;
}

/** A GET's fields as the engine's parser reads them (empty values are absent), ids as the persisted-operation rules read them. */
function fieldsOfQueryString(queryString: string): RequestFields | null {
  const search = new URLSearchParams(queryString);
  const variables = search.get('variables') || undefined;
  const extensions = search.get('extensions') || undefined;
  try {
    const fields: RequestFields = {
      query: search.get('query') || undefined,
      operationName: search.get('operationName') || undefined,
      variables: variables === undefined ? undefined : JSON.parse(variables),
      extensions: extensions === undefined ? undefined : JSON.parse(extensions),
      documentId: search.get('documentId'),
      doc_id: search.get('doc_id'),
      id: search.get('id'),
    };
    return isParamsObject(fields.extensions) ? fields : null;
  } catch {
    return null;
  }
}

/** `variables` and `extensions` as the engine accepts them: absent, null or an object. */
function isParamsObject(value: unknown): boolean {
  return value == null || (typeof value === 'object' && !Array.isArray(value));
}

/** The media types a plain (not streamed) answer is written as. */
const REGULAR_MEDIA_TYPES = ['application/graphql-response+json', 'application/json'] as const;

/**
 * The `Content-Type` the engine gives a plain answer for `accept`, as its result processors
 * choose it (each acceptable type in turn, the last match winning, plain answers considered last);
 * null when it would not answer with one (only streamed types, or nothing acceptable).
 */
export function negotiatedMediaType(accept: string | undefined): string | null {
  const asked: string[] = [];
  for (const entry of (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',')) {
    const [mediaType, ...parameters] = entry.split(';');
    const charset = parameters.find((parameter) => parameter.includes('charset=')) ?? 'charset=utf-8';
    if (mediaType !== undefined && charset === 'charset=utf-8') asked.push(mediaType);
  }
  let chosen: string | null = null;
  for (const requested of asked.reverse()) {
    const [pre, suf] = requested.split('/');
    for (const offered of REGULAR_MEDIA_TYPES) {
      const [offeredPre, offeredSuf] = offered.split('/');
      if ((pre === '*' || pre === offeredPre) && (suf === '*' || suf === offeredSuf)) chosen = offered;
    }
  }
  return chosen === null ? null : `${chosen}; charset=utf-8`;
}
