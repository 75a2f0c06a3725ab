import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { expectNoFragmentOf } from '../support/leaks.js';

/**
 * Arrays' advice on a failure (`hint`, `docs_url`, `examples`, `suggestions`), from the simulator's
 * error body to the client: in the error's extensions when the failure nulls a field, and in the
 * in-schema `ProviderError` of `accounts`. The `echo` fault makes the simulator quote the
 * credential in its message and its suggestions.
 */

let harness: Harness;
const answers: string[] = [];

beforeAll(async () => {
  harness = await startHarness({ policies: { ARRAYS: { cacheTtlMs: 0, staleIfErrorMs: 0, maxRetries: 0 } } });
});

afterAll(async () => {
  await harness.close();
});

const ROUTE_EXAMPLE = 'GET /api/v1/partner/usage?from_id=0&count=1000';

async function ask(query: string): Promise<any> {
  const { body, text } = await harness.query<any>(query);
  answers.push(text);
  return body;
}

describe('Arrays error advice', () => {
  it('reaches the extensions of the error that nulls a field', async () => {
    harness.sims.arrays.setFault({ fault: { mode: 'status', status: 404 }, count: 1 });
    const body = await ask(`{ account(provider: ARRAYS) { fetchedAt } }`);
    expect(body.data.account).toBeNull();
    expect(body.errors[0].extensions).toMatchObject({
      code: 'UPSTREAM_NOT_FOUND',
      provider: 'ARRAYS',
      hint: 'Check the request against the API reference.',
      docsUrl: 'https://docs.arrays.org/api-reference/partner/usage',
      examples: [ROUTE_EXAMPLE],
      suggestions: ['Send GET requests to the partner usage route only.'],
    });
  });

  it('reaches ProviderError beside hint, with the echoed credential redacted', async () => {
    harness.sims.arrays.setFault({ fault: { mode: 'echo', status: 503, at: 'middle' }, count: 1 });
    const body = await ask(`{ accounts { provider { id } error { code hint docsUrl examples suggestions } } }`);
    const arrays = body.data.accounts.find((entry: any) => entry.provider.id === 'ARRAYS');
    expect(arrays.error).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      hint: 'This is a temporary problem on our side; retry with backoff.',
      docsUrl: 'https://docs.arrays.org/api-reference/partner/usage',
      examples: [ROUTE_EXAMPLE],
      suggestions: ['Retry later.', 'The key [REDACTED] is not one this account accepts.'],
    });
    for (const text of [...answers, ...harness.logs]) expectNoFragmentOf(text, harness.sims.arrays.credential);
  });

  it('are empty lists when the vendor gave none', async () => {
    const body = await ask(`{ accounts { provider { id } error { examples suggestions } } }`);
    const arrays = body.data.accounts.find((entry: any) => entry.provider.id === 'ARRAYS');
    expect(arrays.error).toBeNull();
    harness.sims.arrays.setFault({ fault: { mode: 'malformed-json' }, count: 1 });
    const broken = await ask(`{ accounts { provider { id } error { code examples suggestions } } }`);
    expect(broken.data.accounts.find((entry: any) => entry.provider.id === 'ARRAYS').error).toEqual({ code: 'UPSTREAM_BAD_RESPONSE', examples: [], suggestions: [] });
  });
});
