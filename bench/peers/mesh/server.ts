import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getComposedSchemaFromConfig } from '@graphql-mesh/compose-cli';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { announceListening, exitWithParent } from '../../lib/announce.js';
import { composeConfig } from './mesh.config.js';

/**
 * The GraphQL Mesh peer: the composed supergraph of the OpenAPI sources served by Mesh's own
 * runtime (the Hive Gateway runtime, which `mesh-serve` became), with its defaults.
 */
type ComposeLogger = Parameters<typeof getComposedSchemaFromConfig>[1];
const quiet: ComposeLogger = {
  log: () => {},
  debug: () => {},
  info: () => {},
  warn: (...args: unknown[]) => console.error(...args),
  error: (...args: unknown[]) => console.error(...args),
  child: () => quiet,
} as ComposeLogger;
const supergraph = await getComposedSchemaFromConfig(composeConfig, quiet);
const gateway = createGatewayRuntime({ supergraph, logging: 'error' });
const server = createServer(gateway);
server.listen(0, '127.0.0.1', () => {
  announceListening(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
});
exitWithParent(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await gateway.dispose();
});
