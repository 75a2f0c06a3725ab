import type { UpstreamResponse } from '../../upstream/http.js';
import { redact } from '../../common/redact.js';
import {
  ANYLAYER_MAX_LIMIT,
  DEFAULT_API_KEY_USAGE_QUERY,
  type AccountUsage,
  type ApiKeyUsage,
  type ApiKeyUsageQuery,
  type Fresh,
} from '../../usage/model.js';
import type { VendorChannel } from '../../upstream/vendor-channel.js';
import { channelFor, endpointUrl, type VendorClient, type VendorClientOptions } from '../provider.js';
import { errorForFailureEnvelope, readVendorAnswer, type VendorErrors } from '../vendor-response.js';
import { errorBodySchema, responseSchema, type IncludedParts } from './contract.js';
import { accountOfApiKeyUsage, apiKeyUsageFromBody } from './to-usage.js';

const PROVIDER = 'ANYLAYER';
const USAGE_PATH = '/v1/developer/usage';

/** Anylayer error code meaning "no usage for that timeframe or key", kept as not-found even inside a 2xx. */
const NOT_FOUND_CODE = 'NO_USAGE_DATA';

/** Reads Anylayer's API key analytics (`GET /v1/developer/usage`, `Authorization: Bearer <key>`). */
export class AnylayerClient implements VendorClient {
  readonly id = 'ANYLAYER' as const;
  private readonly options: VendorClientOptions;
  private readonly channel: VendorChannel;

  constructor(options: VendorClientOptions) {
    this.options = options;
    this.channel = channelFor(PROVIDER, options);
  }

  /**
   * Usage analytics for `query`. The query is expected validated (enums are typed); a `limit`
   * outside 1..1000 or a negative or fractional `offset` is a programming error and throws a
   * plain `RangeError` before any upstream call.
   */
  async fetchApiKeyUsage(query: ApiKeyUsageQuery): Promise<Fresh<ApiKeyUsage>> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > ANYLAYER_MAX_LIMIT) {
      throw new RangeError(`Anylayer limit must be an integer in 1..${ANYLAYER_MAX_LIMIT}, got ${query.limit}`);
    }
    if (!Number.isSafeInteger(query.offset) || query.offset < 0) {
      throw new RangeError(`Anylayer offset must be a non-negative integer, got ${query.offset}`);
    }
    const { baseUrl, credential } = this.options;
    return this.channel.fetch({
      url: endpointUrl(baseUrl, USAGE_PATH, queryParameters(query)),
      headers: { authorization: `Bearer ${credential}` },
      interpret: (response) => usageFrom(response, query, [credential]),
    });
  }

  /** The vendor's default analytics (last 24 h, every key) as an account overview. */
  async fetchAccount(): Promise<Fresh<AccountUsage>> {
    return accountOfApiKeyUsage(await this.fetchApiKeyUsage(DEFAULT_API_KEY_USAGE_QUERY));
  }
}

/** Anylayer's answer to `query` in the unified model, or the typed error it means. */
function usageFrom(response: UpstreamResponse, query: ApiKeyUsageQuery, secrets: readonly string[]): ApiKeyUsage {
  const body = readVendorAnswer(response, ANYLAYER_ERRORS, responseSchema(includedParts(query)), { what: 'usage response', secrets });
  if (!body.success) {
    throw errorForFailureEnvelope({
      ...ANYLAYER_ERRORS.quote(body, secrets),
      provider: PROVIDER,
      httpStatus: response.status,
      retryAfterSeconds: response.retryAfterSeconds,
      notFound: body.error.code === NOT_FOUND_CODE,
    });
  }
  return apiKeyUsageFromBody(body, query);
}

/** What an error can quote from an Anylayer error, redacted: vendors echo what they got. */
const ANYLAYER_ERRORS: VendorErrors<{ error: { code: string; message: string } }> = {
  provider: PROVIDER,
  errorBody: errorBodySchema,
  quote: ({ error }, secrets) => ({ message: redact(error.message, secrets), vendorCode: redact(error.code, secrets) }),
};

/**
 * Every parameter, defaults included: the answer then does not depend on vendor defaults that
 * may change, and equal queries are equal requests (which is what request sharing keys on).
 */
export function queryParameters(query: ApiKeyUsageQuery): Record<string, string> {
  return {
    ...(query.keyId === null ? {} : { key_id: query.keyId }),
    timeframe: query.timeframe,
    granularity: query.granularity,
    include_breakdown: String(query.includeBreakdown),
    include_errors: String(query.includeErrors),
    include_latency: String(query.includeLatency),
    sort_by: query.sortBy,
    order: query.order,
    limit: String(query.limit),
    offset: String(query.offset),
  };
}

function includedParts(query: ApiKeyUsageQuery): IncludedParts {
  return { breakdown: query.includeBreakdown, errors: query.includeErrors, latency: query.includeLatency };
}
