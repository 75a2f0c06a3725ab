import { useQuery } from '../api/use-query';
import type { OverviewQuery } from '../gql/graphql';
import { OverviewDocument } from '../gql/graphql';
import { hrefFor, rangeOf } from '../route';
import { ForecastBand, QuotaGauge, type GaugeThreshold } from '../ui/charts/gauge';
import { formatAge, formatCount, formatInstant, formatInstantSeconds, formatPercent } from '../ui/format';
import { Link } from '../ui/link';
import { Empty, Failure, Loading } from '../ui/states';

type AccountResult = NonNullable<OverviewQuery['accounts']>[number];
type Account = NonNullable<AccountResult['account']>;
type Quota = Account['quotas'][number];
type Rule = OverviewQuery['alertRules'][number];

/** The utilization thresholds of the rules in force that watch this vendor's quota. */
export function thresholdsFor(rules: readonly Rule[], provider: string, quota: string): GaugeThreshold[] {
  return rules
    .filter((rule) => rule.kind === 'UTILIZATION' && rule.percent !== null && rule.percent !== undefined)
    .filter((rule) => rule.provider === null || rule.provider === undefined || rule.provider === provider)
    .filter((rule) => (rule.series ? rule.series === `quota:${quota}` : rule.quota === null || rule.quota === undefined || rule.quota === quota))
    .map((rule) => ({ percent: rule.percent!, ruleId: rule.id }))
    .sort((a, b) => a.percent - b.percent);
}

/** The forecast in words: a projection against the reset, or why there is none. */
function forecastWords(quota: Quota): string {
  const forecast = quota.forecast;
  if (!forecast) return 'No forecast: no samples of this quota yet.';
  switch (forecast.status) {
    case 'OK':
      return `Runs out ${formatInstant(forecast.exhaustsAt)} at the current pace${forecast.exhaustsBeforeReset === true ? ', before the reset' : forecast.exhaustsBeforeReset === false ? ', after the reset' : ''}.`;
    case 'EXHAUSTED':
      return 'Used up: the last sample is at or past the limit.';
    case 'NOT_BURNING':
      return 'Not in use in the last 24 hours: it does not run out at this pace.';
    case 'NOT_ENOUGH_DATA':
      return `Not enough samples for a forecast yet (${forecast.sampleCount}).`;
    case 'NO_LIMIT':
      return 'No limit to run out of.';
  }
}

/** A labelled value of the DOM contract: the text is the formatted value, `data-field` names it. */
function Fact(props: { label: string; field: string; text: string; iso?: string | null }) {
  return (
    <>
      <dt>{props.label}</dt>
      <dd>
        {props.iso ? (
          <time dateTime={props.iso} data-field={props.field}>
            {props.text}
          </time>
        ) : (
          <span data-field={props.field}>{props.text}</span>
        )}
      </dd>
    </>
  );
}

function QuotaBlock(props: { quota: Quota; thresholds: GaugeThreshold[]; now: number }) {
  const { quota } = props;
  const forecast = quota.forecast;
  return (
    <div class="quota" data-testid={`quota-${quota.name}`}>
      <h3>
        <span class="mono">{quota.name}</span>
        {quota.description ? <span class="muted"> · {quota.description}</span> : null}
      </h3>
      <QuotaGauge name={quota.name} used={quota.used} limit={quota.limit ?? null} utilization={quota.utilization ?? null} thresholds={props.thresholds} />
      <dl class="facts">
        <Fact label="Used" field="used" text={formatCount(quota.used)} />
        <Fact label="Limit" field="limit" text={formatCount(quota.limit)} />
        <Fact label="Remaining" field="remaining" text={formatCount(quota.remaining)} />
        <Fact label="Utilization" field="utilization" text={formatPercent(quota.utilization)} />
        <Fact label="Resets" field="resetsAt" text={formatInstant(quota.resetsAt)} iso={quota.resetsAt} />
      </dl>
      {props.thresholds.length > 0 ? <p class="hint">Alerts at {props.thresholds.map((threshold) => `${threshold.percent} %`).join(' and ')} of the limit.</p> : null}
      <p class="forecast-words" data-testid="forecast" data-status={forecast?.status ?? 'NONE'}>
        {forecastWords(quota)}
      </p>
      {forecast && forecast.status === 'OK' ? <ForecastBand forecast={{ earliest: forecast.earliest ?? null, latest: forecast.latest ?? null, exhaustsAt: forecast.exhaustsAt ?? null }} resetsAt={quota.resetsAt ?? null} now={props.now} /> : null}
    </div>
  );
}

function VendorCard(props: { result: AccountResult; rules: readonly Rule[]; range: string; now: number }) {
  const { result } = props;
  const kind = result.provider.kind;
  const account = result.account;
  const headingId = `card-${kind}`;
  return (
    <section class="card" data-testid={`vendor-card-${kind}`} aria-labelledby={headingId}>
      <h2 id={headingId}>
        <Link href={hrefFor('vendor', { vendor: kind, range: props.range })} testId={`vendor-link-${kind}`}>
          {result.provider.name}
        </Link>
        {result.provider.simulated ? <span class="badge">simulated</span> : null}
      </h2>
      {result.error ? (
        <div class="state failure" role="alert" data-testid="vendor-error">
          <p>
            <code data-field="error.code">{result.error.code}</code> <span data-field="error.message">{result.error.message}</span>
          </p>
          {result.error.retryAfterSeconds !== null && result.error.retryAfterSeconds !== undefined ? (
            <p class="hint">
              Retry after <span data-field="error.retryAfterSeconds">{formatCount(result.error.retryAfterSeconds)}</span> s.
            </p>
          ) : null}
        </div>
      ) : null}
      {account ? (
        <>
          {account.stale ? (
            <p class="state stale" data-testid="stale">
              Stale: the last good answer, kept because the vendor failed
              {account.staleReason ? (
                <>
                  {' '}
                  (<code data-field="staleReason.code">{account.staleReason.code}</code>: <span data-field="staleReason.message">{account.staleReason.message}</span>)
                </>
              ) : null}
              .
            </p>
          ) : null}
          <dl class="facts">
            <Fact label="Fetched" field="fetchedAt" text={formatInstantSeconds(account.fetchedAt)} iso={account.fetchedAt} />
            <Fact label="Age" field="ageSeconds" text={formatAge(account.ageSeconds)} />
            <Fact label="Plan" field="plan.tier" text={account.plan?.tier ?? '—'} />
            <Fact label="Plan monthly limit" field="plan.monthlyLimit" text={formatCount(account.plan?.monthlyLimit)} />
            <Fact label="Plan requests/min" field="plan.requestsPerMinute" text={formatCount(account.plan?.requestsPerMinute)} />
            <Fact label="Rate limit/min" field="rateLimit.requestsPerMinute" text={formatCount(account.rateLimit?.requestsPerMinute)} />
            <Fact label="Rate limit left" field="rateLimit.remaining" text={formatCount(account.rateLimit?.remaining)} />
            <Fact label="Rate limit resets" field="rateLimit.resetsAt" text={formatInstant(account.rateLimit?.resetsAt)} iso={account.rateLimit?.resetsAt ?? null} />
          </dl>
          {account.quotas.length === 0 ? <p class="muted">This vendor reports no quota.</p> : null}
          {account.quotas.map((quota) => (
            <QuotaBlock quota={quota} thresholds={thresholdsFor(props.rules, kind, quota.name)} now={props.now} />
          ))}
        </>
      ) : null}
    </section>
  );
}

/** Overview: a card per configured vendor; a failing vendor's card shows its error and never hides the others. */
export function OverviewPage(props: { params: URLSearchParams }) {
  const overview = useQuery(OverviewDocument);
  const range = rangeOf(props.params);
  if (overview.status === 'loading') return <Loading what="vendors" />;
  if (overview.status === 'failed') return <Failure error={overview.error} retry={overview.refetch} />;
  const accounts = overview.answer.data?.accounts;
  const rules = overview.answer.data?.alertRules ?? [];
  const now = Date.now();
  return (
    <>
      <div class="page-head">
        <h1>Overview</h1>
        <button type="button" class="secondary" onClick={overview.refetch} disabled={overview.refreshing} data-testid="refresh">
          Refresh
        </button>
      </div>
      {accounts === null || accounts === undefined ? (
        <Failure error={new Error(overview.answer.errors[0]?.message ?? 'The gateway did not list the vendors.')} retry={overview.refetch} />
      ) : accounts.length === 0 ? (
        <Empty>No vendor is configured on this gateway.</Empty>
      ) : (
        <div class="cards">
          {accounts.map((result) => (
            <VendorCard result={result} rules={rules} range={range} now={now} />
          ))}
        </div>
      )}
    </>
  );
}
