import { GraphQLError } from 'graphql';
import { forbiddenPartner, mayReadPartner } from './access.js';
import { builder } from './builder.js';
import { PartnerUserRef } from './partner-user.js';

/**
 * What this subgraph offers a federated graph: `PartnerUser` and `Provider` as entities (Provider's
 * key is declared beside its type), and the partner usage of the host graph's own user type.
 */

builder.asEntity(PartnerUserRef, {
  key: builder.selection<{ sub: string }>('sub'),
  // Every representation of one `_entities` call goes through the same loader: one ledger read.
  // A sub the ledger has never counted resolves to null, not to an error for the whole batch.
  // `_entities` is not wrapped by scope-auth: the partner rule is checked before the ledger is read.
  resolveReference: (reference, context) => {
    const sub = subOf(reference.sub, 'sub');
    if (!mayReadPartner(context.caller, sub)) throw forbiddenPartner();
    return context.loaders.partnerUser.load(sub);
  },
});

/**
 * A representation's key as a sub. `_Any` takes any JSON, and a sub sent as a JSON number has
 * been rounded past 2^53 already: refused, like the `PartnerSub` argument refuses it, rather
 * than answered for somebody else's id.
 */
function subOf(value: unknown, keyField: string): string {
  if (typeof value === 'string' && value !== '') return value;
  throw new GraphQLError(`a representation's \`${keyField}\` must be a non-empty string (a partner sub; a JSON number loses digits past 2^53)`, {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/** How the host graph names its user entity and that entity's key field. */
export interface FederatedUserNaming {
  /** `FEDERATION_USER_TYPE`, default `User`. */
  typeName: string;
  /** `FEDERATION_USER_KEY`, default `id`; its value is the partner's `sub`. */
  keyField: string;
}

export const DEFAULT_FEDERATED_USER: FederatedUserNaming = { typeName: 'User', keyField: 'id' };

/**
 * Contributes `partnerUsage` to the host graph's user entity, whose key value is the Arrays `sub`.
 * Called once per process, before the schema is built, because the type's name is configuration.
 */
export function addFederatedUser({ typeName, keyField }: FederatedUserNaming): void {
  const UserRef = builder.externalRef(typeName, builder.selection<Record<string, string>>(keyField as never));
  UserRef.implement({
    description: `The host graph's ${typeName}, whose \`${keyField}\` is the partner's \`sub\` in the Arrays stream.`,
    fields: (t) => ({
      [keyField]: t.id({ resolve: (user) => user[keyField]! }),
      partnerUsage: t.field({
        type: PartnerUserRef,
        nullable: true,
        description:
          "This user's exact totals in the partner usage ledger; null when the ledger has counted no usage for them. Needs `partners:read`, or `partners:self` for the caller's own sub.",
        authScopes: (user) => ({ 'partners:read': true, partnerSub: String(user[keyField]) }),
        authenticated: true,
        requiresScopes: [['partners:read'], ['partners:self']],
        resolve: (user, _args, context) => context.loaders.partnerUser.load(subOf(user[keyField], keyField)),
      }),
    }),
  });
}
