import { GraphQLError } from 'graphql';
import { builder } from './builder.js';

/**
 * Relay's object identification: every type with an identity implements `Node`, whose `id` is
 * unique across the whole schema, so that a client cache (Apollo, urql, Relay) keys it by `id`
 * alone and `node(id:)` refetches it.
 *
 * A `Provider`'s id is the vendor's id itself (`ARRAYS`), as it always was: also its federation
 * key. Every other id is the base64url of `<Type>:<key>`, which never equals a vendor id (those
 * are upper-case words; a base64url of `<Type>:` is not), so one string names one object.
 */

/** The types with an identity besides `Provider`, and what their key is. */
export type NodeTypeName = 'Account' | 'AccountResult' | 'PartnerUser';

const NODE_TYPES: ReadonlySet<string> = new Set<NodeTypeName>(['Account', 'AccountResult', 'PartnerUser']);

/** The id of the `type` object whose key is `key` (a vendor id, a partner sub). */
export function nodeIdOf(type: NodeTypeName, key: string): string {
  return Buffer.from(`${type}:${key}`, 'utf8').toString('base64url');
}

/** What a (non-Provider) node id names; null when it is not one of ours. */
export function parseNodeId(id: string): { type: NodeTypeName; key: string } | null {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) return null;
  const text = Buffer.from(id, 'base64url').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  const [type, key] = [text.slice(0, colon), text.slice(colon + 1)];
  // Round trip: a second spelling of the same bytes (padding bits) would be a second id of one object.
  if (!NODE_TYPES.has(type) || key === '' || nodeIdOf(type as NodeTypeName, key) !== id) return null;
  return { type: type as NodeTypeName, key };
}

export function notANodeId(): GraphQLError {
  return new GraphQLError('id is not the id of a Node of this gateway (take it from an `id` field)', { extensions: { code: 'BAD_USER_INPUT' } });
}

/**
 * Which type a value `node(id:)` resolved is: set by that resolver for the object it returns,
 * since the models (a loader's cached answer, a ledger row) carry no type name of their own.
 */
const resolvedTypes = new WeakMap<object, NodeTypeName | 'Provider'>();

/** Marks `value` as an object of `type`, for `Node`'s resolveType; returns it. */
export function asNode<T extends object>(type: NodeTypeName | 'Provider', value: T): T {
  resolvedTypes.set(value, type);
  return value;
}

export const NodeRef = builder.interfaceRef<object>('Node').implement({
  description: 'An object with an identity: its `id` is unique across the schema, for client caches and `node(id:)`.',
  resolveType: (value) => {
    const type = resolvedTypes.get(value);
    if (type === undefined) throw new Error('a Node was resolved without its type (asNode)');
    return type;
  },
  fields: (t) => ({
    id: t.id({
      description: 'The id of this object, unique across the schema; pass it to `node(id:)` to fetch it again.',
      // Each implementing type declares its own id; the interface never resolves one.
      resolve: () => {
        throw new Error('Node.id is resolved by the implementing type');
      },
    }),
  }),
});
