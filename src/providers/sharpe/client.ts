import { errorForStatus, UpstreamBadResponseError, type UpstreamError } from '../../upstream/errors.js';
import type { UpstreamHttp, UpstreamResponse } from '../../upstream/http.js';
import { parseJsonBody, parsePayload } from '../../upstream/json.js';
import { redact } from '../../upstream/redact.js';
import type { AccountUsage } from '../../usage/model.js';
import { endpointUrl, type VendorClient, type VendorClientOptions } from '../provider.js';
import { sharpeErrorBody, sharpeRequestId, sharpeUsageResponse, type SharpeUsageResponse } from './contract.js';
import { sharpeToAccountUsage } from './to-usage.js';

const PROVIDER = 'SHARPE';
const USAGE_PATH = '/v1/usage';

/**
 * Sharpe (CONTRACTS.md §3): one call, `GET {base}/v1/usage` with `Authorization: Bearer <key>`.
 * Failures reject with a typed `UpstreamError` whose message, properties and cause are free of the
 * key, even when Sharpe echoes it.
 */
export class SharpeClient implements VendorClient {
  readonly id = 'SHARPE';
  private readonly baseUrl: string;
  private readonly credential: string;
  private readonly http: UpstreamHttp;

  constructor(options: VendorClientOptions) {
    this.baseUrl = options.baseUrl;
    this.credential = options.credential;
    this.http = options.http;
  }

  /** Plan, rate limit, monthly quota and the last-24h endpoint breakdown, in the unified model. */
  async fetchAccount(): Promise<AccountUsage> {
    const body = await this.fetchUsage();
    return sharpeToAccountUsage(body, new Date());
  }

  private async fetchUsage(): Promise<SharpeUsageResponse> {
    const secrets = [this.credential];
    const response = await this.http.get({
      provider: PROVIDER,
      url: endpointUrl(this.baseUrl, USAGE_PATH),
      headers: { authorization: `Bearer ${this.credential}` },
      secrets,
    });
    if (response.status < 200 || response.status > 299) throw this.errorFrom(response);
    const payload = parseJsonBody(response, PROVIDER, secrets);
    const requestId = sharpeRequestId.safeParse(payload).data?.meta.request_id;
    try {
      return parsePayload(sharpeUsageResponse, payload, {
        provider: PROVIDER,
        what: `GET ${USAGE_PATH}`,
        httpStatus: response.status,
        upstreamRequestId: requestId === undefined ? null : redact(requestId, secrets),
      });
    } catch (error) {
      // parsePayload names field paths, and `by_endpoint` keys are Sharpe's text: redact them too.
      if (!(error instanceof UpstreamBadResponseError)) throw error;
      throw new UpstreamBadResponseError(redact(error.message, secrets), {
        provider: PROVIDER,
        httpStatus: error.httpStatus,
        upstreamRequestId: error.upstreamRequestId,
      });
    }
  }

  private errorFrom(response: UpstreamResponse): UpstreamError {
    const secrets = [this.credential];
    const parsed = sharpeErrorBody.safeParse(parseJsonOrUndefined(response.text));
    const body = parsed.success ? parsed.data : null;
    return errorForStatus({
      provider: PROVIDER,
      status: response.status,
      message: body ? redact(body.error.message, secrets) : 'no error body in the documented form',
      retryAfterSeconds: response.retryAfterSeconds,
      upstreamRequestId: body?.meta ? redact(body.meta.request_id, secrets) : null,
      vendorCode: body ? redact(body.error.code, secrets) : null,
    });
  }
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
