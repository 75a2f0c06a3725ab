import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inCallPhases, markPhase } from '../../src/common/instrumentation.js';
import { withPhaseRecording, type PhaseMark } from '../../src/observability/phases.js';
import { UpstreamHttp } from '../../src/upstream/http.js';

/**
 * The phase recorder over real HTTP on 127.0.0.1: a "gateway" server whose handler makes two
 * vendor calls through the upstream transport to a "vendor" server, each within its call's phases.
 */
const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

let vendor: Server;
let gateway: Server;
let gatewayUrl: string;
const http = new UpstreamHttp();
const reports: PhaseMark[][] = [];

beforeAll(async () => {
  // Before recording is on: a mark outside any recorded request is nothing, not an error.
  markPhase('nowhere');
  vendor = createServer((_req, res) => {
    setTimeout(() => res.end('{"ok":true}'), 20);
  });
  const vendorUrl = await listen(vendor);
  const call = (path: string) =>
    inCallPhases(
      () => `VENDOR ${path}`,
      () => http.get({ provider: 'VENDOR', url: new URL(path, vendorUrl), headers: {}, secrets: [] }),
    );
  gateway = createServer(
    withPhaseRecording(
      (_req, res) => {
        markPhase('handler');
        void Promise.all([call('/a'), call('/b')]).then(() => {
          markPhase('answers in');
          res.end('done');
        });
      },
      (marks) => reports.push([...marks]),
    ),
  );
  gatewayUrl = await listen(gateway);
});

afterAll(async () => {
  await http.close();
  for (const server of [gateway, vendor]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('withPhaseRecording', () => {
  it('records the request’s phases and each vendor call’s socket phases, in order, once the response is written', async () => {
    for (let i = 0; i < 2; i += 1) expect(await (await fetch(gatewayUrl)).text()).toBe('done');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reports).toHaveLength(2);
    for (const marks of reports) {
      expect(marks.map((mark) => mark.phase).filter((phase) => !phase.startsWith('VENDOR'))[0]).toBe('handler');
      expect(marks.at(-1)?.phase).toBe('response written');
      expect(marks.some((mark) => mark.phase === 'nowhere')).toBe(false);
      for (const call of ['VENDOR /a', 'VENDOR /b']) {
        const phases = marks.filter((mark) => mark.call === call).map((mark) => mark.phase).filter((phase) => phase !== 'new connection');
        expect(phases).toEqual(['undici request created', 'socket write', 'first byte', 'last byte', 'body read']);
      }
      const at = (phase: string, call?: string) => marks.find((mark) => mark.phase === phase && mark.call === call)!.atMs;
      // The vendor answers 20 ms after the request: the first byte cannot come sooner.
      expect(at('first byte', 'VENDOR /a') - at('socket write', 'VENDOR /a')).toBeGreaterThanOrEqual(15);
      expect(at('answers in')).toBeGreaterThanOrEqual(at('body read', 'VENDOR /b'));
      expect(marks.every((mark, i) => i === 0 || mark.atMs >= marks[i - 1]!.atMs)).toBe(true);
    }
    // The first request opened the vendor connections; the second reused at least one of them.
    const opened = (marks: PhaseMark[]) => marks.filter((mark) => mark.phase === 'new connection').length;
    expect(opened(reports[0]!)).toBe(2);
    expect(opened(reports[1]!)).toBeLessThan(2);
  });
});
