import { formatCount, formatInstant, formatPercent } from '../format';

/** A threshold mark on a gauge: the percentage of the limit at which an alert rule fires. */
export interface GaugeThreshold {
  percent: number;
  ruleId: string;
}

/** The forecast's projection of when the quota runs out, as the API gives it. */
export interface GaugeForecast {
  earliest: string | null;
  latest: string | null;
  exhaustsAt: string | null;
}

const WIDTH = 300;
const BAR_Y = 8;
const BAR_HEIGHT = 16;

/**
 * A quota as a horizontal gauge: the used share of the limit, a mark per alert threshold, and the
 * share past 100 % clipped (the text beside it says the exact figure). The SVG carries its numbers
 * (`data-value`, `data-limit`, `data-percent`) and a `<title>`, since screen readers and tests read
 * those rather than pixels.
 */
export function QuotaGauge(props: { name: string; used: number; limit: number | null; utilization: number | null; thresholds: readonly GaugeThreshold[] }) {
  const { used, limit, utilization } = props;
  const share = utilization === null ? 0 : Math.max(0, Math.min(1, utilization));
  const label = `${props.name}: ${formatCount(used)} of ${limit === null ? 'no limit' : formatCount(limit)} used (${formatPercent(utilization)})`;
  const level = utilization === null ? 'ok' : utilization >= 1 ? 'bad' : props.thresholds.some((threshold) => utilization * 100 >= threshold.percent) ? 'warn' : 'ok';
  return (
    <svg class="gauge" viewBox={`0 0 ${WIDTH} 32`} width="100%" role="img" aria-label={label} data-testid="gauge">
      <title>{label}</title>
      <rect class="track" x={0} y={BAR_Y} width={WIDTH} height={BAR_HEIGHT} rx={4} />
      <rect class={`used level-${level}`} x={0} y={BAR_Y} width={share * WIDTH} height={BAR_HEIGHT} rx={4} data-value={used} data-limit={limit ?? undefined} data-utilization={utilization ?? undefined}>
        <title>{label}</title>
      </rect>
      {props.thresholds.map((threshold) => {
        const x = Math.min(WIDTH - 1, (threshold.percent / 100) * WIDTH);
        return (
          <line class="threshold" x1={x} x2={x} y1={2} y2={30} data-percent={threshold.percent} data-rule={threshold.ruleId}>
            <title>{`Alert at ${threshold.percent} % (${threshold.ruleId})`}</title>
          </line>
        );
      })}
    </svg>
  );
}

/**
 * The forecast against the reset on a time axis from now: the band from `earliest` (the fast end
 * of the burn rate) to `latest` (the slow end), the projected `exhaustsAt`, and the reset mark. A
 * band reaching past the reset means the quota may hold; one before it means it will not.
 */
export function ForecastBand(props: { forecast: GaugeForecast; resetsAt: string | null; now: number }) {
  const { forecast, resetsAt, now } = props;
  const times = [forecast.earliest, forecast.latest, forecast.exhaustsAt, resetsAt].filter((value): value is string => value !== null).map((value) => Date.parse(value));
  if (times.length === 0 || forecast.earliest === null) return null;
  const end = Math.max(...times, now + 3_600_000);
  const start = Math.min(now, ...times);
  const x = (iso: string) => ((Date.parse(iso) - start) / (end - start || 1)) * WIDTH;
  const bandEnd = forecast.latest === null ? WIDTH : x(forecast.latest);
  const label = `Runs out between ${formatInstant(forecast.earliest)} and ${forecast.latest === null ? 'never (at the slow end)' : formatInstant(forecast.latest)}${resetsAt ? `; resets ${formatInstant(resetsAt)}` : ''}`;
  return (
    <svg class="forecast" viewBox={`0 0 ${WIDTH} 24`} width="100%" role="img" aria-label={label} data-testid="forecast-band">
      <title>{label}</title>
      <rect class="track" x={0} y={8} width={WIDTH} height={8} rx={2} />
      <rect class="band" x={x(forecast.earliest)} y={4} width={Math.max(2, bandEnd - x(forecast.earliest))} height={16} data-earliest={forecast.earliest} data-latest={forecast.latest ?? undefined}>
        <title>{label}</title>
      </rect>
      {forecast.exhaustsAt !== null ? (
        <line class="projection" x1={x(forecast.exhaustsAt)} x2={x(forecast.exhaustsAt)} y1={2} y2={22} data-at={forecast.exhaustsAt}>
          <title>{`Runs out at ${formatInstant(forecast.exhaustsAt)} at the current pace`}</title>
        </line>
      ) : null}
      {resetsAt !== null ? (
        <line class="reset" x1={x(resetsAt)} x2={x(resetsAt)} y1={0} y2={24} data-at={resetsAt}>
          <title>{`Resets at ${formatInstant(resetsAt)}`}</title>
        </line>
      ) : null}
    </svg>
  );
}
