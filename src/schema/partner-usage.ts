import { GraphQLError } from 'graphql';
import { ARRAYS_DEFAULT_COUNT, ARRAYS_MAX_COUNT, ARRAYS_STREAM_START, isCursor } from '../providers/arrays/stream.js';
import type { PartnerEndpointUsage, PartnerUsage, PartnerUsagePage } from '../usage/model.js';
import { arraysVendor } from '../providers/arrays/index.js';
import { builder } from './builder.js';
import { ageSeconds, ProviderErrorRef, staleReason } from './provider.js';

/** Largest `first` one operation may ask for: ten vendor pages, so a query cannot drain the vendor's rate limit. */
export const PARTNER_USAGE_MAX_FIRST = 50_000;

const PartnerEndpointUsageRef = builder.objectRef<PartnerEndpointUsage>('PartnerEndpointUsage').implement({
  fields: (t) => ({
    endpoint: t.exposeString('endpoint'),
    calls: t.expose('calls', { type: 'SafeInt' }),
    discoveries: t.expose('discoveries', { type: 'SafeInt' }),
    tweets: t.expose('tweets', { type: 'SafeInt' }),
  }),
});

export const PartnerUsageRef = builder.objectRef<PartnerUsage>('PartnerUsage').implement({
  description: "One partner user's usage within one window of the Arrays stream.",
  fields: (t) => ({
    sub: t.exposeID('sub', { description: "The partner's user id, exactly as Arrays sent it (a string; may exceed 2^53)." }),
    calls: t.expose('calls', { type: 'SafeInt' }),
    discoveries: t.expose('discoveries', { type: 'SafeInt' }),
    tweets: t.expose('tweets', { type: 'SafeInt' }),
    byEndpoint: t.expose('byEndpoint', { type: [PartnerEndpointUsageRef] }),
  }),
});

interface PartnerUsageEdge {
  cursor: string;
  node: PartnerUsage;
}

const PartnerUsageEdgeRef = builder.objectRef<PartnerUsageEdge>('PartnerUsageEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', {
      description: "The vendor cursor after this edge's window; every edge of one vendor page shares it.",
    }),
    node: t.expose('node', { type: PartnerUsageRef }),
  }),
});

const PartnerUsageWindowRef = builder.objectRef<PartnerUsagePage>('PartnerUsageWindow').implement({
  description: 'One vendor page: the stream entries after `fromCursor` through `nextCursor`.',
  fields: (t) => ({
    fromCursor: t.exposeString('fromCursor'),
    nextCursor: t.exposeString('nextCursor'),
    hasMore: t.exposeBoolean('hasMore'),
    users: t.int({ resolve: (page) => page.entries.length }),
    upstreamRequestId: t.exposeString('upstreamRequestId', { nullable: true }),
    fetchedAt: t.expose('fetchedAt', { type: 'DateTime' }),
    ageSeconds: t.int({ description: 'Whole seconds since `fetchedAt`.', resolve: (page) => ageSeconds(page.fetchedAt) }),
    stale: t.boolean({
      description: 'True when the vendor just failed and this is its last good answer from cache; `staleReason` says why.',
      resolve: (page) => page.staleReason !== undefined,
    }),
    staleReason: t.field({
      type: ProviderErrorRef,
      nullable: true,
      resolve: (page, _args, context) => staleReason(page, 'ARRAYS', context.logger),
    }),
  }),
});

interface PartnerUsageConnection {
  after: string;
  pages: PartnerUsagePage[];
}

const PartnerPageInfoRef = builder.objectRef<PartnerUsageConnection>('PartnerUsagePageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.boolean({ resolve: ({ pages }) => pages.at(-1)?.hasMore ?? false }),
    hasPreviousPage: t.boolean({ resolve: ({ after }) => after !== ARRAYS_STREAM_START }),
    startCursor: t.string({ resolve: ({ after }) => after }),
    endCursor: t.string({
      description: 'Pass as `after` to continue the stream.',
      resolve: ({ after, pages }) => pages.at(-1)?.nextCursor ?? after,
    }),
  }),
});

const PartnerUsageConnectionRef = builder.objectRef<PartnerUsageConnection>('PartnerUsageConnection').implement({
  description:
    'A forward-only, Relay-style view of the Arrays partner stream. Each vendor page aggregates its own entries per user, so one `sub` can appear once per page; a total is the sum over pages.',
  fields: (t) => ({
    edges: t.field({
      type: [PartnerUsageEdgeRef],
      resolve: ({ pages }) => pages.flatMap((page) => page.entries.map((node) => ({ cursor: page.nextCursor, node }))),
    }),
    pageInfo: t.field({ type: PartnerPageInfoRef, resolve: (connection) => connection }),
    windows: t.field({ type: [PartnerUsageWindowRef], resolve: ({ pages }) => pages }),
  }),
});

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', provider: 'ARRAYS' } });
}

builder.queryFields((t) => ({
  partnerUsage: t.field({
    type: PartnerUsageConnectionRef,
    nullable: true,
    description:
      `Arrays per-user usage, straight from the vendor stream. \`first\` counts stream entries to process (more than ${ARRAYS_MAX_COUNT} chains vendor pages); \`after\` is the vendor cursor (\`${ARRAYS_STREAM_START}\` = the beginning).`,
    args: {
      first: t.arg.int({ defaultValue: ARRAYS_DEFAULT_COUNT, description: `Stream entries to process, 1 to ${PARTNER_USAGE_MAX_FIRST}.` }),
      after: t.arg.string({ defaultValue: ARRAYS_STREAM_START, description: 'Exclusive start cursor from a previous `endCursor`.' }),
    },
    resolve: async (_root, args, context) => {
      const first = args.first ?? ARRAYS_DEFAULT_COUNT;
      const after = args.after ?? ARRAYS_STREAM_START;
      if (!Number.isInteger(first) || first < 1 || first > PARTNER_USAGE_MAX_FIRST) {
        throw badInput(`first must be between 1 and ${PARTNER_USAGE_MAX_FIRST}; got ${first}`);
      }
      if (!isCursor(after)) throw badInput(`after must be 0 or a stream cursor like 1732147200000-3; got ${JSON.stringify(after)}`);
      const pages: PartnerUsagePage[] = [];
      let cursor = after;
      let remaining = first;
      while (remaining > 0) {
        const count = Math.min(ARRAYS_MAX_COUNT, remaining);
        const page = await context.loaders.of(arraysVendor).partnerPage.load({ fromCursor: cursor, count });
        pages.push(page);
        remaining -= count;
        // A cursor that does not move would loop forever on the same page.
        if (!page.hasMore || page.nextCursor === cursor) break;
        cursor = page.nextCursor;
      }
      return { after, pages };
    },
  }),
}));
