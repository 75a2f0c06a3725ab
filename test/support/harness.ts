import { createGateway, type Gateway } from '../../src/gateway.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createProviderRegistry, type ProviderRegistry, type ProviderSetting } from '../../src/providers/registry.js';
import { startSimulators, type Simulators } from '../../src/simulators/index.js';
import { UpstreamHttp, type UpstreamHttpOptions } from '../../src/upstream/http.js';
import type { ProviderId } from '../../src/usage/model.js';

export interface Harness {
  yoga: Gateway;
  sims: Simulators;
  registry: ProviderRegistry;
  /** Every line the gateway logged. */
  logs: string[];
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: GraphQLBody<T>; text: string }>;
  close(): Promise<void>;
}

export interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

export interface HarnessOptions {
  /** Override a vendor's credential (e.g. a wrong one) or leave a vendor out (null). */
  credentials?: Partial<Record<ProviderId, string | null>>;
  http?: UpstreamHttpOptions;
  arrays?: { entries?: number; subs?: number };
}

/** Simulators on loopback plus a gateway driven through `yoga.fetch` (no port). */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const sims = await startSimulators(options.arrays ? { arrays: options.arrays } : {});
  const settings: Partial<Record<ProviderId, ProviderSetting>> = {};
  for (const [id, sim] of [
    ['ARRAYS', sims.arrays],
    ['ANYLAYER', sims.anylayer],
    ['SHARPE', sims.sharpe],
    ['FARADAY', sims.faraday],
  ] as const) {
    const override = options.credentials?.[id];
    if (override === null) continue;
    settings[id] = { baseUrl: sim.baseUrl, credential: override ?? sim.credential, simulated: true };
  }
  const http = new UpstreamHttp({ timeoutMs: 3000, ...options.http });
  const registry = createProviderRegistry(settings, http);
  const logs: string[] = [];
  const logger: Logger = createLogger({ level: 'debug', secrets: registry.secrets(), write: (line) => logs.push(line) });
  const yoga = createGateway({ registry, logger });
  return {
    yoga,
    sims,
    registry,
    logs,
    async query(query, variables, headers) {
      const response = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      return { status: response.status, body: JSON.parse(text), text };
    },
    async close() {
      await http.close();
      await sims.close();
    },
  };
}
