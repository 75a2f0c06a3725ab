import { redact } from '../../common/redact.js';
import {
  errorForStatus,
  UpstreamAuthFailedError,
  UpstreamBadRequestError,
  UpstreamBadResponseError,
  UpstreamNotFoundError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type ErrorDetailsInit,
  type UpstreamError,
} from '../../upstream/errors.js';
import type { UpstreamResponse } from '../../upstream/http.js';
import { redactOptional, UNREADABLE_ERROR_BODY } from '../vendor-response.js';
import type { CompiledErrorRule, CompiledErrors } from './compile-vendor.js';
import { selectOne } from './selection.js';

const ERROR_CLASSES = {
  UPSTREAM_TIMEOUT: UpstreamTimeoutError,
  UPSTREAM_UNAVAILABLE: UpstreamUnavailableError,
  UPSTREAM_RATE_LIMITED: UpstreamRateLimitedError,
  UPSTREAM_AUTH_FAILED: UpstreamAuthFailedError,
  UPSTREAM_BAD_RESPONSE: UpstreamBadResponseError,
  UPSTREAM_NOT_FOUND: UpstreamNotFoundError,
  UPSTREAM_BAD_REQUEST: UpstreamBadRequestError,
} as const satisfies Record<CompiledErrorRule['code'], new (message: string, details: ErrorDetailsInit) => UpstreamError>;

function statusMatches(rule: CompiledErrorRule, status: number): boolean {
  if (rule.status === null) return true;
  if (typeof rule.status === 'number') return rule.status === status;
  return Math.floor(status / 100) === Number(rule.status[0]);
}

function textAt(body: unknown, selection: CompiledErrors['vendorCode']): string | null {
  if (selection === null) return null;
  const value = selectOne(selection, body, 0);
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

/**
 * The typed error a declared vendor's answer means, or null for a 2xx answer that no rule marks
 * as failed. The file's rules pick the code from our closed list, first match wins; a non-2xx
 * status no rule matches gets the gateway's own reading of that status. Everything quoted from
 * the body is redacted of `secrets`.
 */
export function errorOfAnswer(provider: string, errors: CompiledErrors, response: UpstreamResponse, secrets: readonly string[]): UpstreamError | null {
  const success = response.status >= 200 && response.status <= 299;
  let body: unknown;
  try {
    body = JSON.parse(response.text) as unknown;
  } catch {
    body = undefined;
  }
  const rule = errors.rules.find(
    (candidate) => statusMatches(candidate, response.status) && (candidate.body === null || (body !== undefined && selectOne(candidate.body.selection, body, 0) === candidate.body.equals)),
  );
  if (success && rule === undefined) return null;
  const parts = errors.message.map((selection) => textAt(body, selection)).filter((part) => part !== null);
  const message = parts.length === 0 ? null : parts.join(': ');
  const details = {
    provider,
    httpStatus: response.status,
    retryAfterSeconds: response.retryAfterSeconds,
    upstreamRequestId: redactOptional(textAt(body, errors.requestId), secrets),
    vendorCode: redactOptional(textAt(body, errors.vendorCode), secrets),
  };
  const quoted = message === null ? UNREADABLE_ERROR_BODY : redact(message, secrets);
  if (rule === undefined) return errorForStatus({ ...details, message: quoted });
  return new ERROR_CLASSES[rule.code](`${provider} answered ${response.status}: ${quoted}`, details);
}
