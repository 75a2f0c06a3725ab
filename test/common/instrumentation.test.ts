import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  activeTracer,
  inCallPhases,
  inSpan,
  installPhaseRecorder,
  installSpanSource,
  markPhase,
  type PhaseRecorder,
} from '../../src/common/instrumentation.js';

afterEach(() => {
  installPhaseRecorder(null);
  installSpanSource(null);
});

describe('the instrumentation facade with nothing installed', () => {
  it('marks nothing, runs a vendor call as is, and makes no span', async () => {
    expect(() => markPhase('nowhere')).not.toThrow();
    expect(inCallPhases(() => 'never asked', () => 42)).toBe(42);
    expect(activeTracer()).toBeUndefined();
    let seen: unknown = 'not called';
    await expect(
      inSpan('vendor X', {}, async (span) => {
        seen = span;
        return 'answer';
      }),
    ).resolves.toBe('answer');
    expect(seen).toBeUndefined();
  });
});

describe('the instrumentation facade with implementations installed', () => {
  it('hands marks and vendor calls to the installed phase recorder', () => {
    const marks: string[] = [];
    let call: string | null = null;
    const recorder: PhaseRecorder = {
      mark: (phase) => marks.push(call === null ? phase : `${call}: ${phase}`),
      inCall: (callName, run) => {
        call = callName();
        try {
          return run();
        } finally {
          call = null;
        }
      },
    };
    installPhaseRecorder(recorder);
    markPhase('loader dispatch');
    const result = inCallPhases(() => 'SHARPE /api/v1/usage', () => {
      markPhase('call sent');
      return 'body';
    });
    expect(result).toBe('body');
    expect(marks).toEqual(['loader dispatch', 'SHARPE /api/v1/usage: call sent']);
  });

  it('makes spans with the installed source, a failure recorded by its code and never its message', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    installSpanSource({ tracer: () => provider.getTracer('test') });
    const failure = Object.assign(new Error('secret detail sk_live_123'), { code: 'UPSTREAM_TIMEOUT' });
    await expect(inSpan('vendor SHARPE', {}, () => Promise.reject(failure))).rejects.toBe(failure);
    await inSpan('vendor FARADAY', {}, async () => 'fine');
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name)).toEqual(['vendor SHARPE', 'vendor FARADAY']);
    expect(spans[0]?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'UPSTREAM_TIMEOUT' });
    expect(spans[0]?.attributes['error.type']).toBe('UPSTREAM_TIMEOUT');
    expect(JSON.stringify(spans[0]?.attributes)).not.toContain('sk_live_123');
    expect(spans[1]?.status.code).toBe(SpanStatusCode.UNSET);
    await provider.shutdown();
  });
});
