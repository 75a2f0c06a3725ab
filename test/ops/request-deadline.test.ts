import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { postQuery, simAdmin, startDemoProcess, type DemoProcess } from '../support/demo-process.js';

let gateway: DemoProcess | undefined;
afterEach(async () => {
  if (gateway && gateway.child.exitCode === null) {
    gateway.child.kill('SIGTERM');
    await gateway.exited;
  }
  gateway = undefined;
});

// Each Arrays page is held 400 ms, well within its own 990 ms deadline, so no page is abandoned
// by that deadline; 5000 edges chain five pages of 1000 entries (about 700 users each, the field's
// vendor-call bound), so one is in flight when the 1000 ms request
// deadline passes (the third, started ~800 ms in, whose own deadline is ~1800 ms in).
const DEADLINES = {
  GATEWAY_REQUEST_TIMEOUT_MS: '1000',
  UPSTREAM_TIMEOUT_MS: '990',
  UPSTREAM_HEADERS_TIMEOUT_MS: '990',
  UPSTREAM_CONNECT_TIMEOUT_MS: '500',
};
const CHAINED_PAGES = '{ partnerUsage(first: 5000, entriesPerVendorCall: 1000) { pageInfo { endCursor } } }';

describe('GATEWAY_REQUEST_TIMEOUT_MS', () => {
  it('answers 504 with one GATEWAY_TIMEOUT error and abandons the vendor call in flight', async () => {
    gateway = await startDemoProcess(DEADLINES);
    const started = gateway;
    // The ledger follower first catches up at full speed: its pages must not share the held ones' time.
    await eventually(async () => ((await postQuery(started, '{ partnerLedger { caughtUp } }')).body as any).data.partnerLedger.caughtUp, { withinMs: 10_000 });
    await simAdmin(started, 'ARRAYS', 'PUT', '/__sim/fault', { fault: { mode: 'latency', ms: 400 } });
    expect((await simAdmin(started, 'ARRAYS', 'GET', '/__sim/abandoned')).abandoned).toBe(0);

    const response = await postQuery(started, CHAINED_PAGES);
    expect(response.status).toBe(504);
    const body = response.body as any;
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions).toEqual({ code: 'GATEWAY_TIMEOUT' });
    expect(body.errors[0].message).toContain('GATEWAY_REQUEST_TIMEOUT_MS');

    // The simulator still held the page when the gateway closed its connection to it.
    await eventually(async () => (await simAdmin(started, 'ARRAYS', 'GET', '/__sim/abandoned')).abandoned >= 1, { withinMs: 10_000 });
    expect(started.stderr()).toContain('request exceeded GATEWAY_REQUEST_TIMEOUT_MS; answered 504');

    // The gateway goes on serving, on the same vendor.
    await simAdmin(started, 'ARRAYS', 'DELETE', '/__sim/fault');
    const next = await postQuery(started, '{ partnerUsage(first: 10) { pageInfo { endCursor } } }');
    expect(next.status).toBe(200);
    expect(next.body.errors).toBeUndefined();
  });
});
