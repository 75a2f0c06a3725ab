import { GraphQLError } from 'graphql';
import { ARRAYS_DEFAULT_COUNT, ARRAYS_MAX_COUNT, ARRAYS_STREAM_START, isCursor } from '../providers/arrays/stream.js';
import type { Fresh, PartnerEndpointUsage, PartnerUsage, PartnerUsagePage } from '../usage/model.js';
import { arraysVendor, partnerPageCalls } from '../providers/arrays/index.js';
import { requireScopes } from './access.js';
import { builder } from './builder.js';
import { valueField, VendorAnswerRef } from './freshness.js';
import { vendorCalls } from './vendor-call-pricing.js';

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

const page = valueField<PartnerUsagePage>();

const PartnerUsageWindowRef = builder.objectRef<Fresh<PartnerUsagePage>>('PartnerUsageWindow').implement({
  description: 'One vendor page: the stream entries after `fromCursor` through `nextCursor`.',
  interfaces: [VendorAnswerRef],
  fields: (t) => ({
    fromCursor: t.string({ resolve: page('fromCursor') }),
    nextCursor: t.string({ resolve: page('nextCursor') }),
    hasMore: t.boolean({ resolve: page('hasMore') }),
    users: t.int({ resolve: ({ value }) => value.entries.length }),
    upstreamRequestId: t.string({ nullable: true, resolve: page('upstreamRequestId') }),
  }),
});

interface PartnerUsageConnection {
  after: string;
  pages: Fresh<PartnerUsagePage>[];
}

const PartnerPageInfoRef = builder.objectRef<PartnerUsageConnection>('PartnerUsagePageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.boolean({ resolve: ({ pages }) => pages.at(-1)?.value.hasMore ?? false }),
    hasPreviousPage: t.boolean({ resolve: ({ after }) => after !== ARRAYS_STREAM_START }),
    startCursor: t.string({ resolve: ({ after }) => after }),
    endCursor: t.string({
      description: 'Pass as `after` to continue the stream.',
      resolve: ({ after, pages }) => pages.at(-1)?.value.nextCursor ?? after,
    }),
  }),
});

const PartnerUsageConnectionRef = builder.objectRef<PartnerUsageConnection>('PartnerUsageConnection').implement({
  description:
    'A forward-only, Relay-style view of the Arrays partner stream. Each vendor page aggregates its own entries per user, so one `sub` can appear once per page; a total is the sum over pages.',
  fields: (t) => ({
    edges: t.field({
      type: [PartnerUsageEdgeRef],
      resolve: ({ pages }) => pages.flatMap(({ value: page }) => page.entries.map((node) => ({ cursor: page.nextCursor, node }))),
    }),
    pageInfo: t.field({ type: PartnerPageInfoRef, resolve: (connection) => connection }),
    windows: t.field({ type: [PartnerUsageWindowRef], resolve: ({ pages }) => pages }),
  }),
});

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', provider: 'ARRAYS' } });
}

/** What is wrong with the arguments, or null. */
function problemOf(first: number, after: string): GraphQLError | null {
  if (!Number.isInteger(first) || first < 1 || first > PARTNER_USAGE_MAX_FIRST) {
    return badInput(`first must be between 1 and ${PARTNER_USAGE_MAX_FIRST}; got ${first}`);
  }
  if (!isCursor(after)) return badInput(`after must be 0 or a stream cursor like 1732147200000-3; got ${JSON.stringify(after)}`);
  return null;
}

builder.queryFields((t) => ({
  partnerUsage: t.field({
    type: PartnerUsageConnectionRef,
    nullable: true,
    description:
      `Arrays per-user usage, straight from the vendor stream. \`first\` counts stream entries to process (more than ${ARRAYS_MAX_COUNT} chains vendor pages); \`after\` is the vendor cursor (\`${ARRAYS_STREAM_START}\` = the beginning).`,
    ...requireScopes('partners:read'),
    args: {
      first: t.arg.int({ defaultValue: ARRAYS_DEFAULT_COUNT, description: `Stream entries to process, 1 to ${PARTNER_USAGE_MAX_FIRST}.` }),
      after: t.arg.string({ defaultValue: ARRAYS_STREAM_START, description: 'Exclusive start cursor from a previous `endCursor`.' }),
    },
    // Routers see the worst case: the most pages `first` allows, and `first` edges.
    cost: Math.ceil(PARTNER_USAGE_MAX_FIRST / ARRAYS_MAX_COUNT),
    listSize: { slicingArguments: ['first'], sizedFields: ['edges'], requireOneSlicingArgument: false },
    extensions: vendorCalls(({ first, after }, context) => {
      const [count, from] = [(first as number | null) ?? ARRAYS_DEFAULT_COUNT, (after as string | null) ?? ARRAYS_STREAM_START];
      return context.registry.get(arraysVendor.id) === undefined || problemOf(count, from) !== null ? [] : partnerPageCalls(from, count);
    }),
    resolve: async (_root, args, context) => {
      const first = args.first ?? ARRAYS_DEFAULT_COUNT;
      const after = args.after ?? ARRAYS_STREAM_START;
      const problem = problemOf(first, after);
      if (problem !== null) throw problem;
      const pages: Fresh<PartnerUsagePage>[] = [];
      let cursor = after;
      let remaining = first;
      while (remaining > 0) {
        const count = Math.min(ARRAYS_MAX_COUNT, remaining);
        const answer = await context.loaders.of(arraysVendor).partnerPage.load({ fromCursor: cursor, count });
        pages.push(answer);
        const page = answer.value;
        remaining -= count;
        // A cursor that does not move would loop forever on the same page.
        if (!page.hasMore || page.nextCursor === cursor) break;
        cursor = page.nextCursor;
      }
      return { after, pages };
    },
  }),
}));
