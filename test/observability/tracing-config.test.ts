import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

const demo = { GATEWAY_DEMO: '1' };

describe('the OTEL_* variables', () => {
  it('leave tracing off by default, with the standard defaults otherwise', () => {
    expect(loadConfig(demo).tracing).toEqual({
      tracesEndpoint: null,
      serviceName: 'usage-gateway',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      scheduleDelayMs: 5000,
    });
  });

  it('send to <endpoint>/v1/traces, or to the traces endpoint as given, unless the SDK is disabled', () => {
    expect(loadConfig({ ...demo, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/' }).tracing.tracesEndpoint).toBe('http://127.0.0.1:4318/v1/traces');
    expect(
      loadConfig({ ...demo, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.test', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.test/in' }).tracing.tracesEndpoint,
    ).toBe('https://traces.test/in');
    expect(loadConfig({ ...demo, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.test', OTEL_SDK_DISABLED: 'true' }).tracing.tracesEndpoint).toBeNull();
    expect(
      loadConfig({ ...demo, OTEL_SERVICE_NAME: 'edge-usage', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).tracing,
    ).toMatchObject({ serviceName: 'edge-usage', sampler: 'parentbased_traceidratio', samplerRatio: 0.25 });
  });

  it('refuse bad values, every one of them, never quoting a URL password', () => {
    let message = '';
    try {
      loadConfig({
        ...demo,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://user:hunter2secret@collector.test',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector.example.com/v1/traces',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: '1.5',
        OTEL_BSP_SCHEDULE_DELAY: '0',
        OTEL_SDK_DISABLED: 'yes',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('OTEL_EXPORTER_OTLP_ENDPOINT: must not contain user:password@');
    expect(message).toContain('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: plain http only to loopback');
    expect(message).toContain('OTEL_TRACES_SAMPLER: expected one of always_on');
    expect(message).toContain('OTEL_TRACES_SAMPLER_ARG: expected a number from 0 to 1');
    expect(message).toContain('OTEL_BSP_SCHEDULE_DELAY: expected a whole number from 1 to 60000');
    expect(message).toContain('OTEL_SDK_DISABLED: expected true or false');
    expect(message).not.toContain('hunter2secret');
  });
});
