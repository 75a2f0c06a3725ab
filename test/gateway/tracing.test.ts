import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

describe('federated tracing', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
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

  it('a traced vendor failure carries no credential in the trace', async () => {
    harness.sims.faraday.setFault({ fault: { mode: 'status', status: 500 } });
    const { body } = await harness.query<any>('{ account(provider: FARADAY) { fetchedAt } }', undefined, {
      'apollo-federation-include-trace': 'ftv1',
    });
    harness.sims.faraday.setFault(null);
    const trace = Buffer.from(body.extensions!.ftv1 as string, 'base64').toString('latin1');
    expect(trace).toContain('UPSTREAM_UNAVAILABLE');
    expect(trace).not.toContain(harness.sims.faraday.credential);
  });
});
