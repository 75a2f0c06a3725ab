import { rangeBounds, RANGES, setParams, type Range } from '../route';

/**
 * A partner view's range: all time (the default: a partner's stream may have stopped days ago, and
 * its users should not look empty), or a number of whole UTC days ending today (see `rangeBounds`;
 * "24h" is today so far).
 */
export type PartnerRange = Range | 'all';

export function partnerRangeOf(params: URLSearchParams): PartnerRange {
  const value = params.get('range');
  return value !== null && value in RANGES ? (value as Range) : 'all';
}

/**
 * The UTC days a partner range asks for: none for all time (`partnerUsers` then counts every day,
 * and `daily` answers the user's own days), else the range's first day and the day after its last.
 */
export function partnerDays(range: PartnerRange): { since: string | null; until: string | null } {
  if (range === 'all') return { since: null, until: null };
  const { sinceDay, untilDay } = rangeBounds(range);
  return { since: sinceDay, until: untilDay };
}

export const DAY_RANGE_LABELS: Record<PartnerRange, string> = {
  all: 'All time',
  '24h': 'Today (UTC)',
  '7d': 'Last 7 UTC days',
  '30d': 'Last 30 UTC days',
  '90d': 'Last 90 UTC days',
};

/** The same ranges at the end of a sentence ("calls in the last 7 UTC days"). */
export const DAY_RANGE_PHRASES: Record<PartnerRange, string> = {
  all: 'all time',
  '24h': 'today (UTC)',
  '7d': 'in the last 7 UTC days',
  '30d': 'in the last 30 UTC days',
  '90d': 'in the last 90 UTC days',
};

/** The counters a partner user has, by their URL value. */
export const METRICS = { calls: 'Calls', discoveries: 'Discoveries', tweets: 'Tweets' } as const;
export type Metric = keyof typeof METRICS;

export function metricOf(params: URLSearchParams): Metric {
  const value = params.get('metric');
  return value !== null && value in METRICS ? (value as Metric) : 'calls';
}

/**
 * A select bound to one URL parameter: a change replaces it (and clears `after`, since a cursor
 * belongs to the order and range it was served for), so the URL always names the view shown.
 */
export function ParamSelect<Value extends string>(props: { id: string; label: string; param: string; value: Value; options: Record<Value, string>; testId: string }) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} data-testid={props.testId} onChange={(event) => setParams({ [props.param]: event.currentTarget.value, after: null })}>
        {(Object.keys(props.options) as Value[]).map((value) => (
          <option value={value}>{props.options[value]}</option>
        ))}
      </select>
    </div>
  );
}

export function RangeSelect(props: { value: PartnerRange }) {
  return <ParamSelect id="range" label="Range" param="range" value={props.value} options={DAY_RANGE_LABELS} testId="range-select" />;
}
