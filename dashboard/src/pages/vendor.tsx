import { useMemo } from 'preact/hooks';
import { errorsAt } from '../api/client';
import { useQuery } from '../api/use-query';
import type { ProviderId, VendorDetailQuery } from '../gql/graphql';
import { VendorDetailDocument } from '../gql/graphql';
import { hrefFor, RANGES, rangeBounds, rangeOf, setParams, type Range } from '../route';
import { useAccess } from '../session';
import { LineChart } from '../ui/charts/line-chart';
import { formatAge, formatCount, formatDecimal, formatInstant, formatInstantSeconds, formatPercent } from '../ui/format';
import { Link } from '../ui/link';
import { Empty, Failure, Loading } from '../ui/states';
import { csvNumber } from '../ui/csv';
import { DataTable, type Column } from '../ui/table';

type Account = NonNullable<VendorDetailQuery['account']>;
type Endpoint = Account['endpoints'][number];
type Period = Account['periods'][number];
type Point = { at: string; used: number; increase: number; max: number; samples: number };

const RANGE_LABELS: Record<Range, string> = { '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days', '90d': 'Last 90 days' };

/** A number cell: the formatted value, in an element naming its field. */
const num = (field: string, text: string) => <span data-field={field}>{text}</span>;

const ENDPOINT_COLUMNS: ReadonlyArray<Column<Endpoint>> = [
  { header: 'Path', csv: (row) => row.path, cell: (row) => <span class="mono">{row.path}</span> },
  { header: 'Method', csv: (row) => row.method ?? '' },
  { header: 'Requests', csv: (row) => csvNumber(row.requests), cell: (row) => num('requests', formatCount(row.requests)), numeric: true },
  { header: 'Errors', csv: (row) => csvNumber(row.errors), cell: (row) => num('errors', formatCount(row.errors)), numeric: true },
  { header: 'Error rate', csv: (row) => csvNumber(row.errorRate), cell: (row) => num('errorRate', formatPercent(row.errorRate)), numeric: true },
  { header: 'Avg latency (ms)', csv: (row) => csvNumber(row.avgLatencyMs), cell: (row) => num('avgLatencyMs', formatDecimal(row.avgLatencyMs)), numeric: true },
  { header: 'Window', csv: (row) => row.window.label },
];

const POINT_COLUMNS: ReadonlyArray<Column<Point>> = [
  { header: 'At', csv: (row) => row.at, cell: (row) => <time dateTime={row.at} data-field="at">{formatInstant(row.at)}</time> },
  { header: 'Used', csv: (row) => String(row.used), cell: (row) => num('used', formatCount(row.used)), numeric: true },
  { header: 'Increase', csv: (row) => String(row.increase), cell: (row) => num('increase', formatCount(row.increase)), numeric: true },
  { header: 'Peak', csv: (row) => String(row.max), cell: (row) => num('max', formatCount(row.max)), numeric: true },
  { header: 'Samples', csv: (row) => String(row.samples), cell: (row) => num('samples', formatCount(row.samples)), numeric: true },
];

const PERIOD_COLUMNS: ReadonlyArray<Column<Period>> = [
  { header: 'Group', csv: (row) => row.group },
  { header: 'Metric', csv: (row) => row.metric, cell: (row) => <span class="mono">{row.metric}</span> },
  { header: 'Resource', csv: (row) => (row.resourceId ? `${row.resourceType ?? ''}:${row.resourceId}` : ''), cell: (row) => (row.resourceId ? <span data-field="resourceId">{row.resourceId}</span> : '—') },
  { header: 'Month to date', csv: (row) => csvNumber(row.monthToDate), cell: (row) => num('monthToDate', formatCount(row.monthToDate)), numeric: true },
  { header: 'Last month', csv: (row) => csvNumber(row.lastMonth), cell: (row) => num('lastMonth', formatCount(row.lastMonth)), numeric: true },
  { header: 'Last 12 months', csv: (row) => csvNumber(row.last12Months), cell: (row) => num('last12Months', formatCount(row.last12Months)), numeric: true },
  { header: 'Term to last month', csv: (row) => csvNumber(row.termPeriodToLastMonth), cell: (row) => num('termPeriodToLastMonth', formatCount(row.termPeriodToLastMonth)), numeric: true },
];

/** A counter's history as a line chart with its table view; "no samples yet" when the range holds none. */
function History(props: { title: string; testId: string; points: readonly Point[] | null | undefined; limit?: number | null; failed: boolean }) {
  if (props.failed) return <p class="state failure">The history of {props.title} cannot be read just now.</p>;
  const points = props.points ?? [];
  if (points.length === 0) return <Empty>No samples yet of {props.title} in this range.</Empty>;
  return (
    <LineChart label={`History of ${props.title}`} testId={`${props.testId}-chart`} points={points.map((point) => ({ at: point.at, value: point.used }))} limit={props.limit ?? null}>
      <DataTable caption={`History of ${props.title}`} testId={`${props.testId}-table`} columns={POINT_COLUMNS} rows={points} />
    </LineChart>
  );
}

function RangePicker(props: { range: Range }) {
  return (
    <div class="toolbar">
      <div>
        <label for="range">Time range</label>
        <select id="range" data-testid="range" value={props.range} onChange={(event) => setParams({ range: event.currentTarget.value })}>
          {(Object.keys(RANGES) as Range[]).map((range) => (
            <option value={range}>{RANGE_LABELS[range]}</option>
          ))}
        </select>
      </div>
    </div>
  );
}

/** Vendor detail (`?vendor=&range=`): endpoints, each quota's history over the range, period counters. */
export function VendorPage(props: { params: URLSearchParams }) {
  const access = useAccess();
  const range = rangeOf(props.params);
  const requested = props.params.get('vendor');
  const provider = access.providers.find((entry) => entry.kind === requested)?.kind ?? null;
  // The bounds are fixed per range and vendor, so a re-render does not refetch with a moved `until`.
  const bounds = useMemo(() => rangeBounds(range), [range, provider]);
  const detail = useQuery(VendorDetailDocument, { provider: (provider ?? 'SHARPE') as ProviderId, since: bounds.since, until: bounds.until }, { skip: provider === null });
  const vendorLinks = (
    <nav aria-label="Vendors" class="vendor-tabs">
      {access.providers.map((entry) => (
        <Link href={hrefFor('vendor', { vendor: entry.kind, range })} current={entry.kind === provider} testId={`vendor-tab-${entry.kind}`}>
          {entry.name}
        </Link>
      ))}
    </nav>
  );
  if (provider === null) {
    return (
      <>
        <h1>Vendor</h1>
        {vendorLinks}
        <Empty>{requested ? `No vendor ${requested} is configured here.` : 'Pick a vendor.'}</Empty>
      </>
    );
  }
  const name = access.providers.find((entry) => entry.kind === provider)?.name ?? provider;
  const head = (
    <>
      <h1>{name}</h1>
      {vendorLinks}
      <RangePicker range={range} />
    </>
  );
  if (detail.status === 'loading') return (
    <>
      {head}
      <Loading what={name} />
    </>
  );
  if (detail.status === 'failed') return (
    <>
      {head}
      <Failure error={detail.error} retry={detail.refetch} />
    </>
  );
  const account = detail.answer.data?.account;
  const errors = detail.answer.errors;
  if (!account) {
    const error = errorsAt(errors, 'account')[0] ?? errors[0];
    return (
      <>
        {head}
        <div class="state failure" role="alert" data-testid="vendor-error">
          <p>
            <code data-field="error.code">{error?.extensions?.code ?? 'UNKNOWN'}</code> <span data-field="error.message">{error?.message ?? `${name} did not answer.`}</span>
          </p>
          <button type="button" onClick={detail.refetch}>
            Try again
          </button>
        </div>
      </>
    );
  }
  return (
    <div data-testid="vendor-detail" data-vendor={provider}>
      {head}
      <p class="muted">
        Fetched <time dateTime={account.fetchedAt} data-field="fetchedAt">{formatInstantSeconds(account.fetchedAt)}</time>, <span data-field="ageSeconds">{formatAge(account.ageSeconds)}</span> ago
        {account.stale ? (
          <>
            {' '}
            — <strong class="warn">stale</strong>: {account.staleReason?.message}
          </>
        ) : null}
        .
      </p>
      <h2>Endpoints</h2>
      <DataTable caption={`${name} requests per endpoint`} testId="endpoints" columns={ENDPOINT_COLUMNS} rows={account.endpoints} empty={`${name} reports no per-endpoint usage.`} />
      <h2>Quota history</h2>
      {account.quotas.length === 0 ? <Empty>{name} reports no quota.</Empty> : null}
      {account.quotas.map((quota, index) => (
        <section class="history" aria-label={`History of ${quota.name}`} data-testid={`quota-history-${quota.name}`}>
          <h3 class="mono">{quota.name}</h3>
          <History title={quota.name} testId={`history-${index}`} points={quota.history} limit={quota.limit ?? null} failed={errorsAt(errors, 'account', 'quotas', index, 'history').length > 0} />
        </section>
      ))}
      <h2>Period counters</h2>
      <DataTable caption={`${name} counters per period`} testId="periods" columns={PERIOD_COLUMNS} rows={account.periods} empty={`${name} reports no period counters.`} />
      {account.periods.map((period, index) => (
        <section class="history" aria-label={`History of ${period.metric}`} data-testid={`period-history-${index}`}>
          <h3 class="mono">{period.metric}{period.resourceId ? ` · ${period.resourceId}` : ''}</h3>
          <History title={`${period.metric} this month`} testId={`period-${index}`} points={period.history} failed={errorsAt(errors, 'account', 'periods', index, 'history').length > 0} />
        </section>
      ))}
    </div>
  );
}
