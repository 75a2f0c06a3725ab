import { SpanStatusCode, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';

/**
 * How the lower layers (upstream, providers, ledger) report phases and spans without knowing who
 * records them. The entry installs observability's implementations; until then every hook is a
 * no-op behind one null check, so phase timing and tracing off cost no async context, no clock
 * read and no span object.
 */

/** Records a request's phases (`PHASE_TIMING`); installed once recording is turned on. */
export interface PhaseRecorder {
  /** Records `phase` now for the request (and vendor call) being served here. */
  mark(phase: string): void;
  /** Runs `run` as one vendor call named by `callName`: the phases marked within it carry that name. */
  inCall<T>(callName: () => string, run: () => T): T;
}

/** Where spans come from; installed by the entry, consulted per call so a tracer stopped later is seen. */
export interface SpanSource {
  /** The tracer of the registered SDK, or undefined when tracing is off (then no span is made). */
  tracer(): Tracer | undefined;
}

let phaseRecorder: PhaseRecorder | null = null;
let spanSource: SpanSource | null = null;

/** Installs (or, with null, removes) the phase recorder every `markPhase` reports to. */
export function installPhaseRecorder(recorder: PhaseRecorder | null): void {
  phaseRecorder = recorder;
}

/** Installs (or, with null, removes) the source of the spans the lower layers make. */
export function installSpanSource(source: SpanSource | null): void {
  spanSource = source;
}

/** Records `phase` now for the request being served here; nothing when no recorder is installed. */
export function markPhase(phase: string): void {
  if (phaseRecorder !== null) phaseRecorder.mark(phase);
}

/**
 * Runs `run` as part of one vendor call, named by `callName` (asked only when recording): the
 * phases marked within it carry that name.
 */
export function inCallPhases<T>(callName: () => string, run: () => T): T {
  return phaseRecorder === null ? run() : phaseRecorder.inCall(callName, run);
}

/** The tracer to make spans with, or undefined when tracing is off: callers then skip span work. */
export function activeTracer(): Tracer | undefined {
  return spanSource === null ? undefined : spanSource.tracer();
}

/**
 * Runs `work` in a new active span that ends when it settles, a thrown error recorded on it; with
 * tracing off, runs `work` with no span at all.
 */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  const tracer = activeTracer();
  // Not an async function, so that tracing off adds no promise either.
  if (tracer === undefined) return work(undefined);
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Marks a span failed with the error's machine-readable code (or class name). Never the message:
 * upstream messages are redacted, but a span goes to a collector outside the gateway's control.
 */
export function failSpan(span: Span, error: unknown): void {
  const type = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : error instanceof Error ? error.name : 'Error';
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}
