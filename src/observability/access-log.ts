import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Caller } from '../common/caller.js';
import { logAccess, roundMs, type AccessLine } from '../common/access-line.js';
import type { Logger } from '../common/logger.js';
import { createRequestScope, currentRequestScope, runInRequestScope, type RequestScope } from '../common/request-scope.js';
import { REQUEST_ID_HEADER, requestIdFrom } from '../common/request-id.js';
import { pathOfUrl } from '../common/url-path.js';

/** Options of {@link useAccessLog}. */
export interface AccessLogOptions {
  logger: Logger;
  /** The caller of a request the identity edge let through; it throws for one it refused. */
  callerOf(request: Request): Caller;
}

interface Served {
  requestId: string;
  scope: RequestScope;
  startedAt: number;
  operationName: string | null;
  /** The operation's own scope (demand control's), which counts the vendor calls. */
  operation: RequestScope | null;
}

/**
 * Gives every HTTP request an id and one access line. The id (see `requestIdFrom`) is echoed in
 * `x-request-id` and held by a request scope entered around the whole request, refusals at the
 * edge (401, 429) included, so every log line written while serving it carries it. Listed first,
 * so that its hooks see each request before any other plugin can answer it.
 */
export function useAccessLog(options: AccessLogOptions): Plugin {
  const { logger, callerOf } = options;
  const served = new WeakMap<Request, Served>();
  return {
    instrumentation: {
      request({ request }, wrapped) {
        const requestId = requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
        const scope = createRequestScope(null, null, requestId);
        served.set(request, { requestId, scope, startedAt: performance.now(), operationName: null, operation: null });
        return runInRequestScope(scope, wrapped);
      },
    },
    onParams({ request, params }) {
      const entry = served.get(request);
      if (entry !== undefined) entry.operationName = params.operationName ?? null;
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const entry = request === undefined ? undefined : served.get(request);
      if (entry === undefined) return;
      entry.operationName ??= getOperationAST(args.document, args.operationName)?.name?.value ?? null;
      entry.operation = currentRequestScope() ?? null;
    },
    onResponse({ request, response, setResponse, fetchAPI }) {
      const entry = served.get(request);
      if (entry === undefined) return;
      const { requestId } = entry;
      const write = () => logAccess(logger, accessLine(request, response.status, entry));
      if (isStreamed(response) && response.body !== null) {
        // An answer in parts (`@defer`, `@stream`) is logged when its last part is sent or the
        // client leaves, so that its duration and vendor calls are the whole request's.
        const headers = new fetchAPI.Headers(response.headers);
        headers.set(REQUEST_ID_HEADER, requestId);
        const body = onceEnded(response.body, write, fetchAPI.ReadableStream);
        setResponse(new fetchAPI.Response(body, { status: response.status, statusText: response.statusText, headers }));
        return;
      }
      try {
        response.headers.set(REQUEST_ID_HEADER, requestId);
      } catch {
        // Some responses (`Response.error()`, a fetched one) have immutable headers: copy it.
        const headers = new fetchAPI.Headers(response.headers);
        headers.set(REQUEST_ID_HEADER, requestId);
        setResponse(new fetchAPI.Response(response.body, { status: response.status, statusText: response.statusText, headers }));
      }
      write();
    },
  };

  function accessLine(request: Request, status: number, entry: Served): AccessLine {
    return {
      requestId: entry.requestId,
      method: request.method,
      path: pathOfUrl(request.url),
      operationName: entry.operationName,
      status,
      durationMs: roundMs(performance.now() - entry.startedAt),
      vendorCalls: (entry.operation ?? entry.scope).vendorCalls,
      cacheHits: (entry.operation ?? entry.scope).cacheHits,
      caller: callerNameOf(callerOf, request),
    };
  }
}

/** Answers yoga writes part by part: multipart/mixed (incremental delivery) and server-sent events. */
function isStreamed(response: Response): boolean {
  const type = response.headers.get('content-type') ?? '';
  return type.startsWith('multipart/mixed') || type.startsWith('text/event-stream');
}

/** `body` as it is, calling `onEnd` once when it ends, fails or is cancelled by the reader. */
function onceEnded(
  body: ReadableStream<Uint8Array>,
  onEnd: () => void,
  Stream: typeof ReadableStream,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  return new Stream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end();
          controller.close();
        } else {
          controller.enqueue(value);
        }
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
}

function callerNameOf(callerOf: (request: Request) => Caller, request: Request): string | null {
  try {
    return callerOf(request).name;
  } catch {
    // A request the identity edge refused has no caller.
    return null;
  }
}
