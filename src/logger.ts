import { redact, redactOccurrences } from './upstream/redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Options of the JSON-lines logger. */
export interface LoggerOptions {
  /** Lowest level written. Default `info`. */
  level?: LogLevel;
  /** Every configured credential; each line is redacted of them before and after serialisation. */
  secrets?: readonly string[];
  /** Where lines go. Default: process.stderr. */
  write?: (line: string) => void;
}

/**
 * One JSON object per line. Every string of the record (keys, nested fields, error messages,
 * stacks, causes) is redacted before serialisation: JSON escapes `"` and `\\`, so a credential
 * holding either no longer appears as itself in the line. The finished line is redacted as well,
 * for a credential that a `toJSON` or a concatenation put together.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const secrets = options.secrets ?? [];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const log = (level: Exclude<LogLevel, 'silent'>) => (message: string, fields: Record<string, unknown> = {}) => {
    if (RANK[level] < threshold) return;
    const record = scrub({ time: new Date().toISOString(), level, message, ...fields }, secrets, new Set());
    write(`${redact(JSON.stringify(record), secrets)}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/**
 * A copy of `value` as JSON would see it (errors as their name, message, code, stack and cause),
 * each string and key redacted. An object met again inside itself becomes `[Circular]`: a log call
 * must not throw.
 */
function scrub(value: unknown, secrets: readonly string[], ancestors: Set<object>): unknown {
  if (typeof value === 'string') return redactOccurrences(value, secrets);
  if (typeof value !== 'object' || value === null) return value;
  if (ancestors.has(value)) return '[Circular]';
  ancestors.add(value);
  try {
    if (value instanceof Error) return scrub(errorFields(value), secrets, ancestors);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return scrub(toJSON.call(value), secrets, ancestors);
    if (Array.isArray(value)) return value.map((item) => scrub(item, secrets, ancestors));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [redactOccurrences(key, secrets), scrub(item, secrets, ancestors)]));
  } finally {
    ancestors.delete(value);
  }
}

function errorFields(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(code === undefined ? {} : { code }), stack: error.stack, cause: error.cause };
}
