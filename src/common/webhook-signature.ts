import { createHmac } from 'node:crypto';

/**
 * Signing of outgoing webhooks per the Standard Webhooks specification: the three `webhook-*`
 * headers, an HMAC-SHA256 over `${id}.${timestamp}.${body}` with each active `whsec_` secret, so
 * that every language's reference verifier accepts them. Secrets are validated once, when the
 * signer is made, and never appear in an error: a secret is named by its `name` or its position.
 */

/** The prefix every symmetric Standard Webhooks secret carries, so that its kind is recognisable. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** The specification's floor for a symmetric key (192 bits): shorter keys are guessable. */
export const MIN_WEBHOOK_SECRET_BYTES = 24;

/** The specification's ceiling for a symmetric key (512 bits, one SHA-256 block). */
export const MAX_WEBHOOK_SECRET_BYTES = 64;

/** Why a webhook secret was refused. Stable: logs and tests match on it. */
export type WebhookSecretProblem = 'missing-prefix' | 'not-base64' | 'too-short' | 'too-long';

/**
 * A webhook secret refused: not `whsec_` followed by canonical base64 of 24 to 64 bytes. The
 * message names the secret by its name or position (`secret #2`) and says what is wrong with it;
 * it never quotes the value or any part of it.
 */
export class WebhookSecretError extends Error {
  override readonly name = 'WebhookSecretError';
  readonly code = 'WEBHOOK_SECRET_INVALID';
  constructor(
    /** The secret's name, or `#n` (1-based) when it has none. */
    readonly secret: string,
    readonly problem: WebhookSecretProblem,
  ) {
    super(`Webhook ${describeSecret(secret)} is refused: ${PROBLEM_TEXT[problem]}`);
  }
}

/**
 * A signature that cannot be made: no active secret, or a message id that is not safe to sign (the
 * id is part of the signed text, delimited by `.`, so a `.` in it would make two messages
 * indistinguishable), or a timestamp that is not a whole number of seconds since the epoch.
 */
export class WebhookSigningError extends Error {
  override readonly name = 'WebhookSigningError';
  constructor(
    readonly code: 'WEBHOOK_NO_SECRET' | 'WEBHOOK_ID_INVALID' | 'WEBHOOK_TIMESTAMP_INVALID',
    message: string,
  ) {
    super(message);
  }
}

const PROBLEM_TEXT: Record<WebhookSecretProblem, string> = {
  'missing-prefix': `expected the "${WEBHOOK_SECRET_PREFIX}" prefix followed by base64`,
  'not-base64': `the part after "${WEBHOOK_SECRET_PREFIX}" is not canonical base64 (standard alphabet, with padding)`,
  'too-short': `the key decodes to fewer than ${MIN_WEBHOOK_SECRET_BYTES} bytes`,
  'too-long': `the key decodes to more than ${MAX_WEBHOOK_SECRET_BYTES} bytes`,
};

function describeSecret(label: string): string {
  return label.startsWith('#') ? `secret ${label}` : `secret "${label}"`;
}

/** A secret as configuration gives it: its `whsec_` text, optionally with a name for messages. */
export type WebhookSecretInput = string | { readonly name: string; readonly value: string };

/** The three headers of one delivery attempt, named as the specification spells them. */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** One delivery attempt to sign. */
export interface WebhookMessage {
  /** The message id: the same on every retry of one message, so receivers can deduplicate. */
  id: string;
  /** When this attempt is made, in epoch milliseconds (sent as whole seconds); new on each retry. */
  attemptAt: number;
  /** The exact bytes sent as the body; a re-serialised body would not verify. */
  body: string | Uint8Array;
}

/** Signs attempts with every active secret; made by {@link createWebhookSigner}. */
export interface WebhookSigner {
  /** The headers to send with this attempt: one `v1,` signature per active secret, space-separated. */
  sign(message: WebhookMessage): WebhookHeaders;
  /** How many secrets sign each attempt (two while one rotates out). */
  readonly secretCount: number;
}

/** Ids the signer accepts: printable header-safe text without `.` or whitespace, at most 256 characters. */
const SAFE_ID = /^[A-Za-z0-9_\-:~+/=]{1,256}$/;
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The HMAC key of a `whsec_` secret (its base64-decoded part), or a {@link WebhookSecretError}
 * naming the secret by `label`. Canonical base64 only: a key that decodes loosely here but is read
 * differently by a receiver's verifier would sign what it cannot verify.
 */
export function webhookSecretKey(value: string, label: string): Buffer {
  if (!value.startsWith(WEBHOOK_SECRET_PREFIX)) throw new WebhookSecretError(label, 'missing-prefix');
  const encoded = value.slice(WEBHOOK_SECRET_PREFIX.length);
  if (encoded.length === 0 || !CANONICAL_BASE64.test(encoded)) throw new WebhookSecretError(label, 'not-base64');
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_WEBHOOK_SECRET_BYTES) throw new WebhookSecretError(label, 'too-short');
  if (key.length > MAX_WEBHOOK_SECRET_BYTES) throw new WebhookSecretError(label, 'too-long');
  return key;
}

/**
 * A signer over the active secrets, newest first by convention: during a rotation both the new and
 * the old secret are active, so receivers holding either one verify every attempt. Throws
 * {@link WebhookSecretError} for the first invalid secret, {@link WebhookSigningError}
 * `WEBHOOK_NO_SECRET` for none at all.
 */
export function createWebhookSigner(secrets: readonly WebhookSecretInput[]): WebhookSigner {
  if (secrets.length === 0) {
    throw new WebhookSigningError('WEBHOOK_NO_SECRET', 'Webhook signing needs at least one active secret');
  }
  const keys = secrets.map((secret, index) =>
    typeof secret === 'string'
      ? webhookSecretKey(secret, `#${index + 1}`)
      : webhookSecretKey(secret.value, secret.name),
  );
  return {
    secretCount: keys.length,
    sign({ id, attemptAt, body }) {
      if (!SAFE_ID.test(id)) {
        throw new WebhookSigningError(
          'WEBHOOK_ID_INVALID',
          'Webhook message id must be 1 to 256 characters of letters, digits and _-:~+/=, without "." or spaces',
        );
      }
      if (!Number.isFinite(attemptAt) || attemptAt < 0) {
        throw new WebhookSigningError('WEBHOOK_TIMESTAMP_INVALID', 'Webhook attempt time must be epoch milliseconds');
      }
      const timestamp = String(Math.floor(attemptAt / 1000));
      const signatures = keys.map((key) => {
        const hmac = createHmac('sha256', key);
        hmac.update(`${id}.${timestamp}.`);
        hmac.update(body);
        return `v1,${hmac.digest('base64')}`;
      });
      return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
    },
  };
}
