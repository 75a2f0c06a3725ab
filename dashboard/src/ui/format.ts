/**
 * Numbers and times as the dashboard shows them. Counters arrive as JSON numbers no larger than
 * 2^53 − 1 (the API's SafeInt), which JavaScript holds exactly, and are printed digit for digit;
 * ids (a partner's `sub` may have 20 digits) are strings and are never converted to numbers.
 */
const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0, useGrouping: true });
const PERCENT = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });
const DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** A counter with thousands separators; "—" for null (the vendor does not say). */
export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : COUNT.format(value);
}

/** A ratio (1 = 100 %) as a percentage with one decimal. */
export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : PERCENT.format(value);
}

/** A measure with a fraction (a latency in ms) to two decimals at most. */
export function formatDecimal(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : DECIMAL.format(value);
}

/** An instant in UTC to `length` characters of its ISO form (16: minutes, 19: seconds); an unreadable one as sent. */
function utcInstant(iso: string | null | undefined, length: 16 | 19): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, length).replace('T', ' ')} UTC`;
}

/** An instant as UTC `YYYY-MM-DD HH:MM UTC`: the same text for every viewer of a shared URL. */
export function formatInstant(iso: string | null | undefined): string {
  return utcInstant(iso, 16);
}

/** A duration in seconds as the largest whole unit or two (`42 s`, `3 min 5 s`, `2 h 10 min`, `4 d 2 h`). */
export function formatAge(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86_400)} d ${Math.floor((seconds % 86_400) / 3600)} h`;
}

/** An instant to the second (`YYYY-MM-DD HH:MM:SS UTC`), where seconds matter: when a vendor's answer arrived. */
export function formatInstantSeconds(iso: string | null | undefined): string {
  return utcInstant(iso, 19);
}
