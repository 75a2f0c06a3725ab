import SchemaBuilder from '@pothos/core';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type { GatewayContext } from '../context.js';
import type { Scope } from '../common/caller.js';
import { forbidden, scopesOf, type AuthScopes } from './access.js';

/** Pothos configuration only: plugins, context and scalar typings. Types live in their own files. */
export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  AuthScopes: AuthScopes;
  FederationScopes: Scope;
  DefaultFieldNullability: false;
  Scalars: {
    SafeInt: { Input: number; Output: number };
    DateTime: { Input: Date; Output: Date };
    /** A UTC day as its midnight. */
    Date: { Input: Date; Output: Date };
    PartnerSub: { Input: string; Output: string };
    ID: { Input: string; Output: string };
  };
}>({
  // Scope-auth first, so its checks wrap every other plugin's resolvers.
  plugins: [ScopeAuthPlugin, DirectivePlugin, FederationPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => scopesOf(context.caller),
    unauthorizedError: (_parent, _context, _info, result) => forbidden(result),
  },
});

builder.queryType({ description: 'Usage, quotas and plans of the configured data vendors, in one vocabulary, and the Arrays partner usage ledger.' });
