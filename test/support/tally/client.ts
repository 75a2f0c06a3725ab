import { channelFor, endpointUrl, type VendorClient, type VendorClientOptions } from '../../../src/providers/provider.js';
import { readVendorAnswer, type VendorErrors } from '../../../src/providers/vendor-response.js';
import { redact } from '../../../src/common/redact.js';
import type { VendorChannel } from '../../../src/upstream/vendor-channel.js';
import type { AccountUsage, Fresh } from '../../../src/usage/model.js';
import { tallyErrorBody, tallyQuotaResponse, type TallyQuotaResponse } from './contract.js';

const TALLY_ERRORS: VendorErrors<{ error: string }> = {
  provider: 'TALLY',
  errorBody: tallyErrorBody,
  quote: (body, secrets) => ({ message: redact(body.error, secrets) }),
};

/** Reads Tally's one quota over the shared channel. */
export class TallyClient implements VendorClient {
  readonly id = 'TALLY';
  private readonly channel: VendorChannel;

  constructor(private readonly options: VendorClientOptions) {
    this.channel = channelFor('TALLY', options);
  }

  fetchAccount(): Promise<Fresh<AccountUsage>> {
    return this.channel.fetch({
      url: endpointUrl(this.options.baseUrl, '/v2/quota'),
      headers: { 'x-tally-key': this.options.credential },
      interpret: (response) =>
        toAccount(readVendorAnswer(response, TALLY_ERRORS, tallyQuotaResponse, { what: 'GET /v2/quota', secrets: [this.options.credential] })),
    });
  }
}

function toAccount(body: TallyQuotaResponse): AccountUsage {
  const { name, used, limit } = body.quota;
  return {
    provider: 'TALLY',
    plan: null,
    rateLimit: null,
    quotas: [{ name, description: null, used, limit, remaining: limit - used, resetsAt: null }],
    endpoints: [],
    periods: [],
    alerts: [],
    totals: null,
    recordedAt: new Date(body.as_of),
    snapshot: null,
    upstreamElapsedMs: null,
    upstreamRequestId: null,
  };
}
