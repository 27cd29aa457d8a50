/**
 * A small live time-series chart (uPlot). The chart object is made once per mounted component and
 * fed new data with setData, so a 2 s refresh does not rebuild the canvas. uPlot sizes its nodes
 * through element.style (the CSSOM), which the console's `style-src 'self'` policy allows; so do
 * the legend's colour swatches (Preact sets a style object through the CSSOM too). The legend is
 * ours, compact, with each series' latest value; uPlot's own is hidden.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { isSparse } from './sparse.ts';

export interface ChartSeries {
  label: string;
  /** CSS colour of the line. */
  stroke: string;
  /** Unit shown after values in the legend (`/s`, `ms`). */
  unit: string;
}

export interface ChartProps {
  /** Accessible name: what the chart shows. */
  title: string;
  series: ChartSeries[];
  /** x (seconds since the epoch) then one array per series. */
  data: [number[], ...(number | null)[][]];
  height?: number;
  /** The x axis spans this many seconds up to the latest reading (default 120). */
  windowSec?: number;
}

const WIDTH_PX = 360;
const MIN_SPAN_SEC = 20;

/** uPlot's points.show: series `i` is drawn as points while it has too few values for a line. */
function sparse(u: uPlot, i: number): boolean {
  return isSparse(u.data[i] ?? []);
}

export function Chart({ title, series, data, height = 140, windowSec = 120 }: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const key = series.map((s) => s.label).join('|');

  useEffect(() => {
    const el = host.current;
    if (el === null) return;
    const opts: uPlot.Options = {
      width: Math.max(240, Math.min(WIDTH_PX, el.clientWidth || WIDTH_PX)),
      height,
      series: [
        {},
        // Points while a series has too few values to draw a line (an isolated value between gaps
        // would otherwise not show at all).
        ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, points: { show: sparse, size: 5 } })),
      ],
      axes: [{ space: 60 }, { size: 44 }],
      legend: { show: false },
      scales: {
        // The readings so far (at least 20 s, at most windowSec), ending at the latest one.
        x: {
          time: true,
          range: (u: uPlot) => {
            const xs = u.data[0];
            const last = xs.at(-1) ?? Date.now() / 1000;
            const span = Math.min(windowSec, Math.max(MIN_SPAN_SEC, last - (xs[0] ?? last)));
            return [last - span, last];
          },
        },
        y: { range: (_u: uPlot, _min: number, max: number) => [0, max > 0 ? max * 1.1 : 1] },
      },
      cursor: { drag: { x: false, y: false } },
    };
    plot.current = new uPlot(opts, data as uPlot.AlignedData, el);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series change; data flows through setData below.
  }, [key, height, windowSec]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  const latest = (i: number): string => {
    const v = data[i + 1]?.at(-1);
    return v === null || v === undefined ? '–' : `${Number(v.toFixed(2))}${series[i]?.unit ?? ''}`;
  };
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={host} role="img" aria-label={title} />
      <ul class="legend">
        {series.map((s, i) => (
          <li key={s.label}>
            <span class="swatch" style={{ backgroundColor: s.stroke }} aria-hidden="true" />
            {s.label} {latest(i)}
          </li>
        ))}
      </ul>
    </figure>
  );
}
