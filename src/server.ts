import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from './config.js';
import { createGateway } from './gateway.js';
import { createLogger, type Logger } from './logger.js';
import { createProviderRegistry, type ProviderSetting } from './providers/registry.js';
import { startSimulators, type Simulators } from './simulators/index.js';
import { UpstreamHttp } from './upstream/http.js';
import type { ProviderId } from './usage/model.js';

export interface RunningGateway {
  url: string;
  close(): Promise<void>;
}

/** Starts everything the configuration asks for: simulators in demo mode, the gateway, the listener. */
export async function startGateway(config: GatewayConfig, logger?: Logger): Promise<RunningGateway> {
  let simulators: Simulators | undefined;
  let settings: Partial<Record<ProviderId, ProviderSetting>>;
  if (config.demo) {
    simulators = await startSimulators();
    settings = Object.fromEntries(
      (['ARRAYS', 'ANYLAYER', 'SHARPE', 'FARADAY'] as const).map((id) => {
        const simulator = simulators![id.toLowerCase() as 'arrays' | 'anylayer' | 'sharpe' | 'faraday'];
        return [id, { baseUrl: simulator.baseUrl, credential: simulator.credential, simulated: true }];
      }),
    );
  } else {
    settings = Object.fromEntries(
      Object.entries(config.vendors).map(([id, vendor]) => [id, { ...vendor, simulated: false }]),
    );
  }
  const http = new UpstreamHttp({ timeoutMs: config.upstreamTimeoutMs });
  const registry = createProviderRegistry(settings, http);
  const log = logger ?? createLogger({ level: config.logLevel, secrets: registry.secrets() });
  const yoga = createGateway({ registry, logger: log });
  const server = createServer(yoga);
  await listen(server, config.port, config.host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}/graphql`;
  if (simulators) {
    log.info('demo mode: no vendor credentials configured, serving the built-in vendor simulators on loopback', {
      simulators: registry.list().map((provider) => `${provider.id}=${provider.origin}`),
    });
  } else if (registry.list().length === 0) {
    log.warn('no vendor configured and GATEWAY_DEMO=0: every vendor query will report PROVIDER_NOT_CONFIGURED');
  }
  log.info('gateway listening', { url, providers: registry.list().map((provider) => provider.id) });
  return {
    url,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await http.close();
      await simulators?.close();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
