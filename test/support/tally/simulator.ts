import { startSimulatorServer, type SimRequest, type SimResponse } from '../../../src/simulators/http-server.js';
import type { SimulatorHandle, SimulatorOptions } from '../../../src/simulators/types.js';

export const TALLY_DEMO_CREDENTIAL = 'tally_sim_4b8e1c0d9a7f2e63';

/** Tally's quota as the simulator serves it: `used` grows with the seed, so tests can tell seeds apart. */
export function tallyQuota(seed: number): { name: string; used: number; limit: number } {
  return { name: 'monthly_events', used: 1000 + seed, limit: 2 ** 40 };
}

const error = (status: number, message: string): SimResponse => ({ status, body: { error: message } });

/** The Tally simulator: `GET /v2/quota`, key in `X-Tally-Key`. */
export function startTallySimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const credentials = options.credentials ?? [TALLY_DEMO_CREDENTIAL];
  const quota = tallyQuota(options.seed ?? 42);
  return startSimulatorServer(
    {
      provider: 'TALLY',
      basePath: '',
      credential: credentials[0]!,
      handle: (request: SimRequest) => {
        if (request.pathname !== '/v2/quota') return error(404, 'no such route');
        const key = request.headers['x-tally-key'];
        if (typeof key !== 'string' || !credentials.includes(key)) return error(401, 'unknown key');
        return { status: 200, body: { quota, as_of: '2026-11-21T00:00:00Z' } };
      },
      errorResponse: (status, message) => error(status, message ?? `failure ${status}`),
      credentialOf: (request) => {
        const key = request.headers['x-tally-key'];
        return typeof key === 'string' ? key : null;
      },
      drift: (_request, body) => ({ ...(body as object), quota: 'gone' }),
    },
    options.host,
  );
}
