import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewOf } from '../../src/providers/provider.js';
import { startHarness, type Harness } from '../support/harness.js';

describe('viewOf', () => {
  it('derives once per source object and again for another object', () => {
    let derivations = 0;
    const view = viewOf((source: { n: number }) => ({ double: (derivations += 1) && source.n * 2 }));
    const source = { n: 2 };
    expect(view(source)).toBe(view(source));
    expect(derivations).toBe(1);
    expect(view({ n: 2 })).toEqual({ double: 4 });
    expect(derivations).toBe(2);
  });

  it('does not remember a derivation that threw', () => {
    let attempts = 0;
    const view = viewOf((_source: object) => {
      attempts += 1;
      if (attempts === 1) throw new Error('first attempt fails');
      return attempts;
    });
    const source = {};
    expect(() => view(source)).toThrow('first attempt fails');
    expect(view(source)).toBe(2);
    expect(view(source)).toBe(2);
  });
});

describe('account views over cached vendor answers', () => {
  let cached: Harness;
  let uncached: Harness;
  beforeAll(async () => {
    [cached, uncached] = await Promise.all([startHarness(), startHarness({ policy: { cacheTtlMs: 0 } })]);
  });
  afterAll(async () => {
    await Promise.all([cached.close(), uncached.close()]);
  });

  it.each(['ARRAYS', 'ANYLAYER', 'FARADAY'] as const)('%s: one account object while its answers are cached, a new one for new answers', async (id) => {
    const account = async () => (await cached.registry.get(id)!.client.fetchAccount()).value;
    expect(await account()).toBe(await account());
    const fresh = async () => (await uncached.registry.get(id)!.client.fetchAccount()).value;
    const [first, second] = [await fresh(), await fresh()];
    expect(second).not.toBe(first);
    expect({ ...second, upstreamRequestId: null }).toEqual({ ...first, upstreamRequestId: null });
  });

  it('a stale account carries its failure beside the view of the same cached answers', async () => {
    const harness = await startHarness({ policy: { cacheTtlMs: 1, maxRetries: 0 } });
    try {
      const faraday = harness.registry.get('FARADAY')!.client;
      const fresh = await faraday.fetchAccount();
      await new Promise((resolve) => setTimeout(resolve, 5));
      harness.sims.faraday.setFault({ fault: { mode: 'status', status: 503 } });
      const stale = await faraday.fetchAccount();
      expect(fresh.staleReason).toBeNull();
      expect(stale.staleReason).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
      // Freshness wraps the value: the stale answer is the same account, built once.
      expect(stale.value).toBe(fresh.value);
    } finally {
      await harness.close();
    }
  });
});
