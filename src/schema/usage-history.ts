import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { SeriesKey } from '../monitoring/history-types.js';
import { bucketCount, chooseResolution, DEFAULT_MAX_POINTS, downsample, type Resolution, type UsagePoint } from '../usage/downsample.js';
import { builder } from './builder.js';

/**
 * History series as the schema tells them: the gateway's own samples of a counter (docs/usage-history.md),
 * in buckets of a resolution. They read the gateway's store, never a vendor.
 */

/** Most points one `history` field answers; a longer series needs a coarser resolution. */
export const MAX_HISTORY_POINTS = 10_000;
/** The range `history` tells when `since` is not given: the week before `until`. */
export const DEFAULT_HISTORY_SPAN_MS = 7 * 24 * 60 * 60_000;

const RESOLUTION_DESCRIPTIONS: Record<Resolution, string> = {
  RAW: 'Every sample, one point each (`at` is the sample time). Only when asked for by name: how many samples a range holds depends on the sampling interval.',
  FIVE_MINUTES: 'Buckets of five minutes, aligned to UTC.',
  HOUR: 'Buckets of one hour, aligned to UTC.',
  DAY: 'UTC days, from midnight UTC.',
  WEEK: 'Weeks from Monday 00:00 UTC.',
  MONTH: 'Calendar months from the first of the month, 00:00 UTC.',
};

export const HistoryResolutionEnum = builder.enumType('HistoryResolution', {
  description: 'How finely a history is told: every sample, or one point per UTC bucket.',
  values: Object.fromEntries(Object.entries(RESOLUTION_DESCRIPTIONS).map(([resolution, description]) => [resolution, { description }])) as Record<
    Resolution,
    { description: string }
  >,
});

export const UsagePointRef = builder.objectRef<UsagePoint>('UsagePoint').implement({
  description:
    'One bucket of a counter\'s history: its value at the end of the bucket, its peak, and the usage counted in it. Increments count from 0 after a reset, so `increase` is never negative and the points\' increases add up to the usage of the range.',
  fields: (t) => ({
    at: t.field({ type: 'DateTime', description: "Start of the bucket (UTC-aligned); at `RAW`, the sample's time.", resolve: (point) => new Date(point.start) }),
    used: t.expose('used', { type: 'SafeInt', description: "The counter at the bucket's last sample." }),
    max: t.expose('maxUsed', { type: 'SafeInt', description: 'The highest counter in the bucket; with a reset inside the bucket, the old period\'s peak.' }),
    increase: t.expose('increment', {
      type: 'SafeInt',
      description: 'Usage counted in the bucket: the sum of its samples\' rises, each measured within its period (after a reset from 0), never negative.',
    }),
    limit: t.expose('limit', { type: 'SafeInt', nullable: true, description: "The limit at the bucket's last sample; null when there is none (period counters)." }),
    resetsAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: "The reset time announced at the bucket's last sample; null when the vendor announces none.",
      resolve: (point) => (point.resetsAt === null ? null : new Date(point.resetsAt)),
    }),
    samples: t.exposeInt('count', { description: 'How many samples the bucket holds (at least 1: empty buckets are left out).' }),
    period: t.exposeInt('period', {
      description: "The period of the bucket's last sample, counting from 0 at the oldest kept sample: compare it between points of one answer (a change is a reset).",
    }),
    resets: t.exposeInt('resets', { description: 'How many samples in the bucket started a new period: resets seen within it.' }),
  }),
});

export const historyArgs = builder.args((t) => ({
  since: t.field({ type: 'DateTime', required: false, description: 'First instant told, inclusive. Default: a week before `until`.' }),
  until: t.field({ type: 'DateTime', required: false, description: 'First instant not told, exclusive. Default: now.' }),
  resolution: t.field({
    type: HistoryResolutionEnum,
    required: false,
    description: `Bucket size. Default: the finest that tells the range in at most \`HISTORY_DEFAULT_POINTS\` points (${DEFAULT_MAX_POINTS} unless configured: a day at FIVE_MINUTES, a month at HOUR, a year at DAY). At most ${MAX_HISTORY_POINTS} points either way.`,
  }),
}));

/** The description shared by every `history` field, with what the series is. */
export function historyDescription(what: string): string {
  return `${what} as the gateway sampled it, oldest first, one point per bucket that holds a sample. Read from the gateway's own store: it costs no vendor call itself (the account it hangs on does). Empty when usage history is off or the range holds no sample. Null, with an error, for an argument out of range (BAD_USER_INPUT) or a history store that cannot be read (HISTORY_UNAVAILABLE).`;
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

const DAY_MS = 86_400_000;

/** A `history` field's arguments checked, defaults applied. */
interface HistoryRange {
  since: number;
  until: number;
  resolution: Resolution;
}

function historyRange(
  args: { since?: Date | null; until?: Date | null; resolution?: Resolution | null },
  now: number,
  retentionMs: number,
  defaultPoints: number = DEFAULT_MAX_POINTS,
): HistoryRange {
  const until = args.until?.getTime() ?? now;
  const since = args.since?.getTime() ?? until - DEFAULT_HISTORY_SPAN_MS;
  if (since >= until) {
    throw badInput(`since (${new Date(since).toISOString()}) must be before until (${new Date(until).toISOString()}); since is inclusive, until exclusive`);
  }
  if (until - since > retentionMs) {
    throw badInput(`the range spans ${formatDays(until - since)} days; history is kept for ${formatDays(retentionMs)} days, so one range may span at most that`);
  }
  const resolution = args.resolution ?? chooseResolution(since, until, defaultPoints);
  if (resolution !== 'RAW') {
    const points = bucketCount(since, until, resolution);
    if (points > MAX_HISTORY_POINTS) {
      throw badInput(`the range holds ${points} ${resolution} buckets; one history answers at most ${MAX_HISTORY_POINTS} points: ask for a coarser resolution or a shorter range`);
    }
  }
  return { since, until, resolution };
}

function formatDays(ms: number): string {
  return String(Math.round((ms / DAY_MS) * 100) / 100);
}

/** The points of one series over the arguments' range; empty when history is off. */
export async function historyOf(
  key: SeriesKey,
  args: { since?: Date | null; until?: Date | null; resolution?: Resolution | null },
  context: GatewayContext,
): Promise<UsagePoint[]> {
  if (context.history === null) return [];
  const { since, until, resolution } = historyRange(args, context.history.now(), context.history.retentionMs, context.history.defaultPoints);
  // The whole series is read, so the first sample of the range gets its increment from the one before it.
  const samples = await context.loaders.history.load(key);
  const points = downsample(samples, resolution, { since, until });
  if (points.length > MAX_HISTORY_POINTS) {
    throw badInput(`the range holds ${points.length} samples; one history answers at most ${MAX_HISTORY_POINTS} points: ask for a bucketed resolution or a shorter range`);
  }
  return points;
}
