import { printSubgraphSchema } from '@apollo/subgraph';
import { buildSchema as buildSdl } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/schema/index.js';
import { composeSupergraph } from './supergraph.js';

/**
 * Alerts in the subgraph: Federation v2 composes a subgraph's Subscription and Mutation types
 * (a router that runs federated subscriptions, such as Apollo Router, serves them), so the
 * subgraph SDL keeps them rather than leaving them out.
 */
describe('alerts in the federated subgraph', () => {
  it('the subgraph with alert queries, the mutation and the subscription composes, and the supergraph API keeps them', () => {
    const supergraph = composeSupergraph([{ name: 'usage', url: 'http://usage.internal/graphql', sdl: printSubgraphSchema(buildSchema()) }]);
    const api = buildSdl(supergraph, { assumeValidSDL: true });
    expect(Object.keys(api.getSubscriptionType()!.getFields())).toEqual(['alertEvents']);
    expect(Object.keys(api.getMutationType()!.getFields())).toEqual(['sendTestAlert']);
    expect(Object.keys(api.getQueryType()!.getFields())).toEqual(expect.arrayContaining(['alertRules', 'firingAlerts', 'alertEvents', 'webhookEndpoints']));
  });
});
