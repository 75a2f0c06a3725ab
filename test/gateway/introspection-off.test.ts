import { describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/common/logger.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { UpstreamHttp } from '../../src/upstream/http.js';
import { graphqlRequest } from '../support/graphql-request.js';

/**
 * With introspection off, neither `__schema` nor a "Did you mean" suggestion spells the whole
 * gateway's schema out. No query here reaches a vendor, so no vendor is configured.
 */
describe('INTROSPECTION=0 on the whole gateway', () => {
  const registry = createProviderRegistry({}, new UpstreamHttp());

  const ask = async (introspection: boolean, query: string) => {
    const yoga = createGateway({ registry, logger: createLogger({ level: 'silent' }), introspection });
    return (await graphqlRequest(yoga, { query })).body;
  };

  it('refuses __schema and __type at validation, and still answers __typename', async () => {
    const refused = await ask(false, '{ __schema { types { name } } }');
    expect(refused.data).toBeUndefined();
    expect(refused.errors![0]!.message).toMatch(/introspection/i);
    expect((await ask(false, '{ __type(name: "Account") { name } }')).errors).toHaveLength(1);
    expect(await ask(false, '{ __typename }')).toEqual({ data: { __typename: 'Query' }, extensions: { cost: { vendorCalls: { estimated: 0, actual: 0 } } } });
    expect((await ask(true, '{ __type(name: "Account") { name } }')).data).toEqual({ __type: { name: 'Account' } });
  });

  it('drops "Did you mean" suggestions, which it keeps with introspection on', async () => {
    const off = await ask(false, '{ acounts { provider { id } } }');
    const on = await ask(true, '{ acounts { provider { id } } }');
    expect(on.errors![0]!.message).toBe('Cannot query field "acounts" on type "Query". Did you mean "accounts" or "account"?');
    expect(off.errors![0]!.message).toBe('Cannot query field "acounts" on type "Query".');
  });
});
