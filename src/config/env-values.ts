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

/** An http(s) base URL without `user:password@`. */
export const baseUrl = z
  .string()
  .trim()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'expected an http(s) URL')
  .refine((value) => !URL.canParse(value) || new URL(value).username === '', 'must not embed credentials; use the credential variable')
  .optional();

/** `1`/`true` or `0`/`false`; undefined when unset. */
export const optionalFlag = z
  .enum(['0', '1', 'true', 'false'], { message: 'expected 1, 0, true or false' })
  .optional()
  .transform((value) => (value === undefined ? undefined : value === '1' || value === 'true'));
