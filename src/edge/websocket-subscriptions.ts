import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, parse, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { CloseCode, type SubscribePayload } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { ANONYMOUS_CALLER, type Caller } from '../common/caller.js';
import type { Logger } from '../common/logger.js';
import type { Authenticator } from './identity/authenticator.js';
import { AuthenticationError } from './identity/errors.js';

/** The close code of a connection refused over the limits (as HTTP's 429). */
export const CLOSE_TOO_MANY_CONNECTIONS = 4429;
/** The close code of a connection whose token expired (graphql-ws's 4401 Unauthorized). */
export const CLOSE_TOKEN_EXPIRED = CloseCode.Unauthorized;
/** The close code of a connection the gateway closes on shutdown (WebSocket's 1001 Going Away). */
export const CLOSE_GOING_AWAY = 1001;

/** What serves GraphQL over HTTP: the gateway (yoga), whose whole edge every WebSocket operation goes through. */
export interface GraphqlFetch {
  fetch(url: string, init: RequestInit, serverContext?: Record<string, unknown>): Response | Promise<Response>;
}

/** Options of {@link attachGraphqlWs}. */
export interface GraphqlWsOptions {
  /** The gateway; each operation is one request to it, so identity, browser rules, limits and masking are the HTTP ones. */
  gateway: GraphqlFetch;
  /** The path WebSocket upgrades are taken on: the GraphQL endpoint. Default `/graphql`. */
  graphqlPath?: string;
  /** Who may connect; null when the gateway checks no identity (every caller anonymous). */
  authenticator: Authenticator | null;
  /** Which `Host` values are answered, as on HTTP (`hostRule`); null: any. */
  allowsHost: ((host: string) => boolean) | null;
  /** Origins a browser page may connect from besides the gateway's own (`CORS_ORIGINS`). Default none. */
  corsOrigins?: readonly string[];
  /** `SUBSCRIPTIONS_MAX_PER_CALLER`: WebSocket connections one caller may hold. Default 10. */
  maxPerCaller?: number;
  /** `SUBSCRIPTIONS_MAX_TOTAL`: WebSocket connections of every caller together. Default 1000. */
  maxTotal?: number;
  /** `MAX_TOKENS`: the most tokens a document is parsed to (to learn its operation type). Default 8000. */
  maxTokens?: number;
  /** `MAX_REQUEST_BYTES`: the largest WebSocket message. Default 1 MiB. */
  maxMessageBytes?: number;
  /** How long a connection may take to send `connection_init`, ms. Default 10000. */
  connectionInitWaitMs?: number;
  /** Milliseconds since the epoch, for token expiry. Default `Date.now`. */
  now?: () => number;
  logger: Logger;
}

/** What the connection learned at `connection_init`. */
interface Connection {
  caller: Caller;
  /** The credential headers every operation of the connection is sent with. */
  credentials: Record<string, string>;
  /** The upgrade's Host and Origin, so the edge's browser rules see what the browser sent. */
  host: string;
  origin: string | null;
  release(): void;
}

/** The running WebSocket transport. */
export interface GraphqlWs {
  /** Open connections. */
  readonly size: number;
  /** Closes every connection (1001 Going Away) and stops taking upgrades. */
  close(): Promise<void>;
}

/**
 * GraphQL over WebSocket (the graphql-ws protocol, `graphql-transport-ws`) on the HTTP server's
 * upgrades of the GraphQL path: what Apollo Client's GraphQLWsLink, urql and Relay use.
 *
 * - Before the upgrade: the same `Host` rule as HTTP, and an `Origin` (sent by browsers) must be
 *   the gateway's own or one of `CORS_ORIGINS`, so that no other site's page can open a socket
 *   with a user's token (403 otherwise).
 * - At `connection_init`: the credential from `connectionParams.authorization` (or
 *   `x-api-key`), else the upgrade's own `Authorization` header, checked by the same
 *   authenticator (close 4403 when refused); connections are limited per caller and in all
 *   (close 4429); a token's connection closes when it expires (4401).
 * - Each operation is sent to the gateway as an HTTP request of its own (SSE), so every rule of the
 *   edge holds unchanged: persisted operations, operation limits, demand control, caller rate
 *   limit, scopes, the subscription limits and error masking.
 */
export function attachGraphqlWs(server: Server, options: GraphqlWsOptions): GraphqlWs {
  const { gateway, authenticator, allowsHost, logger } = options;
  const graphqlPath = options.graphqlPath ?? '/graphql';
  const corsOrigins = new Set(options.corsOrigins ?? []);
  const maxPerCaller = options.maxPerCaller ?? 10;
  const maxTotal = options.maxTotal ?? 1000;
  const maxTokens = options.maxTokens ?? 8000;
  const now = options.now ?? Date.now;
  const connections = new WeakMap<WebSocket, Connection>();
  const byCaller = new Map<string, number>();
  const sockets = new Set<WebSocket>();
  let total = 0;
  let closing = false;

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 1024 * 1024 });
  wss.on('connection', (socket: WebSocket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      connections.get(socket)?.release();
    });
  });

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== graphqlPath) return refuseUpgrade(socket, 404, 'Not Found');
    if (closing) return refuseUpgrade(socket, 503, 'Service Unavailable');
    const host = request.headers.host ?? '';
    // The Host becomes the URL of every forwarded request: a name and a port, nothing that could move the path.
    if (!HOST_SHAPE.test(host)) return refuseUpgrade(socket, 400, 'Bad Request');
    if ((allowsHost !== null && !allowsHost(host))) return refuseUpgrade(socket, 403, 'Forbidden');
    const origin = request.headers.origin;
    if (origin !== undefined && !corsOrigins.has(origin) && !isSameOrigin(origin, host)) return refuseUpgrade(socket, 403, 'Forbidden');
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  server.on('upgrade', onUpgrade);

  const admit = (caller: Caller, socket: WebSocket, address: string | undefined): (() => void) | null => {
    // Without authentication the address stands for the caller, as for the caller rate limit.
    const key = caller.kind === 'anonymous' ? `anonymous:${address ?? ''}` : `${caller.kind}:${caller.name ?? ''}`;
    const held = byCaller.get(key) ?? 0;
    if (total >= maxTotal || held >= maxPerCaller) return null;
    byCaller.set(key, held + 1);
    total += 1;
    const expiry = caller.expiresAt == null ? undefined : setTimeout(() => socket.close(CLOSE_TOKEN_EXPIRED, 'Token expired'), Math.max(0, caller.expiresAt - now()));
    expiry?.unref();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      clearTimeout(expiry);
      total -= 1;
      const left = (byCaller.get(key) ?? 1) - 1;
      if (left === 0) byCaller.delete(key);
      else byCaller.set(key, left);
    };
  };

  useServer<Record<string, unknown> | undefined, { connection: Connection }>(
    {
      connectionInitWaitTimeout: options.connectionInitWaitMs ?? 10_000,
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        const credentials = credentialsOf(ctx.connectionParams, request);
        let caller: Caller;
        try {
          caller = authenticator === null ? ANONYMOUS_CALLER : await authenticator.authenticate(new Headers(credentials));
        } catch (error) {
          if (!(error instanceof AuthenticationError)) throw error;
          logger.info('websocket refused: not authenticated', { reason: error.reason });
          return false;
        }
        const release = admit(caller, socket, request.socket.remoteAddress);
        if (release === null) {
          logger.info('websocket refused: too many connections', { caller: caller.name ?? caller.kind });
          socket.close(CLOSE_TOO_MANY_CONNECTIONS, 'Too many connections');
          return false;
        }
        const connection: Connection = { caller, credentials, host: request.headers.host ?? '', origin: request.headers.origin ?? null, release };
        connections.set(socket, connection);
        (ctx.extra as Extra & { connection?: Connection }).connection = connection;
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        let document;
        try {
          document = parse(payload.query, { maxTokens });
        } catch (error) {
          const message = error instanceof GraphQLError ? error.message : 'The document could not be parsed';
          return [new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        // The gateway parses and validates it again, with all its rules; this only tells graphql-ws the operation's type.
        const forwarded: ForwardedOperation = { payload, connection: ctx.extra.connection!, request: ctx.extra.request };
        return { schema: PLACEHOLDER_SCHEMA, document, operationName: payload.operationName ?? null, variableValues: payload.variables ?? null, contextValue: forwarded } satisfies ExecutionArgs;
      },
      execute: (args) => forward(gateway, graphqlPath, args.contextValue as ForwardedOperation),
      subscribe: (args) => forward(gateway, graphqlPath, args.contextValue as ForwardedOperation),
    },
    wss,
  );

  return {
    get size() {
      return total;
    },
    async close() {
      closing = true;
      server.off('upgrade', onUpgrade);
      for (const socket of sockets) socket.close(CLOSE_GOING_AWAY, 'Server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** graphql-ws wants a schema in the arguments; the gateway's own runs the operation. */
const PLACEHOLDER_SCHEMA = undefined as unknown as ExecutionArgs['schema'];

interface ForwardedOperation {
  payload: SubscribePayload;
  connection: Connection;
  request: IncomingMessage;
}

/** `connectionParams.authorization` / `x-api-key` (any case), else the upgrade request's own headers. */
function credentialsOf(params: Record<string, unknown> | undefined, request: IncomingMessage): Record<string, string> {
  const fromParams: Record<string, string> = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    const lower = name.toLowerCase();
    if ((lower === 'authorization' || lower === 'x-api-key') && typeof value === 'string') fromParams[lower] = value;
  }
  if (Object.keys(fromParams).length > 0) return fromParams;
  const fromHeaders: Record<string, string> = {};
  if (typeof request.headers.authorization === 'string') fromHeaders['authorization'] = request.headers.authorization;
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string') fromHeaders['x-api-key'] = apiKey;
  return fromHeaders;
}

const HOST_SHAPE = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

function isSameOrigin(origin: string, host: string): boolean {
  return URL.canParse(origin) && new URL(origin).host === host.toLowerCase();
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * One operation as an HTTP request to the gateway, its answer read as Server-Sent Events (yoga
 * answers a query with one `next`, a subscription with one per message). Leaving the iterator
 * cancels the request, which ends the subscription in the gateway at once.
 */
async function forward(gateway: GraphqlFetch, path: string, operation: ForwardedOperation): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const { payload, connection, request } = operation;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream', ...connection.credentials };
  if (connection.origin !== null) headers['origin'] = connection.origin;
  const body = JSON.stringify({ query: payload.query, variables: payload.variables ?? undefined, operationName: payload.operationName ?? undefined, extensions: payload.extensions ?? undefined });
  // The upgrade request stands in for the HTTP one (the client's address); it carries no deadline, so streams have none.
  const response = await gateway.fetch(`http://${connection.host}${path}`, { method: 'POST', headers, body }, { req: request });
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/event-stream') || response.body === null) {
    // A refusal before execution (401, 403, 413, 429...) is JSON: one result with its errors.
    const text = await response.text();
    try {
      return JSON.parse(text) as ExecutionResult;
    } catch {
      return { errors: [new GraphQLError(`The gateway answered ${response.status}`, { extensions: { code: 'BAD_REQUEST' } })] };
    }
  }
  return serverSentResults(response.body);
}

/** The `next` events of yoga's SSE answer as results; ends at `complete` or the end of the body. */
function serverSentResults(body: ReadableStream<Uint8Array>): AsyncIterableIterator<ExecutionResult> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let done = false;
  const finish = async () => {
    if (done) return;
    done = true;
    await reader.cancel().catch(() => undefined);
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      while (!done) {
        const end = buffer.indexOf('\n\n');
        if (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = parseEvent(block);
          if (event === null) continue;
          if (event.name === 'complete') {
            await finish();
            break;
          }
          if (event.name === 'next') return { done: false, value: JSON.parse(event.data) as ExecutionResult };
          continue;
        }
        const chunk = await reader.read();
        if (chunk.done) {
          done = true;
          break;
        }
        buffer += decoder.decode(chunk.value, { stream: true });
      }
      return { done: true, value: undefined };
    },
    async return() {
      await finish();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/** One SSE block: its `event` name and joined `data` lines; null for a comment (keep-alive). */
function parseEvent(block: string): { name: string; data: string } | null {
  let name = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 && name === 'message' ? null : { name, data: data.join('\n') };
}
