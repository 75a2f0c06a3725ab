import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { echoPage, InvalidFaultError, MAX_ECHO_OFFSET, NO_CREDENTIAL, parseFaultSetting } from '../../src/simulators/faults.js';
import { startAnylayerSimulator } from '../../src/simulators/anylayer/server.js';
import { startArraysSimulator } from '../../src/simulators/arrays.js';
import { startFaradaySimulator } from '../../src/simulators/faraday.js';
import { SIMULATOR_ADMIN_HEADER, simulatorAdminToken, type SimulatorHandle } from '../../src/simulators/index.js';
import { startSharpeSimulator } from '../../src/simulators/sharpe.js';
import { get, type Reply } from '../support/http-get.js';

/**
 * The echo faults: a vendor quoting back the credential it received, so that leak tests have
 * something that can leak. Each simulator reads the credential its own way (Bearer or
 * X-Service-Token) and quotes it in its own error shape.
 */
const ECHOED = 'echo_canary_credential_4b9d1f7e2a6c';

interface Vendor {
  name: string;
  start: () => Promise<SimulatorHandle>;
  path: string;
  auth: (credential: string) => Record<string, string>;
  /** The vendor's error message in its error body. */
  message: (body: any) => string;
}

const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });
const VENDORS: Vendor[] = [
  { name: 'Sharpe', start: () => startSharpeSimulator(), path: '/v1/usage', auth: bearer, message: (body) => body.error.message },
  { name: 'Faraday', start: () => startFaradaySimulator(), path: '/v1/usages', auth: bearer, message: (body) => body.message },
  {
    name: 'Arrays',
    start: () => startArraysSimulator({ entries: 10, subs: 2 }),
    path: '/v1/partner/usage',
    auth: (credential) => ({ 'x-service-token': credential }),
    message: (body) => body.error.message,
  },
  { name: 'Anylayer', start: () => startAnylayerSimulator(), path: '/v1/developer/usage', auth: bearer, message: (body) => body.error.message },
];

describe.each(VENDORS)('$name simulator: echo faults', (vendor) => {
  let sim: SimulatorHandle;
  beforeAll(async () => {
    sim = await vendor.start();
  });
  afterAll(async () => {
    await sim.close();
  });
  const call = (headers: Record<string, string>): Promise<Reply> => get(`${sim.baseUrl}${vendor.path}`, headers);

  it('echo quotes the received credential at the start, the middle or the end of its own error message', async () => {
    for (const status of [401, 500]) {
      for (const at of ['start', 'middle', 'end'] as const) {
        sim.setFault({ fault: { mode: 'echo', status, at }, count: 1 });
        const reply = await call(vendor.auth(ECHOED));
        expect(reply.status).toBe(status);
        expect(reply.headers['content-type']).toMatch(/^application\/json/);
        const message = vendor.message(reply.json());
        const index = message.indexOf(ECHOED);
        if (at === 'start') expect(index).toBe(0);
        if (at === 'middle') {
          expect(index).toBeGreaterThan(0);
          expect(index + ECHOED.length).toBeLessThan(message.length);
        }
        if (at === 'end') expect(index + ECHOED.length).toBe(message.length);
      }
    }
    // count: 1 — the next request is answered normally again.
    expect((await call(vendor.auth(sim.credential))).status).toBe(200);
  });

  it('echo quotes the accepted credential too, and says so when none was sent', async () => {
    sim.setFault({ fault: { mode: 'echo', status: 503, at: 'middle' }, count: 2 });
    expect(vendor.message((await call(vendor.auth(sim.credential))).json())).toContain(sim.credential);
    expect(vendor.message((await call({})).json())).toContain(NO_CREDENTIAL);
  });

  it('echo-text puts the received credential at exactly the chosen offset of a page that is not JSON', async () => {
    for (const [status, offset] of [
      [200, 0],
      [200, 1],
      [200, 25],
      [502, 39],
      [200, 1000],
    ] as const) {
      sim.setFault({ fault: { mode: 'echo-text', status, offset }, count: 1 });
      const reply = await call(vendor.auth(ECHOED));
      expect(reply.status).toBe(status);
      expect(reply.headers['content-type']).toMatch(/^text\/html/);
      expect(reply.text.indexOf(ECHOED)).toBe(offset);
      expect(reply.text).toBe(echoPage(ECHOED, offset));
      expect(() => JSON.parse(reply.text)).toThrow();
    }
  });
});

describe('echo fault settings', () => {
  it('are validated like every fault, from code and through the admin route', async () => {
    expect(parseFaultSetting({ fault: { mode: 'echo', status: 500, at: 'middle' } })).toEqual({ fault: { mode: 'echo', status: 500, at: 'middle' } });
    for (const fault of [
      { mode: 'echo', status: 500 },
      { mode: 'echo', status: 500, at: 'somewhere' },
      { mode: 'echo', status: 200, at: 'start' },
      { mode: 'echo-text', status: 200 },
      { mode: 'echo-text', status: 200, offset: -1 },
      { mode: 'echo-text', status: 200, offset: MAX_ECHO_OFFSET + 1 },
      { mode: 'echo-text', status: 600, offset: 0 },
    ]) {
      expect(() => parseFaultSetting({ fault }), JSON.stringify(fault)).toThrow(InvalidFaultError);
    }
    const sim = await startFaradaySimulator();
    try {
      const put = async (fault: unknown) =>
        (await request(`${sim.baseUrl}/__sim/fault`, { method: 'PUT', body: JSON.stringify({ fault }), headers: { [SIMULATOR_ADMIN_HEADER]: simulatorAdminToken() } }))
          .statusCode;
      expect(await put({ mode: 'echo', status: 500, at: 'nowhere' })).toBe(400);
      expect(await put({ mode: 'echo-text', status: 200, offset: 17 })).toBe(204);
      const reply = await get(`${sim.baseUrl}/v1/usages`, bearer(ECHOED));
      expect(reply.text.indexOf(ECHOED)).toBe(17);
    } finally {
      await sim.close();
    }
  });
});
