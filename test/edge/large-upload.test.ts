import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilLogLine } from '../support/processes.js';
import { bundled } from '../support/bundle.js';

/**
 * A body far over MAX_REQUEST_BYTES, sent the way browsers and Node's `fetch` send it: the whole
 * body is written without waiting for an answer. The gateway runs in a process of its own, as in
 * production: the client then keeps uploading while the gateway answers, which is the race that
 * a connection closed straight after the 413 loses (the client sees `EPIPE` instead).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAX_REQUEST_BYTES = 1024 * 1024;
const UPLOAD = new Uint8Array(30 * 1024 * 1024).fill(0x20);

let child: ChildProcess;
let url: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'gateway-upload-'));
  // Plain node on the bundled gateway, as `npm start` runs dist/main.js.
  child = spawn(process.execPath, [await bundled('src/main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', DATA_DIR: dataDir, MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = String((await untilLogLine(child)).line.url);
}, 60_000);

afterAll(async () => {
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a request body over MAX_REQUEST_BYTES', () => {
  it('20 uploads of 30 MiB through fetch, two at a time: every one reads its 413 and the documented error', async () => {
    const outcomes: (number | string)[] = [];
    const bodies: unknown[] = [];
    const upload = async () => {
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: UPLOAD });
        bodies.push(await response.json());
        outcomes.push(response.status);
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        outcomes.push(cause?.code ?? String(error));
      }
    };
    const lane = async () => {
      for (let i = 0; i < 10; i += 1) await upload();
    };
    await Promise.all([lane(), lane()]);
    expect(outcomes).toEqual(Array.from({ length: 20 }, () => 413));
    for (const body of bodies) {
      expect(body).toEqual({
        errors: [{ message: `The request body is over the limit of ${MAX_REQUEST_BYTES} bytes (MAX_REQUEST_BYTES).`, extensions: { code: 'REQUEST_TOO_LARGE' } }],
      });
    }
  }, 120_000);
});
