import { describe, expect, it } from 'vitest';
import { UpstreamUnavailableError } from '../../src/upstream/errors.js';
import { UpstreamHttp } from '../../src/upstream/http.js';
import { freePort } from '../support/free-port.js';

describe('an unreachable vendor', () => {
  it('is UPSTREAM_UNAVAILABLE with the network error code, without the address Node names; the cause keeps it for logs', async () => {
    const port = await freePort();
    const http = new UpstreamHttp({ timeoutMs: 2000 });
    try {
      const error = await http
        .get({ provider: 'SHARPE', url: new URL(`http://127.0.0.1:${port}/api/v1/usage`), headers: {}, secrets: [] })
        .then(() => null, (failure: unknown) => failure);
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      const { message, cause } = error as UpstreamUnavailableError;
      expect(message).toBe('SHARPE /api/v1/usage could not be reached: ECONNREFUSED');
      expect(message).not.toContain(String(port));
      expect((cause as Error).message).toContain(`127.0.0.1:${port}`);
    } finally {
      await http.close();
    }
  });
});
