import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers a request: status, headers and body; `hold` keeps it open until released. */
export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  hold?: boolean;
}

/**
 * A webhook receiver on 127.0.0.1: records every request and answers each with the next of
 * `answers` (then 200). A held request stays open until `release()`.
 */
export async function startReceiver(answers: (Answer | ((request: Received) => Answer))[] = []) {
  const received: Received[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const request = { headers: req.headers, body };
      received.push(request);
      const next = answers.shift() ?? {};
      const answer = typeof next === 'function' ? next(request) : next;
      if (answer.hold) {
        held.push(res);
        return;
      }
      res.writeHead(answer.status ?? 200, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    release() {
      for (const res of held.splice(0)) res.writeHead(200).end();
    },
    async close() {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
