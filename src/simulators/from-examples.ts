import { genericError, startSimulatorServer, type SimRequest, type SimResponse } from './http-server.js';
import type { SimulatorHandle, SimulatorOptions } from './types.js';

/**
 * A simulator built from a declared vendor's own examples: each declared path answers its first
 * successful example, a wrong or missing credential gets the example of that status, and more
 * than the demo rate limit in a rolling minute gets 429 with `Retry-After`. The shared faults
 * (latency, HTML, malformed JSON, echo, drift…) apply to it as to every simulator.
 */

/** Where the declared vendor reads its credential from a request. */
export type ExampleAuth = { kind: 'bearer' } | { kind: 'basic' } | { kind: 'header'; name: string } | { kind: 'query'; name: string };

export interface ExampleSimulatorDefinition {
  /** The vendor's id, e.g. `ACME`. */
  provider: string;
  /** Path prefix of the vendor's production base URL, '' or e.g. '/api'. */
  basePath: string;
  auth: ExampleAuth;
  /** Answers by declared path (without the prefix): the body of its first successful example. */
  routes: Record<string, { status: number; body: unknown; headers?: Record<string, string> }>;
  /** The vendor's error body for a status, `message` (when given) in the place its errors keep their message. */
  errorBody(status: number, message: string | undefined): unknown;
  /** Requests a credential may make in a rolling minute before 429. */
  rateLimitPerMinute: number;
  /** The credential of demo mode, accepted unless `credentials` says otherwise. */
  demoCredential: string;
}

const MINUTE_MS = 60_000;

function credentialOf(auth: ExampleAuth, request: SimRequest): string | null {
  switch (auth.kind) {
    case 'bearer': {
      const value = request.headers.authorization;
      return typeof value === 'string' && value.startsWith('Bearer ') ? value.slice('Bearer '.length) : null;
    }
    case 'basic': {
      const value = request.headers.authorization;
      return typeof value === 'string' && value.startsWith('Basic ') ? Buffer.from(value.slice('Basic '.length), 'base64').toString('utf8') : null;
    }
    case 'header': {
      const value = request.headers[auth.name.toLowerCase()];
      return typeof value === 'string' ? value : null;
    }
    case 'query':
      return request.query.get(auth.name);
  }
}

/** The `drift` fault, generically: the first leaf member renamed, the second retyped. */
function drifted(body: unknown): unknown {
  let renamed = false;
  let retyped = false;
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(value)) {
      if (typeof member !== 'object' || member === null) {
        if (!renamed) {
          renamed = true;
          out[`${name}_v2`] = member;
          continue;
        }
        if (!retyped) {
          retyped = true;
          out[name] = typeof member === 'string' ? 0 : String(member);
          continue;
        }
      }
      out[name] = visit(member);
    }
    return out;
  };
  return visit(body);
}

/** Starts the simulator of a declared vendor on loopback. */
export function startExampleSimulator(definition: ExampleSimulatorDefinition, options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const credentials = options.credentials ?? [definition.demoCredential];
  const clock = options.clock ?? Date.now;
  const windows = new Map<string, number[]>();
  const error = (status: number, message?: string, headers?: Record<string, string>): SimResponse => ({
    status,
    body: definition.errorBody(status, message ?? genericError(status).message),
    ...(headers === undefined ? {} : { headers }),
  });
  return startSimulatorServer(
    {
      provider: definition.provider,
      basePath: definition.basePath,
      credential: credentials[0]!,
      credentialOf: (request) => credentialOf(definition.auth, request),
      errorResponse: (status, message) => error(status, message),
      drift: (_request, body) => drifted(body),
      handle(request) {
        const route = definition.routes[request.pathname.slice(definition.basePath.length)];
        if (request.method !== 'GET') return error(405);
        if (route === undefined) return error(404);
        const credential = credentialOf(definition.auth, request);
        if (credential === null || !credentials.includes(credential)) return error(401);
        const now = clock();
        const window = (windows.get(credential) ?? []).filter((at) => at > now - MINUTE_MS);
        if (window.length >= definition.rateLimitPerMinute) {
          windows.set(credential, window);
          return error(429, undefined, { 'retry-after': String(Math.max(1, Math.ceil((window[0]! + MINUTE_MS - now) / 1000))) });
        }
        window.push(now);
        windows.set(credential, window);
        return { status: route.status, body: route.body, ...(route.headers === undefined ? {} : { headers: route.headers }) };
      },
    },
    options.host,
  );
}
