import {
  createServer,
  STATUS_CODES,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { echoMessage, echoPage, HTML_BODY, InvalidFaultError, MALFORMED_JSON_BODY, NO_CREDENTIAL, parseFaultSetting } from './faults.js';
import type { FaultMode, FaultSetting, SimulatedProvider, SimulatorHandle, UsageSetting } from './types.js';
import { InvalidUsageError, parseUsageSetting } from './usage-dial.js';

/** A vendor request as a simulator's handler sees it. */
export interface SimRequest {
  method: string;
  /** Full pathname, base prefix included (e.g. `/api/v1/usage`). */
  pathname: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/** A vendor answer: a status and a JSON body. */
export interface SimResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What one vendor contributes; everything else (faults, admin, hits, lifecycle) is shared. */
export interface VendorDefinition {
  provider: SimulatedProvider;
  /** Path prefix of the vendor's production base URL, '' or e.g. '/api'. */
  basePath: string;
  /** The credential reported as `handle.credential`. */
  credential: string;
  handle(request: SimRequest): SimResponse;
  /**
   * The vendor's own error body for a status (used for faults, unknown routes, crashes). `message`,
   * when given, replaces the vendor's wording (the `echo` fault quotes a credential in it).
   */
  errorResponse(status: number, message?: string): SimResponse;
  /** The credential a request carried, as this vendor reads it; null when it carried none. */
  credentialOf(request: SimRequest): string | null;
  /** The `drift` fault: the 200 body with one documented field renamed and one retyped. */
  drift(request: SimRequest, body: unknown): unknown;
  /**
   * Sets a counter of the (first credential's) account, for `POST /__sim/usage`. Throws an
   * InvalidUsageError for a counter the vendor does not report. Default: the vendor has none.
   */
  setUsage?(setting: UsageSetting): void;
}

const ADMIN_PREFIX = '/__sim/';
const MAX_ADMIN_BODY_BYTES = 64 * 1024;

/** The request header that carries {@link simulatorAdminToken} to the admin routes. */
export const SIMULATOR_ADMIN_HEADER = 'x-sim-admin-token';

let adminToken: string | undefined;

/**
 * The admin routes' token: random, made once per process, shared by every simulator of it (demo
 * mode logs it). Loopback alone is not enough: any local process, or a web page whose name
 * rebinds to 127.0.0.1, could otherwise switch faults on. A test and demo secret, not a vendor's.
 */
export function simulatorAdminToken(): string {
  adminToken ??= randomBytes(24).toString('base64url');
  return adminToken;
}

/**
 * Makes `token` this process's admin token, so that simulators spread over several processes (the
 * benchmark's, one per vendor) answer one token. Only before any token is made, or with the same one.
 */
export function adoptSimulatorAdminToken(token: string): void {
  if (token.length < 16) throw new RangeError('a simulator admin token has at least 16 characters');
  if (adminToken !== undefined && adminToken !== token) throw new Error('this process already has another simulator admin token');
  adminToken = token;
}

function hasAdminToken(headers: IncomingHttpHeaders): boolean {
  const given = headers[SIMULATOR_ADMIN_HEADER];
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(simulatorAdminToken());
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * True for a `Host` header naming loopback (127.0.0.1, localhost or [::1], any port): a browser
 * sends the page's own name, so a rebound name is refused even though it reached 127.0.0.1.
 */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  return host !== undefined && /^(\[::1\]|127\.0\.0\.1|localhost)(?::\d{1,5})?$/i.test(host);
}

/** True for loopback peers (127.0.0.0/8, ::1, and IPv4-mapped 127.x), the only ones admin routes serve. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4.startsWith('127.') || address === '::1';
}

export type BearerResult = { kind: 'missing' } | { kind: 'malformed' } | { kind: 'token'; token: string };

/** Reads `Authorization: Bearer <token>`; tells a missing header from one of another shape. */
export function readBearer(headers: IncomingHttpHeaders): BearerResult {
  const value = headers.authorization;
  if (value === undefined || value === '') return { kind: 'missing' };
  const match = /^Bearer ([^\s]+)$/.exec(value);
  return match?.[1] === undefined ? { kind: 'malformed' } : { kind: 'token', token: match[1] };
}

/** The token of a well-formed `Authorization: Bearer <token>`, else null (a vendor's `credentialOf`). */
export function bearerCredential(request: SimRequest): string | null {
  const bearer = readBearer(request.headers);
  return bearer.kind === 'token' ? bearer.token : null;
}

/** Conventional error code and message for a status, for vendors that use generic codes. */
export function genericError(status: number): { code: string; message: string } {
  const codes: Record<number, string> = {
    400: 'BAD_REQUEST',
    401: 'UNAUTHORIZED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    405: 'METHOD_NOT_ALLOWED',
    429: 'RATE_LIMITED',
    500: 'INTERNAL_ERROR',
    502: 'BAD_GATEWAY',
    503: 'SERVICE_UNAVAILABLE',
    504: 'GATEWAY_TIMEOUT',
  };
  return { code: codes[status] ?? `HTTP_${status}`, message: STATUS_CODES[status] ?? `HTTP ${status}` };
}

/** Releases a held request: `true` to answer it, `false` when the server is closing. */
type Waiter = (answered: boolean) => void;

/**
 * Starts one simulator: a node:http server on an ephemeral port that routes `/__sim/*` to the admin
 * API (loopback peer, loopback `Host` and the process's admin token required) and everything else
 * to the vendor, through the fault currently set.
 */
export async function startSimulatorServer(vendor: VendorDefinition, host = '127.0.0.1'): Promise<SimulatorHandle> {
  const hitsByPath = new Map<string, number>();
  let totalHits = 0;
  /** Held requests whose connection closed before they were answered: the client gave up on them. */
  let abandoned = 0;
  let fault: FaultSetting | null = null;
  let remaining = Infinity;
  let closing = false;
  /** Requests held by `hang` (released by a fault change) or `latency` (released by a timer). */
  const hung = new Set<Waiter>();
  const delayed = new Set<Waiter>();

  function setFault(setting: FaultSetting | null): void {
    fault = setting === null ? null : parseFaultSetting(setting);
    remaining = fault?.count ?? Infinity;
    for (const release of [...hung]) release(true);
  }

  function takeFault(): FaultMode | null {
    if (fault === null) return null;
    const current = fault.fault;
    remaining -= 1;
    if (remaining <= 0) {
      fault = null;
      remaining = Infinity;
    }
    return current;
  }

  /** Resolves true when released (after `ms`, if given) or false when the server closes. */
  function hold(set: Set<Waiter>, ms?: number): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = (answered) => {
        set.delete(waiter);
        if (timer !== undefined) clearTimeout(timer);
        resolve(answered);
      };
      set.add(waiter);
      if (ms !== undefined) timer = setTimeout(() => waiter(true), ms);
    });
  }

  function answer(request: SimRequest): SimResponse {
    try {
      return vendor.handle(request);
    } catch {
      return vendor.errorResponse(500);
    }
  }

  async function serveVendor(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    totalHits += 1;
    hitsByPath.set(url.pathname, (hitsByPath.get(url.pathname) ?? 0) + 1);
    const request: SimRequest = {
      method: req.method ?? 'GET',
      pathname: url.pathname,
      query: url.searchParams,
      headers: req.headers,
    };
    const mode = takeFault();
    switch (mode?.mode) {
      case undefined:
        return sendJson(res, answer(request));
      case 'latency':
        countIfAbandoned(res);
        if (await hold(delayed, mode.ms)) sendJson(res, answer(request));
        else res.destroy();
        return;
      case 'hang':
        countIfAbandoned(res);
        if (await hold(hung)) sendJson(res, answer(request));
        else res.destroy();
        return;
      case 'status':
        return sendJson(res, vendor.errorResponse(mode.status));
      case 'rate-limit': {
        const limited = vendor.errorResponse(429);
        return sendJson(res, { ...limited, headers: { ...limited.headers, 'retry-after': mode.retryAfter } });
      }
      case 'malformed-json':
        return sendText(res, 200, 'application/json; charset=utf-8', MALFORMED_JSON_BODY);
      case 'html':
        return sendText(res, 200, 'text/html; charset=utf-8', HTML_BODY);
      case 'truncated':
        return sendTruncated(res, answer(request).body);
      case 'reset':
        req.socket.destroy();
        return;
      case 'drift': {
        const normal = answer(request);
        return sendJson(res, normal.status === 200 ? { ...normal, body: vendor.drift(request, normal.body) } : normal);
      }
      case 'echo':
        return sendJson(res, vendor.errorResponse(mode.status, echoMessage(vendor.credentialOf(request) ?? NO_CREDENTIAL, mode.at)));
      case 'echo-text':
        return sendText(res, mode.status, 'text/html; charset=utf-8', echoPage(vendor.credentialOf(request) ?? NO_CREDENTIAL, mode.offset));
    }
  }

  async function serveAdmin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!isLoopbackAddress(req.socket.remoteAddress)) {
      return sendJson(res, { status: 403, body: { error: 'simulator admin routes accept loopback clients only' } });
    }
    if (!isLoopbackHostHeader(req.headers.host)) {
      return sendJson(res, { status: 403, body: { error: 'simulator admin routes answer a loopback Host only' } });
    }
    if (!hasAdminToken(req.headers)) {
      return sendJson(res, { status: 401, body: { error: `simulator admin routes need the ${SIMULATOR_ADMIN_HEADER} header of this process` } });
    }
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    switch (route) {
      case 'GET /__sim/hits':
        return sendJson(res, { status: 200, body: { total: totalHits, byPath: Object.fromEntries(hitsByPath) } });
      case 'GET /__sim/abandoned':
        return sendJson(res, { status: 200, body: { abandoned } });
      case 'DELETE /__sim/hits':
        resetHits();
        return sendEmpty(res);
      case 'GET /__sim/fault':
        return sendJson(res, {
          status: 200,
          body: { fault: fault?.fault ?? null, remaining: fault?.count === undefined ? null : remaining },
        });
      case 'DELETE /__sim/fault':
        setFault(null);
        return sendEmpty(res);
      case 'PUT /__sim/fault': {
        try {
          setFault(parseFaultSetting(JSON.parse(await readBody(req))));
        } catch (error) {
          const message = error instanceof InvalidFaultError || error instanceof SyntaxError ? error.message : 'unreadable body';
          return sendJson(res, { status: 400, body: { error: message } });
        }
        return sendEmpty(res);
      }
      case 'POST /__sim/usage': {
        try {
          setUsage(parseUsageSetting(JSON.parse(await readBody(req))));
        } catch (error) {
          const message = error instanceof InvalidUsageError || error instanceof InvalidFaultError || error instanceof SyntaxError ? error.message : 'unreadable body';
          return sendJson(res, { status: 400, body: { error: message } });
        }
        return sendEmpty(res);
      }
      default:
        return sendJson(res, { status: 404, body: { error: `no admin route ${route}` } });
    }
  }

  function setUsage(setting: UsageSetting): void {
    if (vendor.setUsage === undefined) throw new InvalidUsageError(`${vendor.provider} reports no counter to set`);
    vendor.setUsage(setting);
  }

  function countIfAbandoned(res: ServerResponse): void {
    res.once('close', () => {
      if (!res.writableEnded && !closing) abandoned += 1;
    });
  }

  function resetHits(): void {
    totalHits = 0;
    abandoned = 0;
    hitsByPath.clear();
  }

  function sendJson(res: ServerResponse, response: SimResponse): void {
    sendText(res, response.status, 'application/json; charset=utf-8', JSON.stringify(response.body), response.headers);
  }

  function sendText(
    res: ServerResponse,
    status: number,
    contentType: string,
    text: string,
    headers: Record<string, string> = {},
  ): void {
    if (res.destroyed || closing) {
      res.destroy();
      return;
    }
    res.writeHead(status, {
      ...headers,
      'content-type': contentType,
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const serve = url.pathname.startsWith(ADMIN_PREFIX) ? serveAdmin : serveVendor;
    serve(req, res, url).catch(() => res.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;

  return {
    provider: vendor.provider,
    baseUrl: `http://${urlHost}:${port}${vendor.basePath}`,
    credential: vendor.credential,
    hits: (path?: string) => (path === undefined ? totalHits : (hitsByPath.get(path) ?? 0)),
    resetHits,
    setFault,
    setUsage: (setting) => setUsage(parseUsageSetting(setting)),
    close() {
      if (closed !== undefined) return closed;
      closing = true;
      closed = new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const release of [...hung, ...delayed]) release(false);
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function sendEmpty(res: ServerResponse): void {
  res.writeHead(204).end();
}

/** Announces the whole body, sends its first half, then cuts the connection. */
function sendTruncated(res: ServerResponse, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  const cut = Math.max(1, Math.floor(bytes.length / 2));
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length });
  res.write(bytes.subarray(0, cut), () => res.socket?.destroy());
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_ADMIN_BODY_BYTES) throw new InvalidFaultError('admin body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
