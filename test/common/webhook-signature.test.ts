import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createWebhookSigner,
  WebhookSecretError,
  WebhookSigningError,
  type WebhookHeaders,
} from '../../src/common/webhook-signature.js';

/** A fresh secret in the form receivers are given. */
const newSecret = (bytes = 32) => `whsec_${randomBytes(bytes).toString('base64')}`;

const BODY = JSON.stringify({ type: 'usage.threshold.crossed', data: { provider: 'ARRAYS', utilization: 0.91 } });
const NOW = Date.UTC(2025, 2, 14, 9, 26, 53, 589);

/** The reference verifier reads the wall clock: pin it to the attempt's time (or later). */
function verifierClockAt(ms: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(ms);
}

afterEach(() => {
  vi.useRealTimers();
});

/** The reference verifier's verdict, so tests can assert the refusal reason without try/catch noise. */
function verify(secret: string, body: string | Uint8Array, headers: WebhookHeaders): 'ok' | string {
  try {
    new Webhook(secret).verify(body, { ...headers }, { jsonParse: false });
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('webhook signatures, held against the Standard Webhooks reference verifier', () => {
  it('signs id, attempt time in seconds and body so that the reference verifier accepts them', () => {
    const secret = newSecret();
    const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
    const headers = createWebhookSigner([secret]).sign({ id, attemptAt: NOW, body: BODY });
    expect(headers['webhook-id']).toBe('msg_2KWPBgLlAfxdpx2AI54pPJ85f4W');
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(NOW / 1000)));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    verifierClockAt(NOW + 2_000);
    expect(verify(secret, BODY, headers)).toBe('ok');
    // The reference library signs the same text to the same value: byte for byte the scheme.
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign(headers['webhook-id'], new Date(NOW), BODY));
  });

  it('signs a body given as bytes exactly as the same text', () => {
    const secret = newSecret();
    const signer = createWebhookSigner([secret]);
    const bytes = new TextEncoder().encode('{"emoji":"📈","n":1}');
    const headers = signer.sign({ id: 'msg_bytes', attemptAt: NOW, body: bytes });
    expect(headers).toEqual(signer.sign({ id: 'msg_bytes', attemptAt: NOW, body: '{"emoji":"📈","n":1}' }));
    verifierClockAt(NOW);
    expect(verify(secret, bytes, headers)).toBe('ok');
  });

  it('a changed byte in the body, the id or the timestamp is rejected', () => {
    const secret = newSecret();
    const headers = createWebhookSigner([secret]).sign({ id: 'msg_1', attemptAt: NOW, body: BODY });
    verifierClockAt(NOW);
    const tampered = Buffer.from(BODY);
    tampered[tampered.length - 3] = tampered[tampered.length - 3]! ^ 0x01;
    expect(verify(secret, tampered, headers)).toBe('No matching signature found');
    expect(verify(secret, `${BODY} `, headers)).toBe('No matching signature found');
    expect(verify(secret, BODY, { ...headers, 'webhook-id': 'msg_2' })).toBe('No matching signature found');
    const earlier = String(Number(headers['webhook-timestamp']) - 1);
    expect(verify(secret, BODY, { ...headers, 'webhook-timestamp': earlier })).toBe('No matching signature found');
    expect(verify(newSecret(), BODY, headers)).toBe('No matching signature found');
    expect(verify(secret, BODY, headers)).toBe('ok');
  });

  it('an attempt older than the verifier tolerance (5 minutes) is rejected as a replay; a retry signs anew', () => {
    const secret = newSecret();
    const signer = createWebhookSigner([secret]);
    const first = signer.sign({ id: 'msg_retry', attemptAt: NOW, body: BODY });
    verifierClockAt(NOW + 4 * 60_000);
    expect(verify(secret, BODY, first)).toBe('ok');
    vi.setSystemTime(NOW + 5 * 60_000 + 1_500);
    expect(verify(secret, BODY, first)).toBe('Message timestamp too old');
    const retry = signer.sign({ id: 'msg_retry', attemptAt: NOW + 5 * 60_000 + 1_000, body: BODY });
    expect(retry['webhook-id']).toBe(first['webhook-id']);
    expect(retry['webhook-timestamp']).not.toBe(first['webhook-timestamp']);
    expect(verify(secret, BODY, retry)).toBe('ok');
  });

  it('while a secret rotates, every attempt carries one signature per active secret and either secret verifies', () => {
    const [current, previous] = [newSecret(32), newSecret(24)];
    const signer = createWebhookSigner([{ name: 'current', value: current }, { name: 'previous', value: previous }]);
    expect(signer.secretCount).toBe(2);
    const headers = signer.sign({ id: 'msg_rotation', attemptAt: NOW, body: BODY });
    const signatures = headers['webhook-signature'].split(' ');
    expect(signatures).toHaveLength(2);
    expect(new Set(signatures).size).toBe(2);
    verifierClockAt(NOW);
    expect(verify(current, BODY, headers)).toBe('ok');
    expect(verify(previous, BODY, headers)).toBe('ok');
    expect(verify(newSecret(), BODY, headers)).toBe('No matching signature found');
    // Once the old secret is retired, receivers still on it stop verifying.
    const after = createWebhookSigner([current]).sign({ id: 'msg_rotation', attemptAt: NOW, body: BODY });
    expect(verify(current, BODY, after)).toBe('ok');
    expect(verify(previous, BODY, after)).toBe('No matching signature found');
  });
});

describe('webhook secrets refused', () => {
  const refusal = (secrets: Parameters<typeof createWebhookSigner>[0]): WebhookSecretError => {
    try {
      createWebhookSigner(secrets);
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookSecretError);
      return error as WebhookSecretError;
    }
    throw new Error('expected the secrets to be refused');
  };

  const tooShort = `whsec_${randomBytes(23).toString('base64')}`;
  const cases: { secret: string; problem: WebhookSecretError['problem'] }[] = [
    { secret: randomBytes(32).toString('base64'), problem: 'missing-prefix' },
    { secret: `WHSEC_${randomBytes(32).toString('base64')}`, problem: 'missing-prefix' },
    { secret: 'whsec_', problem: 'not-base64' },
    { secret: `whsec_${randomBytes(32).toString('base64url')}!`, problem: 'not-base64' },
    { secret: `whsec_${randomBytes(32).toString('base64').replace(/=+$/, '')}`, problem: 'not-base64' },
    { secret: `whsec_${randomBytes(32).toString('base64')} `, problem: 'not-base64' },
    { secret: tooShort, problem: 'too-short' },
    { secret: `whsec_${randomBytes(65).toString('base64')}`, problem: 'too-long' },
  ];

  for (const { secret, problem } of cases) {
    it(`${problem}: a clear error with a stable code that never contains the secret`, () => {
      const error = refusal([newSecret(), secret]);
      expect(error.code).toBe('WEBHOOK_SECRET_INVALID');
      expect(error.problem).toBe(problem);
      expect(error.secret).toBe('#2');
      expect(error.message).toMatch(/^Webhook secret #2 is refused: /);
      const encoded = secret.replace(/^whsec_/i, '').trim();
      if (encoded.length > 0) expect(encoded.length).toBeGreaterThan(24);
      for (const text of [error.message, String(error.stack), JSON.stringify(error)]) {
        if (encoded.length === 0) continue;
        expect(text).not.toContain(encoded.slice(0, 12));
        expect(text).not.toContain(encoded.slice(-12));
      }
    });
  }

  it('names a named secret by its name', () => {
    const error = refusal([{ name: 'previous', value: tooShort }]);
    expect(error.message).toBe('Webhook secret "previous" is refused: the key decodes to fewer than 24 bytes');
    expect(error.message).not.toContain(tooShort.slice(6, 18));
  });

  it('accepts the bounds: exactly 24 and 64 bytes', () => {
    expect(createWebhookSigner([newSecret(24), newSecret(64)]).secretCount).toBe(2);
  });

  it('refuses signing without any secret, and message ids that would blur the signed text', () => {
    expect(() => createWebhookSigner([])).toThrow(
      expect.objectContaining({ name: 'WebhookSigningError', code: 'WEBHOOK_NO_SECRET' }),
    );
    const signer = createWebhookSigner([newSecret()]);
    for (const id of ['', 'msg.1', 'msg 1', 'msg\r\nx-injected: 1', 'x'.repeat(257)]) {
      expect(() => signer.sign({ id, attemptAt: NOW, body: BODY }), JSON.stringify(id)).toThrow(WebhookSigningError);
    }
    expect(() => signer.sign({ id: 'msg_1', attemptAt: Number.NaN, body: BODY })).toThrow(
      expect.objectContaining({ code: 'WEBHOOK_TIMESTAMP_INVALID' }),
    );
  });
});
