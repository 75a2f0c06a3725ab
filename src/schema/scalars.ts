import { GraphQLError, Kind } from 'graphql';
import { DAY_MS } from '../ledger/utc-day.js';
import { builder } from './builder.js';

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/** Longest partner `sub` accepted; Arrays ids are 20-digit decimals, anything far longer is not one. */
export const MAX_PARTNER_SUB_LENGTH = 256;

function toSafeInteger(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw badInput(`SafeInt must be an integer between -(2^53 - 1) and 2^53 - 1; got ${JSON.stringify(value)}`);
}

/** GraphQL `Int` is 32-bit; vendor counters pass 2^31, so counters use this 53-bit-safe scalar. */
builder.scalarType('SafeInt', {
  description:
    'An integer between -(2^53 - 1) and 2^53 - 1, serialized as a JSON number: every value is exact in JavaScript, TypeScript `number` in generated types. Used for counters, which outgrow the 32-bit Int.',
  specifiedByURL: 'https://tc39.es/ecma262/#sec-number.issafeinteger',
  serialize: (value) => {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    // Adapters only produce safe integers; reaching this means a bug, and a rounded counter would be a lie.
    throw new GraphQLError(`SafeInt cannot represent ${String(value)} exactly`);
  },
  parseValue: toSafeInteger,
  parseLiteral: (node) => {
    if (node.kind !== Kind.INT) throw badInput('SafeInt must be an integer literal');
    return toSafeInteger(Number(node.value));
  },
});

function toDateTime(value: unknown): Date {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw badInput(`DateTime must be an ISO 8601 date-time such as 2026-11-01T00:00:00Z; got ${JSON.stringify(value)}`);
}

builder.scalarType('DateTime', {
  description:
    'An instant, serialized as an RFC 3339 date-time string in UTC with milliseconds (e.g. 2026-11-21T12:00:00.000Z); input accepts any RFC 3339 offset.',
  specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc3339#section-5.6',
  serialize: (value) => {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    throw new GraphQLError(`DateTime cannot represent ${String(value)}`);
  },
  parseValue: toDateTime,
  parseLiteral: (node) => {
    if (node.kind !== Kind.STRING) throw badInput('DateTime must be a string literal');
    return toDateTime(node.value);
  },
});

const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar day as the midnight UTC that starts it; refuses days no calendar has (2026-02-30). */
function toDay(value: unknown): Date {
  const match = typeof value === 'string' ? FULL_DATE.exec(value) : null;
  if (match !== null) {
    const day = new Date(`${value as string}T00:00:00.000Z`);
    if (!Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value) return day;
  }
  throw badInput(`Date must be a calendar day written YYYY-MM-DD, such as 2026-11-01; got ${JSON.stringify(value)}`);
}

builder.scalarType('Date', {
  description: 'A UTC calendar day, serialized as an RFC 3339 full-date string (YYYY-MM-DD, e.g. 2026-11-21).',
  specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc3339#section-5.6',
  serialize: (value) => {
    if (value instanceof Date && value.getTime() % DAY_MS === 0) return value.toISOString().slice(0, 10);
    throw new GraphQLError(`Date cannot represent ${String(value)}: not a UTC midnight`);
  },
  parseValue: toDay,
  parseLiteral: (node) => {
    if (node.kind !== Kind.STRING) throw badInput('Date must be a string literal such as "2026-11-01"');
    return toDay(node.value);
  },
});

/**
 * A partner's `sub` as an argument. Built-in `ID` takes a JSON number too and turns it into a
 * string, but a 20-digit sub sent as a number has already been rounded by the client's JSON
 * encoder, and the answer would be a silent null for somebody else's id: this scalar takes
 * strings only.
 */
function toPartnerSub(value: unknown): string {
  if (typeof value !== 'string') {
    throw badInput(
      `PartnerSub must be a string: send the sub in quotes, as Arrays sends it (a JSON number loses digits past 2^53); got ${typeof value === 'number' ? 'a number' : JSON.stringify(value)}`,
    );
  }
  if (value.length === 0 || value.length > MAX_PARTNER_SUB_LENGTH) throw badInput(`PartnerSub must be 1 to ${MAX_PARTNER_SUB_LENGTH} characters`);
  return value;
}

builder.scalarType('PartnerSub', {
  description:
    "A partner user's id (`sub`) as an argument: a JSON string, 1 to 256 characters, never a number (ids exceed 2^53). Answers carry it as `ID`.",
  specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc8259#section-7',
  serialize: (value) => {
    if (typeof value === 'string') return value;
    throw new GraphQLError('PartnerSub must be a string');
  },
  parseValue: toPartnerSub,
  parseLiteral: (node) => {
    if (node.kind !== Kind.STRING) throw badInput('PartnerSub must be a string literal: write the sub in quotes, e.g. "12345678901234567890"');
    return toPartnerSub(node.value);
  },
});
