import { UpstreamBadResponseError } from '../../upstream/errors.js';
import type {
  AccountUsage,
  EndpointUsage,
  PartnerUsage,
  PartnerUsagePage,
  UsageWindow,
} from '../../usage/model.js';
import { freshView } from '../provider.js';
import type { PackedPartnerUsagePage } from '../../usage/packed-partner-usage.js';
import type { ArraysSuccessEnvelope } from './contract.js';
import type { PackedSuccessEnvelope } from './packed-page.js';
import { cursorTime } from '../../ledger/index.js';

/**
 * Arrays payloads to the unified model. Pure: the caller supplies the cursor it asked from and
 * when the answer arrived.
 */

/** Maps one successful envelope to a page. `fromCursor` is the `from_id` the page was read from. */
export function partnerPageFromEnvelope(
  envelope: ArraysSuccessEnvelope,
  fromCursor: string,
): PartnerUsagePage {
  const entries: PartnerUsage[] = envelope.data.map((usage) => ({
    sub: usage.sub,
    calls: usage.calls,
    discoveries: usage.discoveries,
    tweets: usage.tweets,
    // Default sort compares UTF-16 code units: stable across locales, unlike localeCompare.
    byEndpoint: Object.keys(usage.by_endpoint)
      .sort()
      .map((endpoint) => {
        const counts = usage.by_endpoint[endpoint]!;
        return { endpoint, calls: counts.calls, discoveries: counts.discoveries, tweets: counts.tweets };
      }),
  }));
  const pagination = envelope.pagination ?? null;
  return {
    entries,
    // Without pagination the vendor processed nothing we can resume after, so the next read
    // starts where this one did rather than skipping or restarting the stream.
    nextCursor: pagination?.next_cursor ?? fromCursor,
    hasMore: pagination?.has_more ?? false,
    fromCursor,
    upstreamRequestId: envelope.request_id,
  };
}

/** A success envelope read by `readPackedSuccessEnvelope` as a packed page, with the defaults of `partnerPageFromEnvelope`. */
export function packedPageFromEnvelope(envelope: PackedSuccessEnvelope, fromCursor: string): PackedPartnerUsagePage {
  return {
    entries: envelope.users,
    nextCursor: envelope.pagination?.nextCursor ?? fromCursor,
    hasMore: envelope.pagination?.hasMore ?? false,
    fromCursor,
    upstreamRequestId: envelope.requestId,
  };
}

/**
 * The account overview of one page: calls per endpoint summed over the page's users. It covers
 * only the page's stream window, which the window label and bounds say.
 */
export function accountFromPartnerPage(page: PartnerUsagePage): AccountUsage {
  const window = streamWindow(page.fromCursor, page.nextCursor);
  const callsByEndpoint = new Map<string, number>();
  for (const entry of page.entries) {
    for (const { endpoint, calls } of entry.byEndpoint) {
      callsByEndpoint.set(endpoint, safeSum(callsByEndpoint.get(endpoint) ?? 0, calls, 'per-endpoint calls'));
    }
  }
  const endpoints: EndpointUsage[] = [...callsByEndpoint.keys()].sort().map((path) => ({
    path,
    method: null,
    requests: callsByEndpoint.get(path)!,
    errors: null,
    avgLatencyMs: null,
    window,
  }));
  const requests = page.entries.reduce((total, entry) => safeSum(total, entry.calls, 'calls'), 0);
  return {
    provider: 'ARRAYS',
    plan: null,
    rateLimit: null,
    quotas: [],
    endpoints,
    periods: [],
    alerts: [],
    totals: { requests, successfulRequests: null, failedRequests: null, avgLatencyMs: null, p95LatencyMs: null, window },
    recordedAt: null,
    snapshot: null,
    upstreamElapsedMs: null,
    upstreamRequestId: page.upstreamRequestId,
  };
}

/**
 * `accountFromPartnerPage` once per page object: the overview sums a cached 1,000-entry page, and
 * summing it again on every request was the largest cost of a warm overview.
 */
export const accountOfPartnerPage = freshView(accountFromPartnerPage);

/** The stream span a page covers: after `from` (exclusive) through `next` (inclusive). */
export function streamWindow(from: string, next: string): UsageWindow {
  return {
    kind: 'STREAM_WINDOW',
    label: `entries after ${from} through ${next}`,
    start: cursorTime(from),
    end: cursorTime(next),
  };
}

/** A sum that refuses to round: a total past 2^53 - 1 cannot be reported exactly. */
function safeSum(total: number, add: number, what: string): number {
  const sum = total + add;
  if (!Number.isSafeInteger(sum)) {
    throw new UpstreamBadResponseError(`ARRAYS ${what} sum past 2^53 - 1 and cannot be represented exactly`, {
      provider: 'ARRAYS',
    });
  }
  return sum;
}
