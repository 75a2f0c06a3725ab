import { z } from 'zod';

/**
 * zod schemas of single environment variables. Each reads the variable's text (already trimmed
 * of nothing: the schemas trim) and yields its typed value; an unset variable is `undefined`
 * before a default applies.
 */

/** A whole number in `min..max`, or undefined when unset. */
export const optionalIntegerIn = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((value) => value >= min && value <= max, `expected a whole number from ${min} to ${max}`)
    .optional();

/** A whole number in `min..max`, `fallback` when unset. */
export const integerIn = (min: number, max: number, fallback: number) =>
  optionalIntegerIn(min, max).transform((value) => value ?? fallback);

/** Text matching `pattern` (with `expected` as the message), `fallback` when unset. */
export const textMatching = (pattern: RegExp, expected: string, fallback: string) =>
  z
    .string()
    .trim()
    .regex(pattern, expected)
    .optional()
    .transform((value) => value ?? fallback);

/** Credentials shorter than this are refused: they are typos, and redaction of them is unsafe. */
export const MIN_CREDENTIAL_LENGTH = 8;

/** A vendor credential; its value is never quoted in a configuration error. */
export const credential = z
  .string()
  .trim()
  .min(MIN_CREDENTIAL_LENGTH, `expected a credential of at least ${MIN_CREDENTIAL_LENGTH} characters`)
  .refine((value) => !/\s/.test(value), 'must not contain whitespace')
  .optional();

/** True for a URL hostname that names this machine: `localhost`, `[::1]` or 127.0.0.0/8. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * A vendor's http(s) base URL. No userinfo at all, a password alone (`https://:secret@host`)
 * included: the credential has its own variable, which is never quoted. Plain http only to
 * loopback (a simulator, a local proxy) unless `allowInsecure`: anyone on the path would read
 * the credential sent with every call.
 */
export const vendorBaseUrl = (allowInsecure: boolean) =>
  z
    .string()
    .trim()
    .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'expected an http(s) URL')
    .refine((value) => {
      if (!URL.canParse(value)) return true;
      const url = new URL(value);
      return url.username === '' && url.password === '';
    }, 'must not embed credentials; use the credential variable')
    .refine((value) => {
      if (allowInsecure || !URL.canParse(value)) return true;
      const url = new URL(value);
      return url.protocol !== 'http:' || isLoopbackHost(url.hostname);
    }, 'expected an https URL (http only to 127.0.0.1, ::1 or localhost, or with ALLOW_INSECURE_VENDOR_URLS=1)')
    .optional();

/** `1`/`true` or `0`/`false`; undefined when unset. */
export const optionalFlag = z
  .enum(['0', '1', 'true', 'false'], { message: 'expected 1, 0, true or false' })
  .optional()
  .transform((value) => (value === undefined ? undefined : value === '1' || value === 'true'));
