import { MockAgent, type Interceptable } from 'undici';
import { afterEach, beforeEach } from 'vitest';
import { UpstreamHttp, type UpstreamHttpOptions } from '../../src/upstream/http.js';

/** A MockAgent that refuses real network, and the shared HTTP layer dispatching through it. */
export function mockedHttp(options: Omit<UpstreamHttpOptions, 'dispatcher'> = {}): { agent: MockAgent; http: UpstreamHttp } {
  const agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
  return { agent, http: new UpstreamHttp({ ...options, dispatcher: agent }) };
}

/** What a vendor client test runs against; every property is the current test's. */
export interface VendorTestBed {
  /** The test's MockAgent: no real network, call history on. */
  readonly agent: MockAgent;
  /** The shared HTTP layer over `agent`, as a client is given it. */
  readonly http: UpstreamHttp;
  /** The interceptable pool of the vendor's origin. */
  readonly vendor: Interceptable;
  /** Replaces `http` for the rest of the test with one of other transport options (a short timeout), over the same agent. */
  withTransport(options: Omit<UpstreamHttpOptions, 'dispatcher'>): UpstreamHttp;
}

/**
 * Registers the setup every vendor client test shares: before each test a fresh MockAgent and HTTP
 * layer; after it, a failure if an interceptor (a documented request the client should have made)
 * was not used, then the agent closed. Call once at the top of a test file.
 */
export function useVendorTestBed(origin: string): VendorTestBed {
  let current: { agent: MockAgent; http: UpstreamHttp } | undefined;
  const now = () => {
    if (current === undefined) throw new Error('the vendor test bed is only there inside a test');
    return current;
  };
  beforeEach(() => {
    current = mockedHttp();
  });
  afterEach(async () => {
    const { agent } = now();
    current = undefined;
    try {
      agent.assertNoPendingInterceptors();
    } finally {
      await agent.close();
    }
  });
  return {
    get agent() {
      return now().agent;
    },
    get http() {
      return now().http;
    },
    get vendor() {
      return now().agent.get(origin);
    },
    withTransport(options) {
      const test = now();
      test.http = new UpstreamHttp({ ...options, dispatcher: test.agent });
      return test.http;
    },
  };
}
