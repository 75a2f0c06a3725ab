import { pino } from 'pino';
import { currentRequestScope } from './request-scope.js';
import { redact, redactOccurrences } from './redact.js';
import { batchLines } from './line-batch.js';
import { formatPrettyLine, type LogFormat } from './pretty-log.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Options of the JSON-lines logger. */
export interface LoggerOptions {
  /** Lowest level written. Default `info`. */
  level?: LogLevel;
  /** Every configured credential; each line is redacted of them before and after serialisation. */
  secrets?: readonly string[];
  /** Where lines go. Default: process.stderr, the lines of one event-loop turn in one write (see `batchLines`). */
  write?: (line: string) => void;
  /** `json` (one object a line, for a log shipper) or `pretty` (for a person, see `formatPrettyLine`). Default `json`. */
  format?: LogFormat;
}

/**
 * One JSON object per line (or, with `format: 'pretty'`, a readable line laid out from it), written by pino: `level` (its name), `message`, the fields, then the
 * request's `requestId` when the line is logged while serving one, and `time` (ISO). Every string
 * of the record (keys, nested fields, error messages, stacks, causes) is redacted before
 * serialisation: JSON escapes `"` and `\\`, so a credential holding either no longer appears as
 * itself in the line. The finished line is redacted as well, for a credential that a `toJSON` or
 * a concatenation put together.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? [];
  const write = options.write ?? stderrLines();
  // Pretty lines are laid out from the redacted JSON line, so both formats reveal exactly the same.
  const destination =
    options.format === 'pretty'
      ? { write: (line: string) => write(redact(prettyOrAsIs(redact(line, secrets)), secrets)) }
      : { write: (line: string) => write(redact(line, secrets)) };
  const logger = pino(
    {
      level: options.level ?? 'info',
      messageKey: 'message',
      // No pid or hostname, and no pino timestamp (it would stand between `level` and `message`):
      // the lines keep the shape they had before pino, which scripts and tests match.
      base: undefined,
      timestamp: false,
      formatters: { level: (label) => ({ level: label }) },
      // Channels and resolvers log without being handed the request; the scope knows which it is.
      // The client chose the id: redacted like any field, since it could quote a credential.
      mixin: () => {
        const requestId = currentRequestScope()?.requestId ?? null;
        return { ...(requestId === null ? {} : { requestId: redactOccurrences(requestId, secrets) }), time: new Date().toISOString() };
      },
      // After the message and fields (pino's default puts the mixin's keys first).
      mixinMergeStrategy: (fields, mixed) => Object.assign(fields, mixed),
    },
    destination,
  );
  const redactText = (text: string) => redactOccurrences(text, secrets);
  // Keys are nearly always the code's own few names (an access line's ten, say): each is redacted
  // once, not on every line. Bounded, since a field object built from data could bring any key.
  const redactedKeys = new Map<string, string>();
  const redactKey = (key: string) => {
    let redacted = redactedKeys.get(key);
    if (redacted === undefined) {
      if (redactedKeys.size >= MAX_REMEMBERED_KEYS) redactedKeys.clear();
      redactedKeys.set(key, (redacted = redactText(key)));
    }
    return redacted;
  };
  const log = (level: Exclude<LogLevel, 'silent'>) => (message: string, fields: Record<string, unknown> = {}) => {
    if (!logger.isLevelEnabled(level)) return;
    // The message before the fields, as the lines had it before pino (which would put it last).
    logger[level](scrub({ message, ...fields }, redactText, redactKey, new Set()) as Record<string, unknown>);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/**
 * The pretty form of a redacted JSON line; the line itself if it no longer parses (a credential
 * redacted across the JSON's own punctuation), since a log call must not throw.
 */
function prettyOrAsIs(line: string): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  return `${formatPrettyLine(record as Record<string, unknown>)}\n`;
}

/** Distinct field names whose redaction a logger remembers. */
const MAX_REMEMBERED_KEYS = 256;

let sharedStderr: ((line: string) => void) | undefined;

/**
 * Writes text (a start banner) to stderr in the same batch as every logger's lines, so that it
 * stands where it was written among them.
 */
export function writeToLogStream(text: string): void {
  stderrLines()(text);
}

/** One batch for every logger of the process, so that their lines keep their order on stderr. */
function stderrLines(): (line: string) => void {
  sharedStderr ??= batchLines((text) => process.stderr.write(text));
  return sharedStderr;
}

/**
 * A copy of `value` as JSON would see it (errors as their name, message, code, stack and cause),
 * each string and key redacted. An object met again inside itself becomes `[Circular]`: a log call
 * must not throw.
 */
function scrub(value: unknown, redactText: (text: string) => string, redactKey: (key: string) => string, ancestors: Set<object>): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (ancestors.has(value)) return '[Circular]';
  ancestors.add(value);
  try {
    if (value instanceof Error) return scrub(errorFields(value), redactText, redactKey, ancestors);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return scrub(toJSON.call(value), redactText, redactKey, ancestors);
    if (Array.isArray(value)) return value.map((item) => scrub(item, redactText, redactKey, ancestors));
    // A loop, not entries/map/fromEntries: every line goes through here, and those allocate an array per field.
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = scrub((value as Record<string, unknown>)[key], redactText, redactKey, ancestors);
      // A field named `__proto__` stays a field (as with fromEntries), not the copy's prototype.
      if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
      else copy[redactKey(key)] = item;
    }
    return copy;
  } finally {
    ancestors.delete(value);
  }
}

function errorFields(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(code === undefined ? {} : { code }), stack: error.stack, cause: error.cause };
}
