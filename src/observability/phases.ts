import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { installPhaseRecorder, type PhaseRecorder } from '../common/instrumentation.js';
import type { Logger } from '../common/logger.js';

/**
 * Per-request phase timestamps (`PHASE_TIMING=1`), to see where a request's time goes: the edge,
 * the GraphQL engine, each vendor call's socket and body, parsing and validation, serialisation.
 * Off by default, and then nothing here runs but the one null check per mark of common's
 * instrumentation facade: no async context, no channel subscription, no clock read.
 */

/** One moment of a request: what happened, when, and during which vendor call. */
export interface PhaseMark {
  phase: string;
  /** ms since the request reached the HTTP handler (`performance.now()`, sub-millisecond). */
  atMs: number;
  /** The vendor call it belongs to (`SHARPE /api/v1/usage`); absent for the request's own phases. */
  call?: string;
}

interface PhaseScope {
  readonly startedAt: number;
  readonly marks: PhaseMark[];
  readonly call?: string;
}

let storage: AsyncLocalStorage<PhaseScope> | null = null;

function mark(scope: PhaseScope, phase: string): void {
  const atMs = performance.now() - scope.startedAt;
  scope.marks.push(scope.call === undefined ? { phase, atMs } : { phase, atMs, call: scope.call });
}

/**
 * The recorder installed in common's instrumentation once recording is on: marks go to the scope
 * of the request (and vendor call) being served, nowhere outside one.
 */
function recorderOf(phases: AsyncLocalStorage<PhaseScope>): PhaseRecorder {
  return {
    mark(phase) {
      const scope = phases.getStore();
      if (scope !== undefined) mark(scope, phase);
    },
    inCall(callName, run) {
      const scope = phases.getStore();
      return scope === undefined ? run() : phases.run({ startedAt: scope.startedAt, marks: scope.marks, call: callName() }, run);
    },
  };
}

/**
 * undici announces each request's socket events on diagnostics channels, outside the async context
 * of the call that made it; the request object, seen first where the call is made, links them.
 */
function watchUndici(): void {
  const scopes = new WeakMap<object, PhaseScope>();
  const sockets = new WeakSet<object>();
  const on = (channel: string, phase: string) =>
    subscribe(channel, (message) => {
      const scope = scopes.get((message as { request: object }).request);
      if (scope !== undefined) mark(scope, phase);
    });
  subscribe('undici:request:create', (message) => {
    const scope = storage?.getStore();
    if (scope?.call === undefined) return;
    scopes.set((message as { request: object }).request, scope);
    mark(scope, 'undici request created');
  });
  subscribe('undici:client:sendHeaders', (message) => {
    const { request, socket } = message as { request: object; socket: object };
    const scope = scopes.get(request);
    if (scope === undefined) return;
    // A socket first seen here was opened for this call: its TCP connect was on the critical path.
    if (!sockets.has(socket)) {
      sockets.add(socket);
      mark(scope, 'new connection');
    }
    mark(scope, 'socket write');
  });
  on('undici:request:headers', 'first byte');
  on('undici:request:trailers', 'last byte');
}

/**
 * Wraps a node:http handler so that each request records its phases, and hands them to `report`
 * once the response is written. Turns recording on for the whole process.
 */
export function withPhaseRecording(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  report: (marks: readonly PhaseMark[], req: IncomingMessage) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  if (storage === null) {
    storage = new AsyncLocalStorage<PhaseScope>();
    installPhaseRecorder(recorderOf(storage));
    watchUndici();
  }
  const phases = storage;
  return (req, res) => {
    const scope: PhaseScope = { startedAt: performance.now(), marks: [] };
    res.once('finish', () => {
      mark(scope, 'response written');
      report(scope.marks, req);
    });
    phases.run(scope, () => handler(req, res));
  };
}

/** The message of the line `logPhases` writes, so that the benchmark can find it. */
export const PHASES_LOG_MESSAGE = 'request phases';

/** One info line per request: its marks, in the order they happened, to the hundredth of a ms. */
export function logPhases(log: Logger, marks: readonly PhaseMark[]): void {
  log.info(PHASES_LOG_MESSAGE, { phases: marks.map((entry) => ({ ...entry, atMs: Math.round(entry.atMs * 100) / 100 })) });
}
