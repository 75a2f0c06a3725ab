import type { FaultMode, FaultSetting } from './types.js';

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
