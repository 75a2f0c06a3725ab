/**
 * Log lines for a person at a terminal: `INFO  12:00:00.123 gateway listening url=… providers=[…]`.
 * The input is the finished JSON record the logger writes, already redacted; this module only lays
 * it out, so pretty and JSON lines can never differ in what they reveal.
 */

/** How lines are written: JSON for a log shipper, pretty for a person, auto picks by the terminal. */
export type LogFormat = 'json' | 'pretty';

/** The `LOG_FORMAT` setting: `auto` is pretty exactly when standard error is a terminal. */
export type LogFormatSetting = LogFormat | 'auto';

/** The format `setting` means for a stream that is (or is not) a terminal. */
export function resolveLogFormat(setting: LogFormatSetting, isTerminal: boolean): LogFormat {
  if (setting === 'auto') return isTerminal ? 'pretty' : 'json';
  return setting;
}

/** Longest field value shown; a person scans, and the JSON mode keeps everything. */
const MAX_VALUE_CHARS = 160;

/** Fields a terminal line leaves out: an access line's id is noise to a person running it locally. */
const HIDDEN_FIELDS: ReadonlySet<string> = new Set(['level', 'time', 'message', 'requestId']);

/**
 * One readable line (no trailing newline) from a logger record: the level padded to five
 * characters, the time of day (UTC, as the JSON `time`), the message, then each other field as
 * `key=value`. An error field shows as `Name: message (CODE)`, its stack on the lines below at
 * `error` level, where a person needs it.
 */
export function formatPrettyLine(record: Record<string, unknown>): string {
  const level = String(record.level ?? 'info').toUpperCase().padEnd(5);
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const parts = [level, time, String(record.message ?? '')].filter((part) => part !== '');
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (HIDDEN_FIELDS.has(key) || value === undefined) continue;
    if (isErrorRecord(value)) {
      parts.push(`${key}=${JSON.stringify(describeError(value))}`);
      if (record.level === 'error' && typeof value.stack === 'string') stacks.push(indent(value.stack));
      continue;
    }
    parts.push(`${key}=${shown(value)}`);
  }
  return [parts.join(' '), ...stacks].join('\n');
}

interface ErrorRecord {
  name: string;
  message: string;
  code?: unknown;
  stack?: unknown;
}

/** The logger writes an error as `{ name, message, code?, stack, cause }`. */
function isErrorRecord(value: unknown): value is ErrorRecord {
  return typeof value === 'object' && value !== null && typeof (value as ErrorRecord).name === 'string' && typeof (value as ErrorRecord).message === 'string' && 'stack' in value;
}

function describeError(error: ErrorRecord): string {
  const code = typeof error.code === 'string' ? ` (${error.code})` : '';
  return `${error.name}: ${error.message}${code}`;
}

/** A string bare when it has no space or quote, else quoted; anything else as compact JSON; long values cut. */
function shown(value: unknown): string {
  const text = typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

function indent(stack: string): string {
  return stack
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
