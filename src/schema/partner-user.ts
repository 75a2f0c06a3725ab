import { requireLedger } from '../context.js';
import { GraphQLError } from 'graphql';
import { DAY_MS, dayOf } from '../ledger/utc-day.js';
import { type DailyUsage, type DayRange, type PartnerUserOrder, type UserList, type UserListPosition } from '../ledger/store.js';
import type { PartnerUserTotals } from '../ledger/types.js';
import type { PartnerEndpointUsage } from '../usage/model.js';
import { requireScopes } from './access.js';
import { builder } from './builder.js';
import { NodeRef, nodeIdOf } from './node-id.js';
import { PageInfoRef, pageInfoOf } from './page-info.js';

/** Largest `first` of `partnerUsers`. */
export const PARTNER_USERS_MAX_FIRST = 1000;
/** Longest daily series one field returns. */
export const PARTNER_DAILY_MAX_DAYS = 366;

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', provider: 'ARRAYS' } });
}

const PartnerEndpointTotalsRef = builder.objectRef<PartnerEndpointUsage>('PartnerEndpointTotals').implement({
  description: "One endpoint's share of a partner user's totals in the ledger.",
  fields: (t) => ({
    endpoint: t.exposeString('endpoint', { description: 'The Arrays endpoint, as Arrays names it.' }),
    calls: t.expose('calls', { type: 'SafeInt', description: "The user's calls to this endpoint." }),
    discoveries: t.expose('discoveries', { type: 'SafeInt', description: "The user's discoveries through this endpoint." }),
    tweets: t.expose('tweets', { type: 'SafeInt', description: "The user's tweets through this endpoint." }),
  }),
});

const PartnerUsageDayRef = builder.objectRef<DailyUsage>('PartnerUsageDay').implement({
  description: "A partner user's usage on one UTC day, dated by the millisecond part of the stream ids.",
  fields: (t) => ({
    date: t.field({ type: 'Date', description: 'The UTC day.', resolve: ({ day }) => new Date(day * DAY_MS) }),
    start: t.field({ type: 'DateTime', description: 'Midnight UTC that starts the day.', resolve: ({ day }) => new Date(day * DAY_MS) }),
    calls: t.expose('calls', { type: 'SafeInt', description: "The user's Arrays calls on the day." }),
    discoveries: t.expose('discoveries', { type: 'SafeInt', description: "The user's discoveries on the day." }),
    tweets: t.expose('tweets', { type: 'SafeInt', description: "The user's tweets on the day." }),
  }),
});

/** The day number of a `Date` argument (the scalar hands over its midnight UTC). */
function dayArgument(value: Date | null | undefined): number | null {
  return value === null || value === undefined ? null : value.getTime() / DAY_MS;
}

function rangeArguments(since: Date | null | undefined, until: Date | null | undefined): DayRange {
  const range = { sinceDay: dayArgument(since), untilDay: dayArgument(until) };
  if (range.sinceDay !== null && range.untilDay !== null && range.sinceDay >= range.untilDay) {
    throw badInput('since must be before until (since is inclusive, until exclusive)');
  }
  return range;
}

export const PartnerUserRef = builder.objectRef<PartnerUserTotals>('PartnerUser').implement({
  description:
    "A partner user's exact usage over every Arrays stream entry the ledger has counted: the sum of the user's rows over every stream page, each page counted once.",
  // Defence in depth: whatever path reached this user (a list, `_entities`, `me`), its fields
  // are read only by callers who may read this sub. The paths check before reading the ledger too.
  authScopes: (user) => ({ 'partners:read': true, partnerSub: user.sub }),
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.id({ description: 'The id of this partner user, for client caches and `node(id:)`; its federation key is `sub`.', resolve: (user) => nodeIdOf('PartnerUser', user.sub) }),
    sub: t.exposeID('sub', { description: "The partner's user id, exactly as Arrays sent it (a string; may exceed 2^53)." }),
    calls: t.expose('calls', { type: 'SafeInt', description: "The user's Arrays calls, all time." }),
    discoveries: t.expose('discoveries', { type: 'SafeInt', description: "The user's discoveries, all time." }),
    tweets: t.expose('tweets', { type: 'SafeInt', description: "The user's tweets, all time." }),
    byEndpoint: t.expose('byEndpoint', { type: [PartnerEndpointTotalsRef], description: 'Per endpoint, sorted by endpoint.' }),
    firstSeenAt: t.expose('firstSeenAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Stream time of the first counted page with this user (the time of its last entry; pages lie within one UTC day).',
    }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime', nullable: true, description: 'Stream time of the last counted page with this user.' }),
    daily: t.field({
      type: [PartnerUsageDayRef],
      description: `Usage per UTC day, zero days included, \`since\` inclusive and \`until\` exclusive, UTC days, at most ${PARTNER_DAILY_MAX_DAYS} days. Without bounds: the user's own days, the last ${PARTNER_DAILY_MAX_DAYS} of them at most.`,
      args: {
        since: t.arg({ type: 'Date', description: 'First day of the series (inclusive).' }),
        until: t.arg({ type: 'Date', description: 'Day after the last one of the series (exclusive).' }),
      },
      resolve: async (user, args, context) => {
        const range = rangeArguments(args.since, args.until);
        if (user.firstSeenAt === null || user.lastSeenAt === null) return [];
        let sinceDay = range.sinceDay ?? dayOf(user.firstSeenAt.getTime());
        let untilDay = range.untilDay ?? dayOf(user.lastSeenAt.getTime()) + 1;
        if (untilDay - sinceDay > PARTNER_DAILY_MAX_DAYS) {
          if (range.sinceDay !== null && range.untilDay !== null) {
            throw badInput(`daily covers at most ${PARTNER_DAILY_MAX_DAYS} days; since to until spans ${untilDay - sinceDay}`);
          }
          if (range.sinceDay === null) sinceDay = untilDay - PARTNER_DAILY_MAX_DAYS;
          else untilDay = sinceDay + PARTNER_DAILY_MAX_DAYS;
        }
        if (sinceDay >= untilDay) return [];
        return (await context.loaders.partnerUserDaily.load({ sub: user.sub, sinceDay, untilDay })) ?? [];
      },
    }),
  }),
});

const PartnerUserOrderEnum = builder.enumType('PartnerUserOrder', {
  description: 'Order of `partnerUsers`: counters heaviest first (ties by sub), or by sub.',
  values: {
    CALLS: { description: 'Most calls first.' },
    TWEETS: { description: 'Most tweets first.' },
    DISCOVERIES: { description: 'Most discoveries first.' },
    SUB: { description: 'By sub in UTF-16 code-unit order, as strings: `100003` sorts before `12…`, and ids are never compared as numbers.' },
  } as const,
});

interface PartnerUserConnection {
  list: UserList;
  /** Binds cursors to the query they page through. */
  scope: CursorScope;
  /** The position this page started after; null for the first page. */
  after: UserListPosition | null;
}

interface CursorScope {
  orderBy: PartnerUserOrder;
  range: DayRange;
}

interface PartnerUserEdge {
  position: UserListPosition;
  scope: CursorScope;
  node: PartnerUserTotals;
  calls: number;
  discoveries: number;
  tweets: number;
}

function encodeCursor({ orderBy, range }: CursorScope, { value, sub }: UserListPosition): string {
  return Buffer.from(JSON.stringify([orderBy, range.sinceDay, range.untilDay, value, sub]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, scope: CursorScope): UserListPosition {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badInput('after is not a cursor of partnerUsers');
  }
  if (!Array.isArray(parts) || parts.length !== 5 || typeof parts[3] !== 'number' || typeof parts[4] !== 'string') {
    throw badInput('after is not a cursor of partnerUsers');
  }
  const [orderBy, sinceDay, untilDay, value, sub] = parts as [unknown, unknown, unknown, number, string];
  if (orderBy !== scope.orderBy || sinceDay !== scope.range.sinceDay || untilDay !== scope.range.untilDay) {
    throw badInput('after belongs to a partnerUsers query with another orderBy, since or until');
  }
  return { value, sub };
}

const PartnerUserEdgeRef = builder.objectRef<PartnerUserEdge>('PartnerUserEdge').implement({
  description: 'A user in a `partnerUsers` list. The edge counters cover the query\'s since/until (all time without them); the node\'s are all time.',
  fields: (t) => ({
    cursor: t.string({
      description: 'Opaque cursor of this edge, to pass as `after` with the same `orderBy`, `since` and `until`.',
      resolve: (edge) => encodeCursor(edge.scope, edge.position),
    }),
    node: t.expose('node', { type: PartnerUserRef, description: 'The partner user, with all-time counters.' }),
    calls: t.expose('calls', { type: 'SafeInt', description: "The user's Arrays calls within the query's since/until." }),
    discoveries: t.expose('discoveries', { type: 'SafeInt', description: "The user's discoveries within the query's since/until." }),
    tweets: t.expose('tweets', { type: 'SafeInt', description: "The user's tweets within the query's since/until." }),
  }),
});

const PartnerUserConnectionRef = builder.objectRef<PartnerUserConnection>('PartnerUserConnection').implement({
  description: 'Partner users from the ledger, in the order asked for, a page at a time.',
  fields: (t) => ({
    edges: t.field({
      type: [PartnerUserEdgeRef],
      description: 'The users on this page, in the order asked for.',
      resolve: ({ list, scope }) =>
        list.users.map(({ user, counts, position }) => ({ node: user, position, scope, ...counts })),
    }),
    pageInfo: t.field({
      type: PageInfoRef,
      description: 'Where this page sits; pass `endCursor` as `after` for the next one.',
      resolve: ({ list, scope, after }) =>
        pageInfoOf(
          list.users.map(({ position }) => encodeCursor(scope, position)),
          { hasNextPage: list.hasNextPage, hasPreviousPage: after !== null },
        ),
    }),
    totalCount: t.field({
      type: 'SafeInt',
      description: 'Users in the list over every page: with since/until, those with usage in that range.',
      resolve: ({ list }) => list.totalCount,
    }),
  }),
});

builder.queryFields((t) => ({
  me: t.field({
    type: PartnerUserRef,
    nullable: true,
    description:
      "The caller's own partner usage: the partner user whose sub is the bearer token's `sub`. Null when the ledger has counted no usage of it yet, and for callers without a sub (API keys). Needs `partners:self` or `partners:read`.",
    ...requireScopes('partners:self', 'partners:read'),
    resolve: (_root, _args, context) => {
      const { sub } = context.caller;
      if (sub === null) return null;
      requireLedger(context.registry, context.ledger);
      return context.loaders.partnerUser.load(sub);
    },
  }),
  partnerUser: t.field({
    type: PartnerUserRef,
    nullable: true,
    description:
      'One partner user by sub, from the usage ledger; null when the ledger has counted no usage of that sub. Needs `partners:read`, or `partners:self` for the caller\'s own sub.',
    args: { sub: t.arg({ type: 'PartnerSub', required: true, description: 'The partner user\'s id, as a string.' }) },
    authScopes: (_root, { sub }) => ({ 'partners:read': true, partnerSub: sub }),
    authenticated: true,
    requiresScopes: [['partners:read'], ['partners:self']],
    resolve: (_root, { sub }, context) => {
      requireLedger(context.registry, context.ledger);
      return context.loaders.partnerUser.load(sub);
    },
  }),
  partnerUsers: t.field({
    type: PartnerUserConnectionRef,
    nullable: true,
    description:
      'Partner users from the usage ledger, heaviest first by default. With since/until (UTC days), counters and order cover those days only. Needs `partners:read`.',
    ...requireScopes('partners:read'),
    args: {
      first: t.arg.int({ defaultValue: 50, description: `1 to ${PARTNER_USERS_MAX_FIRST}.` }),
      after: t.arg.string({ description: 'The `endCursor` of the previous page.' }),
      orderBy: t.arg({ type: PartnerUserOrderEnum, defaultValue: 'CALLS', description: 'The order of the list.' }),
      since: t.arg({ type: 'Date', description: 'First UTC day counted (inclusive).' }),
      until: t.arg({ type: 'Date', description: 'Day after the last UTC day counted (exclusive).' }),
    },
    resolve: async (_root, args, context) => {
      const first = args.first ?? 50;
      if (!Number.isInteger(first) || first < 1 || first > PARTNER_USERS_MAX_FIRST) {
        throw badInput(`first must be between 1 and ${PARTNER_USERS_MAX_FIRST}; got ${first}`);
      }
      const orderBy: PartnerUserOrder = args.orderBy ?? 'CALLS';
      const range = rangeArguments(args.since, args.until);
      const scope = { orderBy, range };
      const after = args.after === null || args.after === undefined ? null : decodeCursor(args.after, scope);
      const ledger = requireLedger(context.registry, context.ledger);
      const bounded = range.sinceDay !== null || range.untilDay !== null;
      const list = await ledger.store.listUsers({ orderBy, first, after, range: bounded ? range : null });
      for (const { user } of list.users) context.loaders.partnerUser.prime(user.sub, user);
      return { list, scope, after };
    },
  }),
}));
