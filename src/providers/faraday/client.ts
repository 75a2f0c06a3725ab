import type { z } from 'zod';
import { errorForStatus, type FieldError, type UpstreamError } from '../../upstream/errors.js';
import type { UpstreamHttp, UpstreamResponse } from '../../upstream/http.js';
import { parseJsonBody, parsePayload } from '../../upstream/json.js';
import { redact } from '../../upstream/redact.js';
import type { AccountUsage } from '../../usage/model.js';
import { endpointUrl, type VendorClient, type VendorClientOptions } from '../provider.js';
import {
  faradayAccountUsageResponse,
  faradayErrorBody,
  faradayUsagesResponse,
  type FaradayAccountUsageResponse,
  type FaradayUsagesResponse,
} from './contract.js';
import { faradayToAccountUsage } from './to-usage.js';

const PROVIDER = 'FARADAY';

/**
 * Faraday (CONTRACTS.md §4, §5): named limits from `GET {base}/v1/usages` and usage metrics from
 * `GET {base}/v1/accounts/current/usage`, both with `Authorization: Bearer <key>`. Failures reject
 * with a typed `UpstreamError` carrying Faraday's error code and error id, free of the key.
 */
export class FaradayClient implements VendorClient {
  readonly id = 'FARADAY';
  private readonly baseUrl: string;
  private readonly credential: string;
  private readonly http: UpstreamHttp;

  constructor(options: VendorClientOptions) {
    this.baseUrl = options.baseUrl;
    this.credential = options.credential;
    this.http = options.http;
  }

  /**
   * Both calls, in parallel, combined into the unified model. If either fails this rejects with
   * that call's error: half an account would read as "no quotas" or "no usage", which is wrong.
   */
  async fetchAccount(): Promise<AccountUsage> {
    const [limits, usage] = await Promise.all([this.fetchLimits(), this.fetchAccountUsage()]);
    return faradayToAccountUsage(limits, usage, new Date());
  }

  /** The validated body of `GET /v1/usages`: the account's named limits. */
  fetchLimits(): Promise<FaradayUsagesResponse> {
    return this.get('/v1/usages', faradayUsagesResponse);
  }

  /** The validated body of `GET /v1/accounts/current/usage`: the latest recorded usage metrics. */
  fetchAccountUsage(): Promise<FaradayAccountUsageResponse> {
    return this.get('/v1/accounts/current/usage', faradayAccountUsageResponse);
  }

  private async get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    const secrets = [this.credential];
    const response = await this.http.get({
      provider: PROVIDER,
      url: endpointUrl(this.baseUrl, path),
      headers: { authorization: `Bearer ${this.credential}` },
      secrets,
    });
    if (response.status < 200 || response.status > 299) throw this.errorFrom(response);
    const payload = parseJsonBody(response, PROVIDER, secrets);
    return parsePayload(schema, payload, { provider: PROVIDER, what: `GET ${path}`, httpStatus: response.status });
  }

  private errorFrom(response: UpstreamResponse): UpstreamError {
    const secrets = [this.credential];
    const parsed = faradayErrorBody.safeParse(parseJsonOrUndefined(response.text));
    if (!parsed.success) {
      return errorForStatus({
        provider: PROVIDER,
        status: response.status,
        message: 'no error body in the documented form',
        retryAfterSeconds: response.retryAfterSeconds,
      });
    }
    const body = parsed.data;
    const code = redact(body.error, secrets);
    return errorForStatus({
      provider: PROVIDER,
      status: response.status,
      message: body.message === undefined ? code : `${code}: ${redact(body.message, secrets)}`,
      retryAfterSeconds: response.retryAfterSeconds,
      upstreamRequestId: body.id === undefined ? null : redact(body.id, secrets),
      vendorCode: code,
      fieldErrors: (body.validationErrors ?? []).map((item) => fieldErrorOf(item, secrets)),
    });
  }
}

/**
 * Reads one JSON Schema validation error of unknown shape: ajv's `instancePath` (v8) or `dataPath`
 * (v6), or a plain `field`/`path`/`property`, plus `params.missingProperty` for `required` errors,
 * which ajv reports at the parent's path.
 */
function fieldErrorOf(item: unknown, secrets: readonly string[]): FieldError {
  const record = isRecord(item) ? item : {};
  const location = [record.field, record.instancePath, record.dataPath, record.property, record.path].find(
    (value) => typeof value === 'string' || Array.isArray(value),
  );
  const base = Array.isArray(location) ? location.map(String).join('.') : ((location as string | undefined) ?? '');
  const missing = isRecord(record.params) ? record.params.missingProperty : undefined;
  const field = typeof missing === 'string' ? [base, missing].filter(Boolean).join('/') : base;
  const reason = [record.message, record.keyword].find((value) => typeof value === 'string') as string | undefined;
  return {
    field: redact(field === '' ? '(root)' : field, secrets),
    reason: redact(reason ?? 'invalid', secrets),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
