import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy in front of a gateway that can cut its event streams, as a flaky network
 * or a restarting load balancer does: `drop()` ends every open stream and refuses new ones until
 * `restore()`. Everything else passes through unchanged.
 */
export interface DroppingProxy {
  origin: string;
  /** Ends the open event streams and refuses new ones. */
  drop(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startDroppingProxy(target: string): Promise<DroppingProxy> {
  const upstream = new URL(target);
  const streams = new Set<ServerResponse>();
  let dropping = false;
  const isStream = (req: IncomingMessage) => (req.headers.accept ?? '').includes('text/event-stream');
  const server = createServer((req, res) => {
    if (dropping && isStream(req)) {
      res.socket?.destroy();
      return;
    }
    const forwarded = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (isStream(req)) {
        streams.add(res);
        res.once('close', () => streams.delete(res));
      }
      answer.pipe(res);
    });
    forwarded.once('error', () => res.socket?.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    drop() {
      dropping = true;
      for (const stream of streams) stream.socket?.destroy();
      streams.clear();
    },
    restore() {
      dropping = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
