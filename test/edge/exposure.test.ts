import { describe, expect, it } from 'vitest';
import { useIntrospectionPolicy } from '../../src/edge/exposure.js';
import { graphqlRequest } from '../support/graphql-request.js';
import { tinyYoga } from '../support/tiny-yoga.js';

describe('useIntrospectionPolicy', () => {
  const ask = async (introspection: boolean, query: string) => (await graphqlRequest(tinyYoga([useIntrospectionPolicy(introspection)]).yoga, { query })).body;

  it('off: refuses __schema and __type at validation, and still answers __typename', async () => {
    const refused = await ask(false, '{ __schema { types { name } } }');
    expect(refused.data).toBeUndefined();
    expect(refused.errors![0]!.message).toMatch(/introspection/i);
    expect((await ask(false, '{ __type(name: "Account") { name } }')).errors).toHaveLength(1);
    expect(await ask(false, '{ __typename }')).toEqual({ data: { __typename: 'Query' } });
  });

  it('on: answers __schema and __type', async () => {
    expect((await ask(true, '{ __type(name: "Account") { name } }')).data).toEqual({ __type: { name: 'Account' } });
    expect((await ask(true, '{ __schema { queryType { name } } }')).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('off: drops "Did you mean" suggestions, which stay with introspection on', async () => {
    const off = await ask(false, '{ acounts { id } }');
    const on = await ask(true, '{ acounts { id } }');
    expect(on.errors![0]!.message).toBe('Cannot query field "acounts" on type "Query". Did you mean "accounts" or "account"?');
    expect(off.errors![0]!.message).toBe('Cannot query field "acounts" on type "Query".');
  });

  it('off: keeps every other part of a refused validation error (its code and location)', async () => {
    const off = await ask(false, '{ acounts { id } }');
    expect(off.errors![0]).toMatchObject({ locations: [{ line: 1, column: 3 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });
});
