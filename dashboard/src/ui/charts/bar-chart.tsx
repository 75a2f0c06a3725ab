import { formatCount } from '../format';

/** One bar: a UTC day (`YYYY-MM-DD`) and its raw counter. */
export interface DayBar {
  date: string;
  value: number;
}

/** The drawing's width in SVG units; the bars share it, so 90 days fit as well as 1. */
const WIDTH = 720;
const PLOT_HEIGHT = 160;
const TOP = 16;
const BOTTOM = 22;

/**
 * Bars per UTC day, drawn as SVG so that every number stays in the DOM: each bar is a `rect` with
 * `data-date` and `data-value` (the raw counter) and a `<title>` with the formatted value, which
 * browsers show on hover. A day without usage is a bar of height zero, still present, so the bars
 * line up with the days of the range. The chart is an image to assistive technology (its summary
 * is its label); the table view beside it carries the same numbers for reading.
 */
export function BarChart(props: { bars: readonly DayBar[]; label: string; unit: string; testId: string }) {
  const { bars, label, unit, testId } = props;
  const max = bars.reduce((highest, bar) => Math.max(highest, bar.value), 0);
  const slot = WIDTH / Math.max(bars.length, 1);
  const barWidth = Math.max(slot * 0.8, 1);
  const height = TOP + PLOT_HEIGHT + BOTTOM;
  const base = TOP + PLOT_HEIGHT;
  const first = bars[0];
  const last = bars[bars.length - 1];
  const summary = `${label}: ${bars.length} days, highest ${formatCount(max)} ${unit}`;
  return (
    <div class="day-bars">
      <svg data-testid={testId} viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={summary} class="bar-chart">
        <line class="axis" x1={0} x2={WIDTH} y1={base + 0.5} y2={base + 0.5} />
        {/* A tick under every day, so that a day at zero still shows where it is. */}
        {bars.map((_bar, index) => (
          <line class="axis" x1={index * slot + slot / 2} x2={index * slot + slot / 2} y1={base} y2={base + 5} />
        ))}
        {bars.map((bar, index) => {
          const barHeight = max === 0 ? 0 : (bar.value / max) * PLOT_HEIGHT;
          const x = index * slot + (slot - barWidth) / 2;
          return (
            <rect class="bar" x={x} y={base - barHeight} width={barWidth} height={barHeight} data-date={bar.date} data-value={String(bar.value)}>
              <title>{`${bar.date}: ${formatCount(bar.value)} ${unit}`}</title>
            </rect>
          );
        })}
        <text x={0} y={TOP - 4}>{`max ${formatCount(max)}`}</text>
        {first ? <text x={0} y={height - 6}>{first.date}</text> : null}
        {last && last !== first ? (
          <text x={WIDTH} y={height - 6} text-anchor="end">
            {last.date}
          </text>
        ) : null}
      </svg>
    </div>
  );
}
