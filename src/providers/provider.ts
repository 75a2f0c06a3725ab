import type { UpstreamHttp } from '../upstream/http.js';
import type {
  AccountUsage,
  ApiKeyUsage,
  ApiKeyUsageQuery,
  PartnerUsagePage,
  ProviderId,
} from '../usage/model.js';

/** What every vendor client is built from. */
export interface VendorClientOptions {
  /** Base URL including any path prefix, e.g. `https://www.sharpe.ai/api`. No trailing slash needed. */
  baseUrl: string;
  /** The vendor credential (API key or service token). Sent only to `baseUrl`'s origin. */
  credential: string;
  /** The shared upstream HTTP client. */
  http: UpstreamHttp;
}

/** A configured vendor as the rest of the gateway sees it. */
export interface VendorClient {
  readonly id: ProviderId;
  /** One call (or one parallel set of calls) that yields the vendor's account overview. */
  fetchAccount(): Promise<AccountUsage>;
}

export interface ArraysClientApi extends VendorClient {
  readonly id: 'ARRAYS';
  /** One vendor page: stream entries after `fromCursor`, at most `count` (1..5000). */
  fetchPartnerPage(fromCursor: string, count: number): Promise<PartnerUsagePage>;
}

export interface AnylayerClientApi extends VendorClient {
  readonly id: 'ANYLAYER';
  fetchApiKeyUsage(query: ApiKeyUsageQuery): Promise<ApiKeyUsage>;
}

/** Joins a base URL (which may carry a path prefix such as `/api`) and an endpoint path. */
export function endpointUrl(baseUrl: string, path: string, query?: Record<string, string>): URL {
  const url = new URL(baseUrl.replace(/\/+$/, '') + path);
  for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
  return url;
}
