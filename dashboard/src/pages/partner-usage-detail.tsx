import type { PartnerUserDetailFragment } from '../gql/graphql';
import { BarChart } from '../ui/charts/bar-chart';
import { formatCount, formatInstant } from '../ui/format';
import { DataTable, type Column } from '../ui/table';
import { DAY_RANGE_PHRASES, METRICS, ParamSelect, RangeSelect, type Metric, type PartnerRange } from './partner-controls';

type Day = PartnerUserDetailFragment['daily'][number];
type Endpoint = PartnerUserDetailFragment['byEndpoint'][number];

const counterColumns = <Row extends Record<Metric, number>>(): Array<Column<Row>> =>
  (Object.keys(METRICS) as Metric[]).map((metric) => ({
    header: METRICS[metric],
    numeric: true,
    csv: (row: Row) => String(row[metric]),
    cell: (row: Row) => <span data-field={metric}>{formatCount(row[metric])}</span>,
  }));

/**
 * One partner user's usage: all-time totals, a bar per UTC day of the range (days without usage
 * included, as `daily` answers them) with its table view, and the breakdown per endpoint. Shared
 * by a reader's view of any user and an end user's own page, which differ only in where the
 * user comes from.
 */
export function PartnerUsageDetail(props: { user: PartnerUserDetailFragment; range: PartnerRange; metric: Metric }) {
  const { user, range, metric } = props;
  const rangeLabel = DAY_RANGE_PHRASES[range];
  const inRange = user.daily.reduce((total, day) => total + day[metric], 0);
  const dayColumns: Array<Column<Day>> = [{ header: 'Date (UTC)', csv: (day) => day.date, cell: (day) => <span data-field="date">{day.date}</span> }, ...counterColumns<Day>()];
  const endpointColumns: Array<Column<Endpoint>> = [
    { header: 'Endpoint', csv: (row) => row.endpoint, cell: (row) => <code data-field="endpoint">{row.endpoint}</code> },
    ...counterColumns<Endpoint>(),
  ];
  return (
    <>
      <dl class="facts" data-testid="partner-totals">
        <dt>User id</dt>
        <dd class="mono" data-field="sub">
          {user.sub}
        </dd>
        <dt>Calls, all time</dt>
        <dd data-field="calls">{formatCount(user.calls)}</dd>
        <dt>Discoveries, all time</dt>
        <dd data-field="discoveries">{formatCount(user.discoveries)}</dd>
        <dt>Tweets, all time</dt>
        <dd data-field="tweets">{formatCount(user.tweets)}</dd>
        <dt>First seen</dt>
        <dd data-field="firstSeenAt">{formatInstant(user.firstSeenAt)}</dd>
        <dt>Last seen</dt>
        <dd data-field="lastSeenAt">{formatInstant(user.lastSeenAt)}</dd>
      </dl>
      <h2>Per day</h2>
      <div class="toolbar">
        <RangeSelect value={range} />
        <ParamSelect id="metric" label="Counter" param="metric" value={metric} options={METRICS} testId="metric-select" />
      </div>
      <p>
        <span data-field="rangeTotal">{formatCount(inRange)}</span> {METRICS[metric].toLowerCase()} {rangeLabel}.
      </p>
      <BarChart bars={user.daily.map((day) => ({ date: day.date, value: day[metric] }))} label={`${METRICS[metric]} per UTC day ${rangeLabel}`} unit={METRICS[metric].toLowerCase()} testId="daily-chart" />
      <details class="chart-table" open>
        <summary>Table view</summary>
        <DataTable caption={`Usage per UTC day ${rangeLabel}`} testId="daily-table" columns={dayColumns} rows={user.daily} />
      </details>
      <h2>Per endpoint, all time</h2>
      <DataTable caption="Usage per endpoint, all time" testId="partner-endpoints" columns={endpointColumns} rows={user.byEndpoint} empty="No endpoint usage counted." />
    </>
  );
}
