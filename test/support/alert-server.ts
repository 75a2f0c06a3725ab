import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/common/logger.js';
import type { Authenticator } from '../../src/edge/identity/authenticator.js';
import { withRequestDeadline } from '../../src/edge/request-deadline.js';
import { attachGraphqlWs, type GraphqlWs } from '../../src/edge/websocket-subscriptions.js';
import type { Gateway } from '../../src/gateway.js';

/** A gateway on a loopback port as the server runs it: the request deadline, and graphql-ws on upgrades. */
export interface SubscriptionServer {
  /** http://127.0.0.1:port/graphql */
  url: string;
  /** ws://127.0.0.1:port/graphql */
  wsUrl: string;
  websockets: GraphqlWs;
  server: Server;
  close(): Promise<void>;
}

export interface SubscriptionServerOptions {
  authenticator?: Authenticator | null;
  /** `GATEWAY_REQUEST_TIMEOUT_MS` of the HTTP requests. Default 10000. */
  requestTimeoutMs?: number;
  maxPerCaller?: number;
  maxTotal?: number;
  allowsHost?: ((host: string) => boolean) | null;
  corsOrigins?: readonly string[];
}

export async function startSubscriptionServer(yoga: Gateway, options: SubscriptionServerOptions = {}): Promise<SubscriptionServer> {
  const logger = createLogger({ level: 'silent' });
  const server = createServer(withRequestDeadline(yoga, options.requestTimeoutMs ?? 10_000, logger));
  const websockets = attachGraphqlWs(server, {
    gateway: yoga,
    authenticator: options.authenticator ?? null,
    allowsHost: options.allowsHost ?? null,
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
    ...(options.maxPerCaller === undefined ? {} : { maxPerCaller: options.maxPerCaller }),
    ...(options.maxTotal === undefined ? {} : { maxTotal: options.maxTotal }),
    logger,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    websockets,
    server,
    async close() {
      await websockets.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
