import { DAY_MS, utcDayStart, type UsageSample } from './history-types.js';

/**
 * The embedded store's files: one JSON-lines journal per UTC day of the samples' times,
 * `YYYY-MM-DD.jsonl`, each line `[provider, series, at, used, limit, resetsAt]`. A day's file only
 * grows (appends) until retention deletes it whole. A line is a sample only once its newline is
 * written: a crash mid-write leaves a partial last line, which was never acknowledged.
 */

const FILE = /^(\d{4})-(\d{2})-(\d{2})\.jsonl$/;

/** The journal file of the UTC day starting at `day` (ms). */
export function dayFileName(day: number): string {
  return `${new Date(day).toISOString().slice(0, 10)}.jsonl`;
}

/** The UTC day (ms) a journal file holds; null for a file that is not a day's journal. */
export function dayOfFileName(name: string): number | null {
  const match = FILE.exec(name);
  if (match === null) return null;
  const day = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return dayFileName(day) === name ? day : null;
}

export function encodeSamples(samples: readonly UsageSample[]): Buffer {
  let text = '';
  for (const s of samples) text += `${JSON.stringify([s.provider, s.series, s.at, s.used, s.limit, s.resetsAt])}\n`;
  return Buffer.from(text, 'utf8');
}

export interface ParsedLines {
  samples: UsageSample[];
  /** Bytes up to and including the last newline; what follows is a line still being (or never fully) written. */
  completeBytes: number;
  /** Complete lines that are not samples: the remains of a write that failed and could not be cut off. */
  badLines: number;
}

/** The samples of the complete lines of `bytes` that belong to the day file of `day`. */
export function parseLines(bytes: Buffer, day: number): ParsedLines {
  const samples: UsageSample[] = [];
  let badLines = 0;
  let start = 0;
  for (let end = bytes.indexOf(10, start); end !== -1; start = end + 1, end = bytes.indexOf(10, start)) {
    if (end === start) continue;
    const sample = decodeLine(bytes.toString('utf8', start, end));
    if (sample !== null && utcDayStart(sample.at) === day) samples.push(sample);
    else badLines += 1;
  }
  return { samples, completeBytes: start, badLines };
}

function decodeLine(line: string): UsageSample | null {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch {
    return null;
  }
  if (!Array.isArray(row) || row.length !== 6) return null;
  const [provider, series, at, used, limit, resetsAt] = row as unknown[];
  const integer = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value);
  if (typeof provider !== 'string' || typeof series !== 'string' || !integer(at) || !integer(used)) return null;
  if (!(limit === null || integer(limit)) || !(resetsAt === null || integer(resetsAt))) return null;
  return { provider, series, at: at as number, used: used as number, limit: limit as number | null, resetsAt: resetsAt as number | null };
}

/** The day's end, ms: a file whose day ends at or before a retention cutoff is deleted whole. */
export function dayEnd(day: number): number {
  return day + DAY_MS;
}
