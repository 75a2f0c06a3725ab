import { useQuery } from '../api/use-query';
import { setParams } from '../route';
import { useAccess } from '../session';
import { AlertsFeedDocument, type AlertsFeedQuery } from '../gql/graphql';
import { formatCount, formatInstant, formatInstantSeconds } from '../ui/format';
import { Empty, Failure, Loading } from '../ui/states';
import { csvNumber } from '../ui/csv';
import { DataTable, type Column } from '../ui/table';
import { useAlertFeed, type AlertEvent, type FeedStatus } from './use-alert-feed';

type Rule = AlertsFeedQuery['alertRules'][number];

/** A rule's threshold in words: `80 %`, `1,000,000 calls`, or the projection. */
function thresholdText(event: Pick<AlertEvent, 'threshold' | 'ruleId'>, rules: readonly Rule[]): string {
  const rule = rules.find((entry) => entry.id === event.ruleId);
  if (event.threshold === null || event.threshold === undefined) return 'projected exhaustion';
  return rule?.kind === 'UTILIZATION' ? `${event.threshold} %` : formatCount(event.threshold);
}

const FIRING_COLUMNS = (rules: readonly Rule[]): ReadonlyArray<Column<AlertEvent>> => [
  { header: 'Vendor', csv: (row) => row.provider },
  { header: 'Series', csv: (row) => row.series, cell: (row) => <span class="mono">{row.series}</span> },
  { header: 'Rule', csv: (row) => row.ruleId },
  { header: 'Threshold', csv: (row) => csvNumber(row.threshold), cell: (row) => <span data-field="threshold">{thresholdText(row, rules)}</span> },
  { header: 'Value', csv: (row) => String(row.value), cell: (row) => <span data-field="value">{formatCount(row.value)}</span>, numeric: true },
  { header: 'Limit', csv: (row) => csvNumber(row.limit), cell: (row) => <span data-field="limit">{formatCount(row.limit)}</span>, numeric: true },
  { header: 'Fired at', csv: (row) => row.at, cell: (row) => <time dateTime={row.at} data-field="at">{formatInstant(row.at)}</time> },
];

const RULE_COLUMNS: ReadonlyArray<Column<Rule>> = [
  { header: 'Rule', csv: (row) => row.id },
  { header: 'Kind', csv: (row) => row.kind },
  { header: 'Percent', csv: (row) => csvNumber(row.percent), cell: (row) => (row.percent === null || row.percent === undefined ? '—' : `${row.percent} %`), numeric: true },
  { header: 'Vendor', csv: (row) => row.provider ?? '', cell: (row) => row.provider ?? 'every vendor' },
  { header: 'Quota', csv: (row) => row.quota ?? '', cell: (row) => row.quota ?? 'every quota' },
];

function StatusLine(props: { status: FeedStatus }) {
  const { status } = props;
  const text =
    status.state === 'live'
      ? 'Live: new events appear as they are recorded.'
      : status.state === 'connecting'
        ? 'Connecting to the live feed…'
        : status.state === 'reconnecting'
          ? `The live feed dropped (${status.reason}); reconnecting in ${Math.ceil(status.inMs / 1000)} s.`
          : `No live feed: ${status.reason}`;
  return (
    <p class={`feed-status ${status.state}`} role="status" aria-live="polite" data-testid="live-status" data-state={status.state}>
      {text}
    </p>
  );
}

function EventItem(props: { event: AlertEvent; rules: readonly Rule[] }) {
  const { event } = props;
  return (
    <li class={`alert-event ${event.kind === 'FIRED' ? 'fired' : 'resolved'}`} data-testid="alert-event" data-key={event.key} data-kind={event.kind} data-id={event.id}>
      <strong class={event.kind === 'FIRED' ? 'bad' : 'ok'}>{event.kind === 'FIRED' ? 'Fired' : 'Resolved'}</strong> <span data-field="provider">{event.provider}</span> <span class="mono" data-field="series">{event.series}</span>{' '}
      <span class="muted">
        ({event.ruleId}, <span data-field="threshold">{thresholdText(event, props.rules)}</span>)
      </span>
      : <span data-field="value">{formatCount(event.value)}</span>
      {event.limit !== null && event.limit !== undefined ? (
        <>
          {' '}
          of <span data-field="limit">{formatCount(event.limit)}</span>
        </>
      ) : null}
      {event.reason ? <span class="muted"> · {event.reason.toLowerCase().replace(/_/g, ' ')}</span> : null} ·{' '}
      <time dateTime={event.at} data-field="at">
        {formatInstantSeconds(event.at)}
      </time>
    </li>
  );
}

/**
 * Says each event the live stream brings, politely, to a screen reader. The list itself is not a
 * live region: the recorded events it fills with on opening (hundreds) would all be read out.
 */
function LiveAnnouncement(props: { event: AlertEvent | null; rules: readonly Rule[] }) {
  const { event } = props;
  return (
    <p class="visually-hidden" aria-live="polite" data-testid="alert-announcement" data-id={event?.id}>
      {event
        ? `${event.kind === 'FIRED' ? 'Fired' : 'Resolved'}: ${event.provider} ${event.series} (${event.ruleId}, ${thresholdText(event, props.rules)}), ${formatCount(event.value)}${event.limit !== null && event.limit !== undefined ? ` of ${formatCount(event.limit)}` : ''}.`
        : ''}
    </p>
  );
}

/** The vendor filter (`?vendor=`), offered to callers who may read the vendors. */
function VendorFilter(props: { vendor: string | null }) {
  const access = useAccess();
  if (access.providers.length === 0) return null;
  return (
    <div class="toolbar">
      <div>
        <label for="alert-vendor">Vendor</label>
        <select id="alert-vendor" data-testid="alert-vendor" value={props.vendor ?? ''} onChange={(event) => setParams({ vendor: event.currentTarget.value || null })}>
          <option value="">All vendors</option>
          {access.providers.map((provider) => (
            <option value={provider.kind}>{provider.name}</option>
          ))}
        </select>
      </div>
    </div>
  );
}

/**
 * Alerts: the alerts firing now and every recorded event, kept current by the live subscription;
 * `?vendor=` narrows both to one vendor (the stream stays whole, so a change of filter loses nothing).
 */
export function AlertsPage(props: { params: URLSearchParams }) {
  const overview = useQuery(AlertsFeedDocument);
  const feed = useAlertFeed();
  const vendor = props.params.get('vendor');
  const shown = (event: AlertEvent) => vendor === null || event.provider === vendor;
  if (overview.status === 'loading') return <Loading what="alerts" />;
  if (overview.status === 'failed') return <Failure error={overview.error} retry={overview.refetch} />;
  const rules = overview.answer.data?.alertRules ?? [];
  // The stream's first message replaces the firing set the query read, and events keep it current
  // (through a reconnect too: an empty set then means nothing fires, not "ask the query again").
  const firing = (feed.firing ?? overview.answer.data?.firingAlerts ?? []).filter(shown);
  const events = feed.events.filter(shown);
  return (
    <>
      <h1>Alerts</h1>
      <StatusLine status={feed.status} />
      <LiveAnnouncement event={feed.latestLive && shown(feed.latestLive) ? feed.latestLive : null} rules={rules} />
      <VendorFilter vendor={vendor} />
      <h2>Firing now</h2>
      <DataTable caption="Alerts firing now" testId="firing-alerts" columns={FIRING_COLUMNS(rules)} rows={firing} empty="No alert is firing." />
      <h2>Events</h2>
      {feed.historyError ? <p class="state failure">The recorded events cannot be read just now: {feed.historyError}</p> : null}
      {events.length === 0 ? <Empty>{vendor === null ? 'No alert has fired yet.' : `No alert of ${vendor} has fired yet.`}</Empty> : null}
      <ol class="alert-feed" data-testid="alert-feed" aria-label="Alert events, newest first">
        {events.map((event) => (
          <EventItem key={event.id} event={event} rules={rules} />
        ))}
      </ol>
      <h2>Rules in force</h2>
      <DataTable caption="Alert rules in force" testId="alert-rules" columns={RULE_COLUMNS} rows={rules} empty="No rule is in force (alerting is off)." />
    </>
  );
}
