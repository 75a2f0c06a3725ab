import type { FieldError } from '../../upstream/errors.js';
import type { UpstreamResponse } from '../../upstream/http.js';
import { redact } from '../../common/redact.js';
import type { AccountUsage, Fresh, PartnerUsagePage } from '../../usage/model.js';
import { PackedPartnerUsage, type PackedPartnerUsagePage } from '../../usage/packed-partner-usage.js';
import type { VendorChannel } from '../../upstream/vendor-channel.js';
import { channelFor, endpointUrl, type VendorClient, type VendorClientOptions } from '../provider.js';
import { errorForFailureEnvelope, isSuccessStatus, readVendorAnswer, redactOptional, type VendorErrors } from '../vendor-response.js';
import { apiResponseSchema, errorBodySchema, isSuccessEnvelope, type ArraysErrorBody } from './contract.js';
import { ARRAYS_DEFAULT_COUNT, ARRAYS_MAX_COUNT, ARRAYS_STREAM_START } from '../../ledger/index.js';
import { readPackedSuccessEnvelope } from './packed-page.js';
import { accountOfPartnerPage, packedPageFromEnvelope, partnerPageFromEnvelope } from './to-usage.js';

const PROVIDER = 'ARRAYS';
const USAGE_PATH = '/v1/partner/usage';

/** Arrays error code meaning "nothing there", kept as not-found even inside a 200. */
const NOT_FOUND_CODE = 'RESOURCE_NOT_FOUND';

/** Reads Arrays' partner usage stream (`GET /v1/partner/usage`, header `X-Service-Token`). */
export class ArraysClient implements VendorClient {
  readonly id = 'ARRAYS' as const;
  private readonly options: VendorClientOptions;
  private readonly channel: VendorChannel;

  constructor(options: VendorClientOptions) {
    this.options = options;
    this.channel = channelFor(PROVIDER, options);
  }

  /**
   * One stream page after `fromCursor`. `count` must be an integer from 1 to `ARRAYS_MAX_COUNT`:
   * callers validate user input, so a bad count here is a programming error and throws a plain
   * `RangeError` before any upstream call. `through`: the page wanted is the one this call gave
   * when it was the stream's head and ended at that cursor; it is served as it was read for as
   * long as the answer cache keeps it, and read afresh (and possibly grown) otherwise.
   */
  async fetchPartnerPage(fromCursor: string, count: number, through?: string): Promise<Fresh<PartnerUsagePage>> {
    return this.fetchPage(fromCursor, count, pageFrom, through);
  }

  /**
   * The same page as `fetchPartnerPage`, its users packed (for the ledger, which ingests a million
   * entries a run): a well-formed body is read in one pass from its bytes, anything else the way
   * `fetchPartnerPage` reads it, with the same typed errors.
   */
  async fetchPackedPartnerPage(fromCursor: string, count: number): Promise<Fresh<PackedPartnerUsagePage>> {
    return this.fetchPage(fromCursor, count, packedPageFrom);
  }

  private async fetchPage<Page extends { hasMore: boolean; nextCursor: string; entries: { readonly length: number } }>(
    fromCursor: string,
    count: number,
    read: (response: UpstreamResponse, fromCursor: string, secrets: readonly string[]) => Page,
    through?: string,
  ): Promise<Fresh<Page>> {
    if (!Number.isInteger(count) || count < 1 || count > ARRAYS_MAX_COUNT) {
      throw new RangeError(`Arrays count must be an integer in 1..${ARRAYS_MAX_COUNT}, got ${count}`);
    }
    const { baseUrl, credential } = this.options;
    return this.channel.fetch({
      url: endpointUrl(baseUrl, USAGE_PATH, { from_id: fromCursor, count: String(count) }),
      headers: { 'X-Service-Token': credential },
      interpret: (response) => read(response, fromCursor, [credential]),
      // A page with more after it is settled history (the stream is append-only) and may be
      // shared. The last page is the stream's head: the URL's next answer may cover more entries,
      // so it is read afresh every time; but the entries it did cover never change, so it is kept
      // under its last entry, for the cursors into it (an empty one has none).
      cacheable: (page) => page.hasMore || page.entries.length > 0,
      cacheNameOf: (page) => (page.hasMore ? undefined : headPageName(page.nextCursor)),
      ...(through === undefined ? {} : { cacheName: headPageName(through) }),
      priority: this.options.priority,
    });
  }

  /** The first page of the stream (Arrays' default size), summed per endpoint. */
  async fetchAccount(): Promise<Fresh<AccountUsage>> {
    return accountOfPartnerPage(await this.fetchPartnerPage(ARRAYS_STREAM_START, ARRAYS_DEFAULT_COUNT));
  }
}

/** The cache name of a head page that ended at `lastEntry` (see ChannelCall.cacheNameOf). */
function headPageName(lastEntry: string): string {
  return `through=${lastEntry}`;
}

/** One Arrays page in the unified model, or the typed error the answer means. */
function pageFrom(response: UpstreamResponse, fromCursor: string, secrets: readonly string[]): PartnerUsagePage {
  const envelope = readVendorAnswer(response, ARRAYS_ERRORS, apiResponseSchema, {
    what: 'partner usage response',
    secrets,
    requestIdOf: (payload) => requestIdOf(payload, secrets),
    acceptsAsIs: isSuccessEnvelope,
  });
  if (!envelope.success) {
    throw errorForFailureEnvelope({
      ...ARRAYS_ERRORS.quote(envelope, secrets),
      provider: PROVIDER,
      httpStatus: response.status,
      retryAfterSeconds: response.retryAfterSeconds,
      notFound: envelope.error.code === NOT_FOUND_CODE,
    });
  }
  return partnerPageFromEnvelope(envelope, fromCursor);
}

/** `pageFrom`, packed; a 2xx body in the documented shape skips the object model altogether. */
function packedPageFrom(response: UpstreamResponse, fromCursor: string, secrets: readonly string[]): PackedPartnerUsagePage {
  const envelope = isSuccessStatus(response.status) && response.bytes !== undefined ? readPackedSuccessEnvelope(response.bytes) : null;
  if (envelope !== null) return packedPageFromEnvelope(envelope, fromCursor);
  const { entries, ...page } = pageFrom(response, fromCursor, secrets);
  return { ...page, entries: PackedPartnerUsage.from(entries) };
}

/** Everything an error can quote from an Arrays error body, redacted: vendors echo what they got. */
const ARRAYS_ERRORS: VendorErrors<ArraysErrorBody> = {
  provider: PROVIDER,
  errorBody: errorBodySchema,
  quote: ({ error, request_id }, secrets) => ({
    message: redact(error.message, secrets),
    upstreamRequestId: redactOptional(request_id, secrets),
    vendorCode: redact(error.code, secrets),
    hint: redactOptional(error.hint, secrets),
    docsUrl: redactOptional(error.docs_url, secrets),
    examples: (error.examples ?? []).map((example) => redact(example, secrets)),
    suggestions: (error.suggestions ?? []).map((suggestion) => redact(suggestion, secrets)),
    fieldErrors: (error.details ?? []).map(
      (detail): FieldError => ({
        field: redact(detail.field, secrets),
        reason:
          redact(detail.reason, secrets) +
          (detail.got === undefined ? '' : ` (got ${JSON.stringify(redact(detail.got, secrets))})`),
      }),
    ),
  }),
};

/** The envelope's request id even when the rest broke its contract, so support can still trace it. */
function requestIdOf(payload: unknown, secrets: readonly string[]): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const id = (payload as { request_id?: unknown }).request_id;
  return typeof id === 'string' ? redact(id, secrets) : null;
}
