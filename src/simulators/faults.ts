import type { EchoPosition, FaultMode, FaultSetting } from './types.js';

/** Thrown when a fault setting (from code or from the admin route) is not one we can apply. */
export class InvalidFaultError extends Error {
  override readonly name = 'InvalidFaultError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonNegativeInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidFaultError(`${what} must be a non-negative integer`);
  }
  return value;
}

function parseMode(value: unknown): FaultMode {
  if (!isRecord(value)) throw new InvalidFaultError('fault must be an object with a `mode`');
  switch (value.mode) {
    case 'latency':
      return { mode: 'latency', ms: nonNegativeInteger(value.ms, 'latency `ms`') };
    case 'status': {
      const status = nonNegativeInteger(value.status, '`status`');
      if (status < 400 || status > 599) throw new InvalidFaultError('`status` must be 400..599');
      return { mode: 'status', status };
    }
    case 'rate-limit':
      if (typeof value.retryAfter !== 'string' || value.retryAfter.trim() === '') {
        throw new InvalidFaultError('rate-limit `retryAfter` must be a non-empty string (seconds or HTTP date)');
      }
      if (/[\r\n]/.test(value.retryAfter)) throw new InvalidFaultError('`retryAfter` must be one header line');
      return { mode: 'rate-limit', retryAfter: value.retryAfter };
    case 'echo': {
      const status = nonNegativeInteger(value.status, '`status`');
      if (status < 400 || status > 599) throw new InvalidFaultError('`status` must be 400..599');
      if (value.at !== 'start' && value.at !== 'middle' && value.at !== 'end') {
        throw new InvalidFaultError("echo `at` must be 'start', 'middle' or 'end'");
      }
      return { mode: 'echo', status, at: value.at };
    }
    case 'echo-text': {
      const status = nonNegativeInteger(value.status, '`status`');
      if (status < 200 || status > 599) throw new InvalidFaultError('`status` must be 200..599');
      const offset = nonNegativeInteger(value.offset, 'echo-text `offset`');
      if (offset > MAX_ECHO_OFFSET) throw new InvalidFaultError(`echo-text \`offset\` must be at most ${MAX_ECHO_OFFSET}`);
      return { mode: 'echo-text', status, offset };
    }
    case 'hang':
    case 'malformed-json':
    case 'html':
    case 'truncated':
    case 'reset':
    case 'drift':
      return { mode: value.mode };
    default:
      throw new InvalidFaultError(`unknown fault mode ${JSON.stringify(value.mode)}`);
  }
}

/** Largest `offset` of the `echo-text` fault: the page stays small. */
export const MAX_ECHO_OFFSET = 64 * 1024;

/** Validates a FaultSetting received as untyped JSON; returns a clean copy. */
export function parseFaultSetting(value: unknown): FaultSetting {
  if (!isRecord(value)) throw new InvalidFaultError('body must be a JSON object {fault, count?}');
  const fault = parseMode(value.fault);
  if (value.count === undefined) return { fault };
  const count = nonNegativeInteger(value.count, '`count`');
  if (count === 0) throw new InvalidFaultError('`count` must be at least 1 (clear the fault instead)');
  return { fault, count };
}

/** Body of the `malformed-json` fault: looks like the start of a JSON document, is not one. */
export const MALFORMED_JSON_BODY = '{"data": {"status": "ok", "items": [1, 2, 3,]}, oops';

/** Body of the `html` fault: what an edge proxy's maintenance page looks like. */
export const HTML_BODY = [
  '<!DOCTYPE html>',
  '<html lang="en"><head><meta charset="utf-8"><title>Scheduled maintenance</title></head>',
  '<body><h1>We&rsquo;ll be right back</h1>',
  '<p>Our API is undergoing scheduled maintenance. Please try again in a few minutes.</p>',
  '</body></html>',
].join('\n');

/** What the echo faults quote when the request carried no credential at all. */
export const NO_CREDENTIAL = '(none)';

/** A vendor message quoting `credential` at `at`: its start, its middle, or its end. */
export function echoMessage(credential: string, at: EchoPosition): string {
  switch (at) {
    case 'start':
      return `${credential} is not a key this account accepts.`;
    case 'middle':
      return `The key ${credential} is not one this account accepts.`;
    case 'end':
      return `This account accepts no such key: ${credential}`;
  }
}

/** Filler of the `echo-text` page, repeated to reach the offset: markup with no credential in it. */
const ECHO_FILLER = '<!DOCTYPE html><html><head><title>Upstream error</title></head><body><p>The request carried ';

/** The `echo-text` page: exactly `offset` characters of markup, the credential, then the rest of the page. */
export function echoPage(credential: string, offset: number): string {
  const lead = ECHO_FILLER.repeat(Math.ceil(offset / ECHO_FILLER.length)).slice(0, offset);
  return `${lead}${credential} and was refused.</p></body></html>`;
}
