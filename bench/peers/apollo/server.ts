import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { RESTDataSource } from '@apollo/datasource-rest';
import { loadConfig } from '../../../src/config.js';
import { createContext, type GatewayContext } from '../../../src/context.js';
import { createLogger } from '../../../src/logger.js';
import { createProviderRegistry } from '../../../src/providers/registry.js';
import { buildSchema } from '../../../src/schema/index.js';
import { UpstreamHttp, type UpstreamRequest, type UpstreamResponse } from '../../../src/upstream/http.js';
import { parseRetryAfter } from '../../../src/upstream/retry-after.js';
import { announceListening, exitWithParent } from '../../lib/announce.js';

/**
 * The Apollo Server peer: Apollo Server 5 serving the same schema and resolvers as ours, with every
 * vendor call made by `@apollo/datasource-rest` (its default fetcher) instead of our undici pools.
 * Same schema, same vendor adapters, same response bytes: what differs is the server and the
 * HTTP client, which is the choice a team would make when picking Apollo Server.
 */
class VendorRestDataSource extends RESTDataSource {
  constructor(private readonly timeoutMs: number) {
    super();
  }

  /** Every call goes out, as in our gateway with its cache off; our per-request DataLoaders dedupe. */
  protected override requestDeduplicationPolicyFor() {
    return { policy: 'do-not-deduplicate' as const };
  }

  /** Our vendor adapters read the text themselves (size cap, big-number checks, zod). */
  protected override parseBody(response: Parameters<RESTDataSource['parseBody']>[0]): Promise<string> {
    return response.text();
  }

  /** Vendor errors are data to our adapters (they map each vendor's error body), not exceptions. */
  protected override async throwIfResponseIsError(): Promise<void> {}

  async call(request: UpstreamRequest): Promise<UpstreamResponse> {
    const { parsedBody, response } = await this.fetch<string>(request.url.toString(), {
      method: 'GET',
      headers: { accept: 'application/json', ...request.headers },
      signal: AbortSignal.timeout(request.timeoutMs ?? this.timeoutMs),
    });
    const headers = Object.fromEntries(response.headers);
    return { status: response.status, headers, text: parsedBody, retryAfterSeconds: parseRetryAfter(headers['retry-after']) };
  }
}

const config = loadConfig(process.env);
/** The seam where datasource-rest replaces our undici transport under the same vendor clients. */
class DataSourceTransport extends UpstreamHttp {
  private readonly rest = new VendorRestDataSource(this.options.timeoutMs);

  override get(request: UpstreamRequest): Promise<UpstreamResponse> {
    return this.rest.call(request);
  }
}

const http = new DataSourceTransport({ timeoutMs: config.upstreamTimeoutMs });
const registry = createProviderRegistry(
  Object.fromEntries(Object.entries(config.vendors).map(([id, vendor]) => [id, { ...vendor, simulated: false }])),
  http,
);
const logger = createLogger({ level: config.logLevel, secrets: registry.secrets() });
const server = new ApolloServer<GatewayContext>({ schema: buildSchema() });
const { url } = await startStandaloneServer(server, {
  listen: { port: 0, host: '127.0.0.1' },
  context: async () => createContext(registry, logger),
});
exitWithParent(() => server.stop());
announceListening(url);
