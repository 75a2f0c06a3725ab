import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from './config.js';
import { createGateway } from './gateway.js';
import { buildSchema } from './schema/index.js';
import { startPartnerLedger, type RunningPartnerLedger } from './ledger/service.js';
import { createLogger, type Logger } from './logger.js';
import { ArraysClient } from './providers/arrays/client.js';
import { createProviderRegistry, type ProviderSetting } from './providers/registry.js';
import { startSimulators, type Simulators } from './simulators/index.js';
import { MemoryCache } from './upstream/cache.js';
import { ResilientUpstream } from './upstream/resilient-upstream.js';
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
    const { arrays, anylayer, sharpe, faraday } = simulators;
    settings = Object.fromEntries(
      [arrays, anylayer, sharpe, faraday].map((simulator) => [
        simulator.provider,
        { baseUrl: simulator.baseUrl, credential: simulator.credential, simulated: true },
      ]),
    );
  } else {
    settings = Object.fromEntries(
      Object.entries(config.vendors).map(([id, vendor]) => [id, { ...vendor, simulated: false }]),
    );
  }
  const secrets = Object.values(settings).map((setting) => setting.credential);
  const log = logger ?? createLogger({ level: config.logLevel, secrets });
  const upstream = new ResilientUpstream({
    policies: config.upstream.policies,
    cache: new MemoryCache({ maxEntries: config.upstream.cacheMaxEntries, maxBytes: config.upstream.cacheMaxBytes }),
    logger: log,
  });
  const registry = createProviderRegistry(settings, upstream);
  let ledger: RunningPartnerLedger | null = null;
  if (settings.ARRAYS) {
    try {
      ledger = await startLedger(config, settings.ARRAYS, upstream, log);
    } catch (error) {
      await upstream.close();
      await simulators?.close();
      throw error;
    }
  }
  const yoga = createGateway({
    registry,
    logger: log,
    ledger,
    schema: buildSchema(config.federation),
    responseCacheTtlMs: config.responseCacheTtlMs,
  });
  const server = createServer(withRequestDeadline(yoga, config.upstream.requestTimeoutMs, log));
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
      await ledger?.close();
      await upstream.close();
      await simulators?.close();
    },
  };
}

/**
 * The partner ledger, following the stream with its own Arrays client on the shared channel: the
 * vendor's rate budget and breaker count every call we make, the follower's included. Its calls
 * are background ones: never cached (it must see the head as it is now, and reads each page
 * once) and leaving part of the budget to user queries while it catches up.
 */
function startLedger(config: GatewayConfig, arrays: ProviderSetting, upstream: ResilientUpstream, log: Logger): Promise<RunningPartnerLedger> {
  const client = new ArraysClient({
    baseUrl: arrays.baseUrl,
    credential: arrays.credential,
    channel: upstream.channel('ARRAYS', arrays.credential),
    priority: 'background',
  });
  return startPartnerLedger({
    dir: config.ledger.dataDir,
    startCursor: config.ledger.startCursor,
    pollIntervalMs: config.ledger.pollIntervalMs,
    source: (fromCursor, count) => client.fetchPartnerPage(fromCursor, count),
    logger: log,
  });
}

/**
 * The gateway's own deadline per HTTP request. Vendor calls end within their deadlines, which
 * config keeps below this one; this bounds whatever else an operation chains (several vendor
 * pages in a row). Past it the connection is closed rather than answered: yoga would still write
 * its late answer, and a response we had already ended would make that write throw.
 */
function withRequestDeadline(
  handler: (req: IncomingMessage, res: ServerResponse) => unknown,
  timeoutMs: number,
  log: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const timer = setTimeout(() => {
      if (res.writableEnded) return;
      log.warn('request exceeded GATEWAY_REQUEST_TIMEOUT_MS; connection closed', { timeoutMs, path: req.url });
      res.destroy();
    }, timeoutMs);
    res.once('close', () => clearTimeout(timer));
    handler(req, res);
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
