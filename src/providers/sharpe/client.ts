import type { z } from 'zod';
import type { UpstreamResponse } from '../../upstream/http.js';
import { redact } from '../../common/redact.js';
import type { AccountUsage, Fresh } from '../../usage/model.js';
import type { VendorChannel } from '../../upstream/vendor-channel.js';
import { channelFor, endpointUrl, type VendorClient, type VendorClientOptions } from '../provider.js';
import { readVendorAnswer, redactOptional, type VendorErrors } from '../vendor-response.js';
import { sharpeErrorBody, sharpeRequestId, sharpeUsageResponse, type SharpeUsageResponse } from './contract.js';
import { sharpeToAccountUsage } from './to-usage.js';

const PROVIDER = 'SHARPE';
const USAGE_PATH = '/v1/usage';

/**
 * Sharpe (docs/vendors/sharpe.md): one call, `GET {base}/v1/usage` with `Authorization: Bearer <key>`.
 * Failures reject with a typed `UpstreamError` whose message, properties and cause are free of the
 * key, even when Sharpe echoes it.
 */
export class SharpeClient implements VendorClient {
  readonly id = 'SHARPE' as const;
  private readonly options: VendorClientOptions;
  private readonly secrets: readonly string[];
  private readonly channel: VendorChannel;

  constructor(options: VendorClientOptions) {
    this.options = options;
    this.secrets = [options.credential];
    this.channel = channelFor(PROVIDER, options);
  }

  /** Plan, rate limit, monthly quota and the last-24h endpoint breakdown, in the unified model. */
  fetchAccount(): Promise<Fresh<AccountUsage>> {
    const { baseUrl, credential } = this.options;
    return this.channel.fetch({
      url: endpointUrl(baseUrl, USAGE_PATH),
      headers: { authorization: `Bearer ${credential}` },
      interpret: (response) => sharpeToAccountUsage(this.usageFrom(response)),
      // Sharpe states its effective limit in every answer; the gateway's budget follows it down.
      reportedRateLimit: (account) => account.rateLimit?.requestsPerMinute ?? null,
    });
  }

  private usageFrom(response: UpstreamResponse): SharpeUsageResponse {
    return readVendorAnswer(response, SHARPE_ERRORS, sharpeUsageResponse, {
      what: `GET ${USAGE_PATH}`,
      secrets: this.secrets,
      // A body that broke its contract may still carry the request id Sharpe's support asks for.
      requestIdOf: (payload) => redactOptional(sharpeRequestId.safeParse(payload).data?.meta.request_id, this.secrets),
    });
  }
}

const SHARPE_ERRORS: VendorErrors<z.output<typeof sharpeErrorBody>> = {
  provider: PROVIDER,
  errorBody: sharpeErrorBody,
  quote: (body, secrets) => ({
    message: redact(body.error.message, secrets),
    upstreamRequestId: redactOptional(body.meta?.request_id, secrets),
    vendorCode: redact(body.error.code, secrets),
  }),
};
