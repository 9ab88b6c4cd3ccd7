import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  /** One value per epoch of `epochs` (null: not measured that epoch). */
  values: readonly (number | null)[];
  /** A CSS colour expression, resolved against the page's theme (`var(--training-loss)`). */
  color: string;
  dash?: boolean;
}

interface EpochChartProps {
  title: string;
  epochs: readonly number[];
  /** The last epoch the run will reach: the x axis spans the whole run from the start. */
  totalEpochs: number;
  series: readonly ChartSeries[];
  /** Fixed y range (recall lives in 0…1); absent: fitted to the data. */
  yRange?: [number, number];
  /** How a y tick reads (a percentage, an exponent). */
  formatY?: (v: number) => string;
  /** Shown over the plot while there is no point yet (its axes would only show uPlot's placeholder range). */
  emptyText?: string;
  /** Logarithmic y (learning rates span decades). */
  logY?: boolean;
  testId: string;
  height?: number;
}

/**
 * Canvas charts cannot read CSS variables, and the theme's colours are light-dark()
 * expressions: a hidden probe lets the browser resolve each against the theme showing now.
 */
function resolveColor(probe: HTMLElement, css: string): string {
  probe.style.color = '';
  probe.style.color = css;
  return getComputedStyle(probe).color;
}

/** Bumps whenever the shown theme changes (the shell pins it on <html data-theme>). */
function useThemeVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const observer = new MutationObserver(() => setVersion((v) => v + 1));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => observer.disconnect();
  }, []);
  return version;
}

/**
 * One per-epoch chart of a training run, drawn by uPlot (a small, fast canvas chart
 * library). The chart is built once per theme and series set; new epochs only call
 * setData, so a live run redraws cheaply. `data-points` carries the epochs drawn, for tests
 * and for assistive text.
 */
export function EpochChart({ title, epochs, totalEpochs, series, yRange, formatY, logY, testId, emptyText, height = 170 }: EpochChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const probe = useRef<HTMLSpanElement>(null);
  const plot = useRef<uPlot | null>(null);
  const theme = useThemeVersion();
  const seriesKey = series.map((s) => `${s.label}|${s.color}|${s.dash ? 1 : 0}`).join(';');
  const data: uPlot.AlignedData = [epochs.slice(), ...series.map((s) => s.values.map((v) => (v === null || !Number.isFinite(v) || (logY && v <= 0) ? null : v)))];
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const el = host.current;
    const p = probe.current;
    if (!el || !p) return;
    const text = resolveColor(p, 'var(--muted)');
    const grid = resolveColor(p, 'var(--border)');
    const axis: uPlot.Axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false, range: (_u, min, max) => [1, Math.max(totalEpochs, max || 1, min || 1, 2)] },
        y: logY ? { distr: 3 } : yRange ? { range: () => yRange } : { range: (_u, min, max) => uPlot.rangeNum(min, max, 0.1, true) },
      },
      axes: [
        { ...axis, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500], values: (_u, ticks) => ticks.map((v) => String(v)) },
        // No labels before the first point: the range is uPlot's placeholder, not the data's.
        { ...axis, size: 52, values: (_u, ticks) => ticks.map((v) => (latest.current[0].length === 0 ? '' : formatY ? formatY(v) : String(v))) },
      ],
      series: [
        { label: '' },
        ...series.map((s) => ({ label: s.label, stroke: resolveColor(p, s.color), width: 2, dash: s.dash ? [6, 4] : undefined, points: { show: true, size: 5 }, spanGaps: true })),
      ],
    };
    const chart = new uPlot(opts, latest.current, el);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // Rebuilt for a new theme or series set; data changes go through setData below.
  }, [theme, seriesKey, totalEpochs, height, logY, yRange, formatY]);

  const dataKey = JSON.stringify(data);
  useEffect(() => {
    plot.current?.setData(latest.current);
  }, [dataKey]);

  const drawn = epochs.length;
  return (
    <figure className="training-chart" data-testid={testId} data-points={drawn}>
      <figcaption>{title}</figcaption>
      <span ref={probe} className="training-chart-probe" aria-hidden="true" />
      <div ref={host} className="training-chart-plot" role="img" aria-label={title} />
      {drawn === 0 && emptyText ? <p className="training-chart-empty muted">{emptyText}</p> : null}
    </figure>
  );
}
