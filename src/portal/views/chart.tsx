/** @jsxImportSource hono/jsx */
// The balance-over-time chart: server-rendered SVG, one point per day, no script. Coordinates are
// display-only floats; the figures in the labels come from the exact values.
import { formatAmount } from "./format";

type Point = { date: string; balance: number };

const W = 760;
const H = 220;
const PAD = { left: 96, right: 16, top: 16, bottom: 28 };

export function BalanceChart({ points, currency }: { points: Point[]; currency: string }) {
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last) return <p class="muted">No days in this period.</p>;
  const values = points.map((p) => p.balance);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (points.length === 1 ? innerW / 2 : (i * innerW) / (points.length - 1));
  const y = (v: number) => PAD.top + innerH - ((v - min) / span) * innerH;
  const line = points.map((p, i) => `${x(i).toFixed(1)},${y(p.balance).toFixed(1)}`).join(" ");
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`Closing balance per day from ${first.date} to ${last.date}`}
      data-points={String(points.length)}
    >
      <line class="axis" x1={PAD.left} y1={PAD.top + innerH} x2={W - PAD.right} y2={PAD.top + innerH} />
      <line class="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={PAD.top + innerH} />
      <text class="label" x={PAD.left - 8} y={PAD.top + 4} text-anchor="end">
        {formatAmount(max, currency)}
      </text>
      <text class="label" x={PAD.left - 8} y={PAD.top + innerH} text-anchor="end">
        {formatAmount(min, currency)}
      </text>
      <text class="label" x={PAD.left} y={H - 8}>
        {first.date}
      </text>
      <text class="label" x={W - PAD.right} y={H - 8} text-anchor="end">
        {last.date}
      </text>
      <polyline class="line" points={line} />
      {points.map((p, i) => (
        <circle class="point" cx={x(i).toFixed(1)} cy={y(p.balance).toFixed(1)} r="3" data-date={p.date}>
          <title>{`${p.date}: ${formatAmount(p.balance, currency)} ${currency}`}</title>
        </circle>
      ))}
    </svg>
  );
}
