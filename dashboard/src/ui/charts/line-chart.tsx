import type { ComponentChildren } from 'preact';
import { formatCount, formatInstant } from '../format';

/** One point of a {@link LineChart}: an instant and the counter's value there. */
export interface LinePoint {
  at: string;
  value: number;
}

const WIDTH = 1000;
const HEIGHT = 200;
const PAD = { top: 10, right: 10, bottom: 24, left: 10 };

/**
 * A counter over time as an SVG line: each point a `circle` with `data-at` and `data-value` (the
 * raw number) and a `<title>` with the formatted value, so the numbers are in the DOM. The table
 * view (`children`, a DataTable of the same points) follows it in a disclosure.
 */
export function LineChart(props: { label: string; points: readonly LinePoint[]; limit?: number | null; testId: string; children?: ComponentChildren }) {
  const { points } = props;
  const times = points.map((point) => Date.parse(point.at));
  const values = points.map((point) => point.value);
  const minTime = Math.min(...times);
  const maxTime = Math.max(...times);
  const top = Math.max(...values, props.limit ?? 0, 1);
  const x = (time: number) => PAD.left + (maxTime === minTime ? (WIDTH - PAD.left - PAD.right) / 2 : ((time - minTime) / (maxTime - minTime)) * (WIDTH - PAD.left - PAD.right));
  const y = (value: number) => PAD.top + (1 - value / top) * (HEIGHT - PAD.top - PAD.bottom);
  const path = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${x(times[index]!).toFixed(1)},${y(point.value).toFixed(1)}`).join(' ');
  const first = points[0];
  const last = points.at(-1);
  return (
    <figure class="chart" data-testid={props.testId}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-label={`${props.label}: ${points.length} points`}>
        <title>{props.label}</title>
        <line class="axis" x1={PAD.left} x2={WIDTH - PAD.right} y1={HEIGHT - PAD.bottom} y2={HEIGHT - PAD.bottom} />
        {props.limit !== undefined && props.limit !== null ? (
          <line class="threshold limit" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(props.limit)} y2={y(props.limit)} data-value={props.limit}>
            <title>{`Limit ${formatCount(props.limit)}`}</title>
          </line>
        ) : null}
        <path class="line" d={path} />
        {points.map((point, index) => (
          <circle class="point" cx={x(times[index]!)} cy={y(point.value)} r={2.5} data-at={point.at} data-value={point.value}>
            <title>{`${formatInstant(point.at)}: ${formatCount(point.value)}`}</title>
          </circle>
        ))}
        {first && last ? (
          <>
            <text x={PAD.left} y={HEIGHT - 6}>
              {formatInstant(first.at)}
            </text>
            <text x={WIDTH - PAD.right} y={HEIGHT - 6} text-anchor="end">
              {formatInstant(last.at)}
            </text>
          </>
        ) : null}
      </svg>
      <figcaption class="visually-hidden">{props.label}</figcaption>
      {props.children ? (
        <details class="chart-table">
          <summary>Table view of {props.label}</summary>
          {props.children}
        </details>
      ) : null}
    </figure>
  );
}
