import { GraphQLError } from 'graphql';
import type { AuthFailure, ForbiddenResult } from '@pothos/plugin-scope-auth';
import type { Caller, Scope } from '../common/caller.js';

/**
 * Who may read what: the scope rules every protected field states, in one place. The Pothos
 * scope-auth plugin checks them before a field resolves, so a refused field costs no vendor call
 * and no ledger read, whatever path reaches it (aliases, fragments, variables, `_entities`).
 *
 * | scope           | opens                                                                     |
 * | `usage:read`    | `accounts`, `account`, `apiKeyUsage`, `providers` (but `health`, `origin`) |
 * |                 | and history: `history`, `forecast` of quotas and period counters          |
 * |                 | and quota alerts (`alertRules`, `firingAlerts`, `alertEvents`, subscription) |
 * | `partners:read` | every partner user: `partnerUsers`, `partnerUser`, `partnerUsage`, `_entities` |
 * |                 | and every partner user's alerts                                           |
 * | `partners:self` | the caller's own partner usage only: `me`, `partnerUser`/`_entities` for its `sub` |
 * |                 | and the alerts of its own `sub` only                                      |
 * | `ops:read`      | `providers { health origin }`, `partnerLedger`, inline traces              |
 * |                 | `webhookEndpoints`, `sendTestAlert`                                       |
 */

/** The scopes of the schema's scope-auth, as the builder declares them. */
export interface AuthScopes {
  'usage:read': boolean;
  'partners:read': boolean;
  'partners:self': boolean;
  'ops:read': boolean;
  /** Reading the partner user with this sub: `partners:read`, or `partners:self` when it is the caller's own. */
  partnerSub: string;
}

/** True when `caller` may read the partner usage of `sub`. */
export function mayReadPartner(caller: Caller, sub: string): boolean {
  return caller.scopes.has('partners:read') || (caller.scopes.has('partners:self') && caller.sub !== null && caller.sub === sub);
}

/** The scope loaders of one request, for the builder's `scopeAuth.authScopes`. */
export function scopesOf(caller: Caller) {
  return {
    'usage:read': caller.scopes.has('usage:read'),
    'partners:read': caller.scopes.has('partners:read'),
    'partners:self': caller.scopes.has('partners:self'),
    'ops:read': caller.scopes.has('ops:read'),
    partnerSub: (sub: string) => mayReadPartner(caller, sub),
  };
}

/**
 * Field options that open a field to holders of any of `scopes`: checked here (scope-auth), and
 * printed in the subgraph SDL as `@requiresScopes` so a router can refuse before calling us.
 */
export function requireScopes(...scopes: Scope[]) {
  return {
    authScopes: Object.fromEntries(scopes.map((scope) => [scope, true])) as Partial<Record<Scope, true>>,
    authenticated: true,
    requiresScopes: scopes.map((scope) => [scope]),
  };
}

/** What the caller would need, from scope-auth's account of the failure. */
function neededScopes(failure: AuthFailure): string[] {
  switch (failure.kind) {
    case 'AuthScope':
      return failure.scope === 'partnerSub' ? ['partners:read', 'partners:self (own sub)'] : [failure.scope];
    case 'AnyAuthScopes':
    case 'AllAuthScopes':
      return [...new Set(failure.failures.flatMap(neededScopes))];
    default:
      return [];
  }
}

/** The error a refused field carries: FORBIDDEN with the scopes that would open it. */
export function forbidden(result: ForbiddenResult): GraphQLError {
  const scopes = neededScopes(result.failure);
  const needed = scopes.length === 0 ? 'a scope this caller lacks' : `one of: ${scopes.join(', ')}`;
  return new GraphQLError(`Forbidden: this field needs ${needed}`, { extensions: { code: 'FORBIDDEN', requiredScopes: scopes } });
}

/** The same refusal for paths scope-auth does not wrap (federation's `resolveReference`). */
export function forbiddenScope(...scopes: string[]): GraphQLError {
  return new GraphQLError(`Forbidden: this field needs one of: ${scopes.join(', ')}`, { extensions: { code: 'FORBIDDEN', requiredScopes: scopes } });
}

/** The refusal of a partner user the caller may not read. */
export function forbiddenPartner(): GraphQLError {
  return forbiddenScope('partners:read', 'partners:self (own sub)');
}
