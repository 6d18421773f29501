/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// Stacked bar charts drawn as inline SVG on the server: no chart library, nothing loaded by the browser. Each bar
// names its values in a <title> (hover), and the same numbers are in a table for screen readers and keyboards.
import type { FC } from "hono/jsx";

export interface ChartBucket {
  /** Shown under the bar and in its title, e.g. "2026-12-01" or "21:34". */
  label: string;
  /** One value per series, in series order. */
  values: number[];
}

export interface BarChartProps {
  caption: string;
  /** Names of the stacked series; one series draws plain bars and no legend. */
  series: string[];
  buckets: ChartBucket[];
  unit: string;
}

const W = 420;
const H = 170;
const PAD = { left: 56, right: 6, top: 12, bottom: 24 };
const COLOURS = 8;

export const BarChart: FC<BarChartProps> = ({ caption, series, buckets, unit }) => {
  const totals = buckets.map((b) => b.values.reduce((a, v) => a + v, 0));
  const max = Math.max(1, ...totals);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / Math.max(1, buckets.length);
  const barW = Math.max(1, step * 0.8);
  const y = (v: number): number => (v / max) * plotH;
  const sum = totals.reduce((a, v) => a + v, 0);
  const summary = `${caption}: ${sum.toLocaleString("en-US")} ${unit} over ${buckets.length} ${buckets.length === 1 ? "bar" : "bars"}, at most ${max.toLocaleString("en-US")} in one`;
  return (
    <figure class="panel chart-figure">
      <figcaption>
        <h2>{caption}</h2>
      </figcaption>
      <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary}>
        <line class="axis" x1={PAD.left} y1={PAD.top + plotH} x2={W - PAD.right} y2={PAD.top + plotH} />
        <line class="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={PAD.top + plotH} />
        <text x={PAD.left - 6} y={PAD.top + 5} text-anchor="end">
          {max.toLocaleString("en-US")}
        </text>
        <text x={PAD.left - 6} y={PAD.top + plotH} text-anchor="end">
          0
        </text>
        {buckets.map((b, i) => {
          let base = PAD.top + plotH;
          const x = PAD.left + i * step + (step - barW) / 2;
          const title = `${b.label}: ${series.length > 1 ? b.values.map((v, s) => `${series[s]} ${v}`).join(", ") : `${b.values[0] ?? 0} ${unit}`}`;
          return (
            <g>
              <title>{title}</title>
              {b.values.map((v, s) => {
                const h = y(v);
                base -= h;
                return v > 0 ? <rect class={series.length > 1 ? `c${s % COLOURS}` : "bar"} x={x} y={base} width={barW} height={h} /> : null;
              })}
            </g>
          );
        })}
        {buckets.length > 0 && (
          <>
            <text x={PAD.left} y={H - 4}>
              {buckets[0]!.label}
            </text>
            <text x={W - PAD.right} y={H - 4} text-anchor="end">
              {buckets[buckets.length - 1]!.label}
            </text>
          </>
        )}
      </svg>
      {series.length > 1 && (
        <ul class="legend">
          {series.map((name, s) => (
            <li>
              <span class={`swatch c${s % COLOURS}`}></span>
              {name}
            </li>
          ))}
        </ul>
      )}
      <details id={`data-${caption.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`}>
        <summary>Data</summary>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                {series.map((name) => (
                  <th scope="col" class="num">
                    {name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {buckets
                .filter((_, i) => totals[i]! > 0)
                .map((b) => (
                  <tr>
                    <th scope="row">{b.label}</th>
                    {b.values.map((v) => (
                      <td class="num">{v.toLocaleString("en-US")}</td>
                    ))}
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
};
