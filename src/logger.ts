import { redact } from './upstream/redact.js';

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
  /** Every configured credential; each line is redacted of them after serialisation. */
  secrets?: readonly string[];
  /** Where lines go. Default: process.stderr. */
  write?: (line: string) => void;
}

/**
 * One JSON object per line. Redaction happens on the finished line, so no field, nested error or
 * stack can carry a credential past it.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const secrets = options.secrets ?? [];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const log = (level: Exclude<LogLevel, 'silent'>) => (message: string, fields: Record<string, unknown> = {}) => {
    if (RANK[level] < threshold) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }, errorReplacer);
    write(`${redact(line, secrets)}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as { code?: unknown }).code;
  return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }), stack: value.stack, cause: value.cause };
}
