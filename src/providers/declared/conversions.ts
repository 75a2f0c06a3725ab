import { z } from 'zod';
import type { CONVERSIONS } from './file-format.js';

/**
 * The engine's conversions: the only ways a selected value changes on its way into the model.
 * Each refuses what it cannot read exactly (a count past 2^53, a time in another format), since a
 * guessed number is worse than a typed UPSTREAM_BAD_RESPONSE.
 */

export type Conversion = (typeof CONVERSIONS)[number];

/** What a model field holds, which decides the default conversion and the checks. */
export type FieldKind = 'counter' | 'measure' | 'text' | 'time';

/** A value the engine could not read as its model field wants; `reason` never quotes the value. */
export class ConversionError extends Error {
  override readonly name = 'ConversionError';
  readonly code = 'VENDOR_VALUE_UNREADABLE';
}

// The same check as the built-in vendors' contracts, so a declared vendor accepts exactly their times.
const isoDateTime = z.iso.datetime({ offset: true });

/** A decimal integer or number as vendors write counts in strings; no exponent, no hex, no spaces. */
function numberFromText(text: string, integer: boolean): number {
  if (text.length === 0 || text.length > 40) throw new ConversionError('expected a number in a string');
  let at = text[0] === '-' ? 1 : 0;
  let digits = 0;
  let dot = false;
  for (; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    if (code >= 0x30 && code <= 0x39) digits += 1;
    else if (code === 0x2e && !dot && !integer) dot = true;
    else throw new ConversionError(integer ? 'expected an integer in a string' : 'expected a number in a string');
  }
  if (digits === 0) throw new ConversionError('expected a number in a string');
  const value = Number(text);
  // A string count past 2^53 parses to a nearby number: say so instead of reporting the wrong count.
  if (integer && !Number.isSafeInteger(value)) throw new ConversionError('counter exceeds 2^53 - 1 and cannot be represented exactly');
  return value;
}

function asNumber(value: unknown, conversion: Conversion | undefined, integer: boolean): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && conversion === 'number') return numberFromText(value, integer);
  throw new ConversionError(conversion === 'number' ? 'expected a number or a number in a string' : 'expected a number');
}

/** `value` converted for a field of `kind`; throws a ConversionError saying what was expected. */
export function convert(value: unknown, kind: FieldKind, conversion: Conversion | undefined): number | string | Date {
  switch (kind) {
    case 'counter': {
      const number = asNumber(value, conversion, true);
      if (!Number.isInteger(number) || number < 0) throw new ConversionError('expected a non-negative integer');
      if (!Number.isSafeInteger(number)) throw new ConversionError('counter exceeds 2^53 - 1 and cannot be represented exactly');
      return number;
    }
    case 'measure': {
      const number = asNumber(value, conversion, false);
      if (!Number.isFinite(number) || number < 0) throw new ConversionError('expected a finite non-negative number');
      return number;
    }
    case 'text':
      if (typeof value === 'string') return value;
      if (conversion === 'text' && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
      throw new ConversionError('expected a string');
    case 'time':
      return timeOf(value, conversion);
  }
}

function timeOf(value: unknown, conversion: Conversion | undefined): Date {
  if (conversion === 'epochSeconds' || conversion === 'epochMillis') {
    const number = typeof value === 'string' ? numberFromText(value, false) : value;
    if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) throw new ConversionError(`expected ${conversion === 'epochSeconds' ? 'epoch seconds' : 'epoch milliseconds'}`);
    const date = new Date(conversion === 'epochSeconds' ? number * 1000 : number);
    if (Number.isNaN(date.getTime())) throw new ConversionError('time out of range');
    return date;
  }
  if (typeof value !== 'string' || !isoDateTime.safeParse(value).success) throw new ConversionError('expected an ISO 8601 time with offset');
  return new Date(value);
}
