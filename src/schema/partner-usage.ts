import { GraphQLError } from 'graphql';
import {
  parseAfter,
  partnerEdgeCallBudget,
  PartnerCursorError,
  PartnerUsageCursorStaleError,
  readPartnerEdges,
  type PartnerEdge,
  type PartnerEdges,
  type PartnerEdgeStart,
} from '../providers/arrays/edge-pager.js';
import { arraysVendor, partnerPageCalls } from '../providers/arrays/index.js';
import { ARRAYS_DEFAULT_COUNT, ARRAYS_MAX_COUNT, ARRAYS_STREAM_START } from '../ledger/stream-cursor.js';
import type { Fresh, PartnerEndpointUsage, PartnerUsage, PartnerUsagePage } from '../usage/model.js';
import { requireScopes } from './access.js';
import { builder } from './builder.js';
import { valueField, VendorAnswerRef } from './freshness.js';
import { PageInfoRef, pageInfoOf } from './page-info.js';
import { vendorCalls } from '../edge/field-marks/vendor-call-pricing.js';

/**
 * `first`'s default: a screenful of users. Arrays' default page (1000 entries) holds hundreds of
 * users, so it is one vendor call, the one `account(provider: ARRAYS)` makes.
 */
export const PARTNER_USAGE_DEFAULT_FIRST = 100;

/** Largest `first`: Arrays' largest `count`, as a window of that many entries has at most that many users. */
export const PARTNER_USAGE_MAX_FIRST = ARRAYS_MAX_COUNT;

/**
 * Most vendor calls one `partnerUsage` field makes; it returns fewer edges
 * when that is reached. Half of MAX_VENDOR_CALLS_PER_OPERATION's default, so a dashboard can ask
 * for `accounts` (five calls, one of them shared) beside it.
 */
export const PARTNER_USAGE_MAX_VENDOR_CALLS = 5;

const PartnerEndpointUsageRef = builder.objectRef<PartnerEndpointUsage>('PartnerEndpointUsage').implement({
  description: "One endpoint's share of a partner user's usage within one stream window.",
  fields: (t) => ({
    endpoint: t.exposeString('endpoint', { description: 'The Arrays endpoint the partner user called, as Arrays names it.' }),
    calls: t.expose('calls', { type: 'SafeInt', description: 'Calls to this endpoint within the window.' }),
    discoveries: t.expose('discoveries', { type: 'SafeInt', description: 'Discoveries these calls returned within the window.' }),
    tweets: t.expose('tweets', { type: 'SafeInt', description: 'Tweets these calls returned within the window.' }),
  }),
});

export const PartnerUsageRef = builder.objectRef<PartnerUsage>('PartnerUsage').implement({
  description: "One partner user's usage within one window of the Arrays stream.",
  fields: (t) => ({
    sub: t.exposeID('sub', { description: "The partner's user id, exactly as Arrays sent it (a string; may exceed 2^53)." }),
    calls: t.expose('calls', { type: 'SafeInt', description: "The user's calls within the window, every endpoint." }),
    discoveries: t.expose('discoveries', { type: 'SafeInt', description: 'Discoveries returned to the user within the window.' }),
    tweets: t.expose('tweets', { type: 'SafeInt', description: 'Tweets returned to the user within the window.' }),
    byEndpoint: t.expose('byEndpoint', { type: [PartnerEndpointUsageRef], description: 'The same counters per endpoint, as Arrays sent them.' }),
  }),
});

const PartnerUsageEdgeRef = builder.objectRef<PartnerEdge>('PartnerUsageEdge').implement({
  description: "One user's row in one vendor page (window) of the Arrays stream.",
  fields: (t) => ({
    cursor: t.exposeString('cursor', {
      description: 'Opaque and distinct per edge: pass it as `after` to continue right after this edge.',
    }),
    node: t.expose('node', { type: PartnerUsageRef, description: "One partner user's usage within this edge's window." }),
  }),
});

const page = valueField<PartnerUsagePage>();

const PartnerUsageWindowRef = builder.objectRef<Fresh<PartnerUsagePage>>('PartnerUsageWindow').implement({
  description: 'One vendor page: the stream entries after `fromCursor` through `nextCursor`.',
  interfaces: [VendorAnswerRef],
  fields: (t) => ({
    fromCursor: t.string({ description: 'The stream cursor the window starts after (exclusive), as Arrays writes it.', resolve: page('fromCursor') }),
    nextCursor: t.string({ description: 'The stream cursor of the last entry in the window (inclusive).', resolve: page('nextCursor') }),
    hasMore: t.boolean({ description: 'True when the stream had more entries after this window when Arrays answered.', resolve: page('hasMore') }),
    users: t.int({ description: 'Distinct partner users in the window: its number of edges.', resolve: ({ value }) => value.entries.length }),
    upstreamRequestId: t.string({ nullable: true, description: "Arrays' request id of the call that read this window, for Arrays' support.", resolve: page('upstreamRequestId') }),
  }),
});

interface PartnerUsageConnection extends PartnerEdges {
  hasPreviousPage: boolean;
}

const PartnerUsageConnectionRef = builder.objectRef<PartnerUsageConnection>('PartnerUsageConnection').implement({
  description:
    'A forward-only, Relay-style view of the Arrays partner stream: one edge per user per vendor page. Each vendor page aggregates its own entries per user, so one `sub` can appear once per page; a total is the sum over pages.',
  fields: (t) => ({
    edges: t.field({ type: [PartnerUsageEdgeRef], description: 'One edge per user per window, in stream order; at most `first`.', resolve: ({ edges }) => edges }),
    pageInfo: t.field({
      type: PageInfoRef,
      description:
        '`hasNextPage` is false only at the head of the stream: keep the last `endCursor` you had and ask again later for the entries that arrive after it.',
      resolve: ({ edges, hasNextPage, hasPreviousPage }) => pageInfoOf(edges.map((edge) => edge.cursor), { hasNextPage, hasPreviousPage }),
    }),
    windows: t.field({
      type: [PartnerUsageWindowRef],
      description: 'The vendor pages this field read, in order, one vendor call each unless the vendor answer cache had it.',
      resolve: ({ windows }) => windows,
    }),
  }),
});

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', provider: 'ARRAYS' } });
}

interface PartnerUsageArguments {
  first: number;
  entriesPerVendorCall: number;
  start: PartnerEdgeStart;
}

/** The arguments as the pager takes them; throws BAD_USER_INPUT. */
function argumentsOf(args: { first?: number | null; after?: string | null; entriesPerVendorCall?: number | null }): PartnerUsageArguments {
  const first = args.first ?? PARTNER_USAGE_DEFAULT_FIRST;
  if (!Number.isInteger(first) || first < 1 || first > PARTNER_USAGE_MAX_FIRST) {
    throw badInput(`first must be between 1 and ${PARTNER_USAGE_MAX_FIRST} (edges); got ${first}`);
  }
  const entriesPerVendorCall = args.entriesPerVendorCall ?? ARRAYS_DEFAULT_COUNT;
  if (!Number.isInteger(entriesPerVendorCall) || entriesPerVendorCall < 1 || entriesPerVendorCall > ARRAYS_MAX_COUNT) {
    throw badInput(`entriesPerVendorCall must be between 1 and ${ARRAYS_MAX_COUNT} (stream entries per vendor call); got ${entriesPerVendorCall}`);
  }
  try {
    return { first, entriesPerVendorCall, start: parseAfter(args.after) };
  } catch (error) {
    if (error instanceof PartnerCursorError) throw badInput(error.message);
    throw error;
  }
}

/** The arguments, or null when the resolver refuses them (it then calls no vendor). */
function argumentsOrNull(args: Record<string, unknown>): PartnerUsageArguments | null {
  try {
    return argumentsOf(args as { first?: number; after?: string; entriesPerVendorCall?: number });
  } catch {
    return null;
  }
}

builder.queryFields((t) => ({
  partnerUsage: t.field({
    type: PartnerUsageConnectionRef,
    nullable: true,
    description: [
      'Arrays per-user usage, straight from the vendor stream, one edge per user per vendor page.',
      `\`first\` counts edges; one field reads at most ${PARTNER_USAGE_MAX_VENDOR_CALLS} vendor pages of \`entriesPerVendorCall\` stream entries and returns fewer edges (with \`hasNextPage\` true) when that is reached.`,
      '`after` is an edge cursor or `pageInfo.endCursor`, or a raw stream position: `0` (the beginning) or an Arrays stream id such as `1732147200000-3` (start after that entry).',
      'A cursor into the middle of a head page that has grown since is refused with PARTNER_USAGE_CURSOR_STALE (`extensions.restartAfter` says where to page again from).',
    ].join(' '),
    ...requireScopes('partners:read'),
    args: {
      first: t.arg.int({ defaultValue: PARTNER_USAGE_DEFAULT_FIRST, description: `Most edges to return, 1 to ${PARTNER_USAGE_MAX_FIRST}.` }),
      after: t.arg.string({
        description: 'Continue after this edge cursor (or `pageInfo.endCursor`), or after this stream position (`0` or `<unix-ms>-<seq>`). Omitted: the beginning of the stream.',
      }),
      entriesPerVendorCall: t.arg.int({
        defaultValue: ARRAYS_DEFAULT_COUNT,
        description: `Stream entries each vendor call reads (Arrays' \`count\`), 1 to ${ARRAYS_MAX_COUNT}. The default reads the same first page as \`account(provider: ARRAYS)\`, so both share one call.`,
      }),
    },
    // Routers see the worst case: every vendor call the field may make, and `first` edges.
    cost: PARTNER_USAGE_MAX_VENDOR_CALLS,
    listSize: { slicingArguments: ['first'], sizedFields: ['edges'], requireOneSlicingArgument: false },
    extensions: vendorCalls((args, context) => {
      const parsed = argumentsOrNull(args);
      if (context.registry.get(arraysVendor.id) === undefined || parsed === null) return [];
      return partnerPageCalls(parsed.start, parsed.first, parsed.entriesPerVendorCall, PARTNER_USAGE_MAX_VENDOR_CALLS);
    }),
    resolve: async (_root, args, context) => {
      const { first, entriesPerVendorCall, start } = argumentsOf(args);
      const loader = context.loaders.of(arraysVendor).partnerPage;
      try {
        const page = await readPartnerEdges({
          start,
          first,
          entriesPerCall: entriesPerVendorCall,
          maxCalls: partnerEdgeCallBudget(first, PARTNER_USAGE_MAX_VENDOR_CALLS),
          read: (key) => loader.load(key),
        });
        return { ...page, hasPreviousPage: start.kind === 'edge' || start.cursor !== ARRAYS_STREAM_START };
      } catch (error) {
        if (!(error instanceof PartnerUsageCursorStaleError)) throw error;
        throw new GraphQLError(error.message, {
          extensions: { code: error.code, provider: error.provider, restartAfter: error.restartAfter },
        });
      }
    },
  }),
}));
