import type { z } from 'zod';
import type { FieldError } from '../../upstream/errors.js';
import { redact } from '../../common/redact.js';
import type { AccountUsage, Fresh } from '../../usage/model.js';
import type { Fetched, VendorChannel } from '../../upstream/vendor-channel.js';
import { channelFor, endpointUrl, type VendorClient, type VendorClientOptions } from '../provider.js';
import { readVendorAnswer, redactOptional, type VendorErrors } from '../vendor-response.js';
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
 * Faraday (docs/vendors/faraday.md): named limits from `GET {base}/v1/usages` and usage metrics from
 * `GET {base}/v1/accounts/current/usage`, both with `Authorization: Bearer <key>`. Failures reject
 * with a typed `UpstreamError` carrying Faraday's error code and error id, free of the key.
 */
export class FaradayClient implements VendorClient {
  readonly id = 'FARADAY' as const;
  private readonly options: VendorClientOptions;
  private readonly secrets: readonly string[];
  private readonly channel: VendorChannel;
  /** The last account and the two cached answers it was built from (shared: never modified). */
  private lastAccount: { limits: FaradayUsagesResponse; usage: FaradayAccountUsageResponse; account: AccountUsage } | null = null;

  constructor(options: VendorClientOptions) {
    this.options = options;
    this.secrets = [options.credential];
    this.channel = channelFor(PROVIDER, options);
  }

  /**
   * Both calls, in parallel, combined into the unified model. If either fails this rejects with
   * that call's error: half an account would read as "no quotas" or "no usage", which is wrong.
   * The account is as old as its older half, and stale when either half is.
   */
  async fetchAccount(): Promise<Fresh<AccountUsage>> {
    const [limits, usage] = await Promise.all([this.getLimits(), this.getAccountUsage()]);
    const last = this.lastAccount;
    // The same two cached answers make the same account: build it once, not on every request.
    const account =
      last?.limits === limits.value && last.usage === usage.value ? last.account : faradayToAccountUsage(limits.value, usage.value);
    this.lastAccount = { limits: limits.value, usage: usage.value, account };
    return {
      value: account,
      fetchedAt: limits.fetchedAt < usage.fetchedAt ? limits.fetchedAt : usage.fetchedAt,
      staleReason: limits.staleReason ?? usage.staleReason,
    };
  }

  /** The validated body of `GET /v1/usages`: the account's named limits. */
  async fetchLimits(): Promise<FaradayUsagesResponse> {
    return (await this.getLimits()).value;
  }

  /** The validated body of `GET /v1/accounts/current/usage`: the latest recorded usage metrics. */
  async fetchAccountUsage(): Promise<FaradayAccountUsageResponse> {
    return (await this.getAccountUsage()).value;
  }

  private getLimits(): Promise<Fetched<FaradayUsagesResponse>> {
    return this.get('/v1/usages', faradayUsagesResponse);
  }

  private getAccountUsage(): Promise<Fetched<FaradayAccountUsageResponse>> {
    return this.get('/v1/accounts/current/usage', faradayAccountUsageResponse);
  }

  private get<S extends z.ZodType>(path: string, schema: S): Promise<Fetched<z.output<S>>> {
    const { baseUrl, credential } = this.options;
    return this.channel.fetch({
      url: endpointUrl(baseUrl, path),
      headers: { authorization: `Bearer ${credential}` },
      interpret: (response) => readVendorAnswer(response, FARADAY_ERRORS, schema, { what: `GET ${path}`, secrets: this.secrets }),
    });
  }
}

const FARADAY_ERRORS: VendorErrors<z.output<typeof faradayErrorBody>> = {
  provider: PROVIDER,
  errorBody: faradayErrorBody,
  quote: (body, secrets) => {
    const code = redact(body.error, secrets);
    return {
      message: body.message === undefined ? code : `${code}: ${redact(body.message, secrets)}`,
      // Faraday's error id is what its support asks for.
      upstreamRequestId: redactOptional(body.id, secrets),
      vendorCode: code,
      fieldErrors: (body.validationErrors ?? []).map((item) => fieldErrorOf(item, secrets)),
    };
  },
};

/**
 * Reads one JSON Schema validation error of unknown shape: ajv's `instancePath` (v8) or `dataPath`
 * (v6), or a plain `field`/`property`/`path`, plus `params.missingProperty` for `required` errors,
 * which ajv reports at the parent's path.
 */
function fieldErrorOf(item: unknown, secrets: readonly string[]): FieldError {
  const record = isRecord(item) ? item : {};
  const location =
    [record.field, record.instancePath, record.dataPath, record.property, record.path]
      .map(pathText)
      .find((text) => text !== undefined) ?? '';
  const missing = isRecord(record.params) ? pathText(record.params.missingProperty) : undefined;
  const field = [location, missing ?? ''].filter((part) => part !== '').join('/');
  const reason = [record.message, record.keyword].find((value) => typeof value === 'string');
  return {
    field: redact(field === '' ? '(root)' : field, secrets),
    reason: redact(typeof reason === 'string' ? reason : 'invalid', secrets),
  };
}

function pathText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(String).join('.');
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
