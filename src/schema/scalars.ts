import { GraphQLError, Kind } from 'graphql';
import { builder } from './builder.js';

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

function toSafeInteger(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw badInput(`SafeInt must be an integer between -(2^53 - 1) and 2^53 - 1; got ${JSON.stringify(value)}`);
}

/** GraphQL `Int` is 32-bit; vendor counters pass 2^31, so counters use this 53-bit-safe scalar. */
builder.scalarType('SafeInt', {
  description:
    'An integer between -(2^53 - 1) and 2^53 - 1, serialized as a JSON number. Used for counters, which outgrow the 32-bit Int.',
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

function toDate(value: unknown): Date {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw badInput(`DateTime must be an ISO 8601 date-time such as 2026-11-01T00:00:00Z; got ${JSON.stringify(value)}`);
}

builder.scalarType('DateTime', {
  description: 'An instant, serialized as an ISO 8601 UTC string (e.g. 2026-11-21T12:00:00.000Z).',
  serialize: (value) => {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    throw new GraphQLError(`DateTime cannot represent ${String(value)}`);
  },
  parseValue: toDate,
  parseLiteral: (node) => {
    if (node.kind !== Kind.STRING) throw badInput('DateTime must be a string literal');
    return toDate(node.value);
  },
});
