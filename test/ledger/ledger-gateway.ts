import { createGateway, type Gateway, type GatewayDeps } from '../../src/gateway.js';
import { startPartnerLedger, type RunningPartnerLedger } from '../../src/ledger/index.js';
import { createLogger } from '../../src/common/logger.js';
import { ArraysClient } from '../../src/providers/arrays/client.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { startArraysSimulator, type ArraysSimulatorHandle, type ArraysSimulatorOptions } from '../../src/simulators/arrays.js';
import { UpstreamHttp } from '../../src/upstream/http.js';
import { tempDir } from '../support/temp-dir.js';
import { eventually } from '../support/eventually.js';

/** An Arrays simulator, a ledger that has caught up with its whole stream, and a gateway over both. */
export interface LedgerGateway {
  sim: ArraysSimulatorHandle;
  ledger: RunningPartnerLedger;
  http: UpstreamHttp;
  yoga: Gateway;
  /** POSTs one operation through `yoga.fetch` and returns the parsed body. */
  post(query: string, variables?: Record<string, unknown>): Promise<any>;
  close(): Promise<void>;
}

/** `gateway`: more of the gateway's options (e.g. raised operation limits). */
export async function startLedgerGateway(stream: ArraysSimulatorOptions, gateway: Partial<GatewayDeps> = {}): Promise<LedgerGateway> {
  const logger = createLogger({ level: process.env.TEST_LOG === '1' ? 'debug' : 'silent' });
  const sim = await startArraysSimulator(stream);
  const http = new UpstreamHttp({ timeoutMs: 3000 });
  const data = await tempDir('ledger-test-');
  const client = new ArraysClient({ baseUrl: sim.baseUrl, credential: sim.credential, http });
  const ledger = await startPartnerLedger({ dir: data.dir, startCursor: '0', pollIntervalMs: 50, source: (f, c) => client.fetchPackedPartnerPage(f, c), logger });
  await eventually(async () => ledger.status().caughtUp && (await ledger.store.position()).entries === sim.length, { withinMs: 20_000, everyMs: 10 });
  const registry = createProviderRegistry({ ARRAYS: { baseUrl: sim.baseUrl, credential: sim.credential, simulated: true } }, http);
  const yoga = createGateway({ ...gateway, registry, logger, ledger });
  return {
    sim,
    ledger,
    http,
    yoga,
    async post(query, variables = {}) {
      const response = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return response.json();
    },
    async close() {
      await ledger.close();
      await http.close();
      await sim.close();
      await data.cleanup();
    },
  };
}
