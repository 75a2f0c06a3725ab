import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultMode } from '../../src/simulators/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { expectNoFragmentOf } from '../support/leaks.js';

/** Faraday's credential: the echo faults make the simulator quote it back. */
const CANARY = 'fdy_canary_trace_Q7zK2pW9xL4v';

describe('federated tracing', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      credentials: { FARADAY: CANARY },
      simulatorCredentials: { FARADAY: [CANARY] },
      // Every failure must reach the trace as the vendor's own error: no cache, no stale answer, no
      // retry, and no breaker opening on the way (its error would quote nothing of the vendor).
      policies: { FARADAY: { cacheTtlMs: 0, staleIfErrorMs: 0, maxRetries: 0, breaker: { minimumCalls: 1e9 } } },
    });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('answers `apollo-federation-include-trace: ftv1` with extensions.ftv1', async () => {
    const { body } = await harness.query<any>('{ providers { id } }', undefined, { 'apollo-federation-include-trace': 'ftv1' });
    expect(body.errors).toBeUndefined();
    expect(typeof body.extensions?.ftv1).toBe('string');
    // A base64 protobuf Trace: decodable, and not empty.
    expect(Buffer.from(body.extensions!.ftv1 as string, 'base64').length).toBeGreaterThan(10);
  });

  it('adds no trace without the header', async () => {
    const { body } = await harness.query<any>('{ providers { id } }');
    expect(body.extensions?.ftv1).toBeUndefined();
  });

  it.each<[FaultMode, string]>([
    [{ mode: 'echo', status: 500, at: 'start' }, 'UPSTREAM_UNAVAILABLE'],
    [{ mode: 'echo', status: 500, at: 'middle' }, 'UPSTREAM_UNAVAILABLE'],
    [{ mode: 'echo', status: 401, at: 'end' }, 'UPSTREAM_AUTH_FAILED'],
    // The gateway quotes the first 40 characters of a body that is not JSON: the key before, across and at that cut.
    [{ mode: 'echo-text', status: 200, offset: 3 }, 'UPSTREAM_BAD_RESPONSE'],
    [{ mode: 'echo-text', status: 200, offset: 22 }, 'UPSTREAM_BAD_RESPONSE'],
    [{ mode: 'echo-text', status: 200, offset: 33 }, 'UPSTREAM_BAD_RESPONSE'],
  ])('a traced vendor failure that echoes the credential (%j) carries none of it in the trace', async (fault, code) => {
    harness.sims.faraday.setFault({ fault });
    try {
      // The vendor really sends the credential back.
      const echoed = await fetch(`${harness.sims.faraday.baseUrl}/v1/usages`, { headers: { authorization: `Bearer ${CANARY}` } });
      expect(await echoed.text()).toContain(CANARY);
      const logged = harness.logs.length;
      const { body, text } = await harness.query<any>('{ account(provider: FARADAY) { fetchedAt } }', undefined, {
        'apollo-federation-include-trace': 'ftv1',
      });
      const trace = Buffer.from(body.extensions!.ftv1 as string, 'base64').toString('latin1');
      expect(body.errors?.[0]?.extensions).toMatchObject({ code, provider: 'FARADAY' });
      expect(trace).toContain(code);
      expectNoFragmentOf(trace, CANARY);
      expectNoFragmentOf(text, CANARY);
      expectNoFragmentOf(harness.logs.slice(logged).join('\n'), CANARY);
      // The vendor's words did reach the trace, with the credential taken out.
      expect(trace).toContain('[REDACTED]');
    } finally {
      harness.sims.faraday.setFault(null);
    }
  });
});
