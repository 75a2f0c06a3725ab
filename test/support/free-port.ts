import { createServer } from 'node:net';

/**
 * A loopback port free right now: bound by the OS, then released. For servers that take no port 0
 * (redis-server, postgres, Prometheus) and for a port nothing listens on. Another process may take
 * it between the release and its use; on loopback in a test run that is rare enough.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
