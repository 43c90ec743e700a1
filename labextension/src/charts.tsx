/**
 * A small SVG line chart drawn as React elements (never an HTML string), styled with
 * JupyterLab's CSS variables so light and dark themes both work.
 */
import React, { useEffect, useRef, useState } from 'react';

import { formatTick } from './format';

/** Series colors: theme variables first, then fixed fallbacks readable on light and dark. */
export const PALETTE = [
  'var(--jp-brand-color1, #1976d2)',
  'var(--jp-warn-color1, #f57c00)',
  'var(--jp-success-color1, #388e3c)',
  'var(--jp-error-color1, #d32f2f)',
  '#8e24aa',
  '#00897b',
  '#6d4c41',
  '#c2185b',
  '#7cb342',
  '#5c6bc0'
];

export function seriesColor(index: number): string {
  return PALETTE[index % PALETTE.length];
}

export interface ISeries {
  /** Legend text (a run name): rendered as a text node. */
  label: string;
  color: string;
  /** [step, value] pairs; non-finite values break the line and are counted as hidden. */
  points: Array<[number, number]>;
}

export interface ILineChartProps {
  title: string;
  series: ISeries[];
  testid: string;
  width?: number;
  height?: number;
  legend?: boolean;
  /** Draw a dot at every finite point (`circle.mlops-chart-marker`, with `data-x`/`data-y`). */
  markers?: boolean;
  /** Text for an x value (axis ends and dot tooltips); default: a number. */
  formatX?(x: number): string;
  /** Text for a y value in dot tooltips; default: a number. */
  formatY?(y: number): string;
  /** Always show at least this y range (e.g. [0, 1] for a share). */
  yDomain?: [number, number];
  /** A dashed horizontal line (a threshold), with a label at its right end. */
  reference?: { value: number; label: string };
  /** Clicking a dot: the series index and the point's index in that series. */
  onPointClick?(series: number, index: number): void;
}

const PAD = { left: 44, right: 10, top: 20, bottom: 20 };

/** Split a series at non-finite values so a NaN does not draw a line to nowhere. */
function segments(points: Array<[number, number]>): Array<Array<[number, number]>> {
  const out: Array<Array<[number, number]>> = [];
  let current: Array<[number, number]> = [];
  for (const point of points) {
    if (Number.isFinite(point[0]) && Number.isFinite(point[1])) {
      current.push(point);
    } else if (current.length) {
      out.push(current);
      current = [];
    }
  }
  if (current.length) {
    out.push(current);
  }
  return out;
}

/** At most `max` points per series (every k-th plus the last), so long histories stay cheap to draw. */
export function thin(points: Array<[number, number]>, max = 800): Array<[number, number]> {
  if (points.length <= max) {
    return points;
  }
  const step = Math.ceil(points.length / max);
  const out = points.filter((_, i) => i % step === 0);
  if (out[out.length - 1] !== points[points.length - 1]) {
    out.push(points[points.length - 1]);
  }
  return out;
}

function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) {
      lo = v;
    }
    if (v > hi) {
      hi = v;
    }
  }
  return [lo, hi];
}

/** The colour key under a chart (series labels as text). */
function Legend(props: { series: Array<{ label: string; color: string }> }): React.ReactElement | null {
  if (props.series.length === 0) {
    return null;
  }
  return (
    <figcaption className="mlops-legend">
      {props.series.map((s, i) => (
        <span key={i} className="mlops-legend-item">
          <span className="mlops-swatch" style={{ background: s.color }} />
          {s.label}
        </span>
      ))}
    </figcaption>
  );
}

export function LineChart(props: ILineChartProps): React.ReactElement {
  const width = props.width ?? 320;
  const height = props.height ?? 140;
  const finite = props.series.flatMap(s => s.points.filter(p => Number.isFinite(p[0]) && Number.isFinite(p[1])));
  const hidden = props.series.reduce((n, s) => n + s.points.filter(p => !Number.isFinite(p[1])).length, 0);

  let body: React.ReactNode;
  if (finite.length === 0) {
    body = (
      <text className="mlops-chart-note" x={width / 2} y={height / 2} textAnchor="middle">
        no finite values
      </text>
    );
  } else {
    let [xMin, xMax] = extent(finite.map(p => p[0]));
    let [yMin, yMax] = extent(finite.map(p => p[1]));
    if (props.yDomain) {
      yMin = Math.min(yMin, props.yDomain[0]);
      yMax = Math.max(yMax, props.yDomain[1]);
    }
    if (props.reference && Number.isFinite(props.reference.value)) {
      yMin = Math.min(yMin, props.reference.value);
      yMax = Math.max(yMax, props.reference.value);
    }
    if (xMin === xMax) {
      xMin -= 1;
      xMax += 1;
    }
    if (yMin === yMax) {
      const d = Math.abs(yMin) * 0.05 || 1;
      yMin -= d;
      yMax += d;
    }
    const plotW = width - PAD.left - PAD.right;
    const plotH = height - PAD.top - PAD.bottom;
    const sx = (x: number) => PAD.left + ((x - xMin) / (xMax - xMin)) * plotW;
    const sy = (y: number) => PAD.top + (1 - (y - yMin) / (yMax - yMin)) * plotH;
    const yMid = (yMin + yMax) / 2;
    body = (
      <>
        <g className="mlops-chart-axis">
          <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={PAD.top + plotH} />
          <line x1={PAD.left} y1={PAD.top + plotH} x2={PAD.left + plotW} y2={PAD.top + plotH} />
        </g>
        <g className="mlops-chart-grid">
          <line x1={PAD.left} y1={sy(yMax)} x2={PAD.left + plotW} y2={sy(yMax)} />
          <line x1={PAD.left} y1={sy(yMid)} x2={PAD.left + plotW} y2={sy(yMid)} />
        </g>
        <g className="mlops-chart-ticks">
          <text x={PAD.left - 4} y={sy(yMax) + 3} textAnchor="end">
            {formatTick(yMax)}
          </text>
          <text x={PAD.left - 4} y={sy(yMid) + 3} textAnchor="end">
            {formatTick(yMid)}
          </text>
          <text x={PAD.left - 4} y={sy(yMin) + 3} textAnchor="end">
            {formatTick(yMin)}
          </text>
          <text x={PAD.left} y={height - 6} textAnchor="start">
            {(props.formatX ?? formatTick)(xMin)}
          </text>
          <text x={PAD.left + plotW} y={height - 6} textAnchor="end">
            {(props.formatX ?? formatTick)(xMax)}
          </text>
        </g>
        {props.reference && Number.isFinite(props.reference.value) && (
          <g className="mlops-chart-reference">
            <line x1={PAD.left} y1={sy(props.reference.value)} x2={PAD.left + plotW} y2={sy(props.reference.value)} />
            <text x={PAD.left + plotW - 2} y={sy(props.reference.value) - 3} textAnchor="end">
              {props.reference.label}
            </text>
          </g>
        )}
        {props.series.map((s, i) =>
          segments(thin(s.points)).map((seg, j) =>
            seg.length === 1 ? (
              <circle
                key={`${i}-${j}`}
                className="mlops-chart-point"
                cx={sx(seg[0][0])}
                cy={sy(seg[0][1])}
                r={2.5}
                style={{ fill: s.color }}
              >
                <title>{`${s.label}: step ${seg[0][0]}, ${seg[0][1]}`}</title>
              </circle>
            ) : (
              <polyline
                key={`${i}-${j}`}
                className="mlops-chart-line"
                points={seg.map(p => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ')}
                style={{ stroke: s.color }}
              >
                <title>{s.label}</title>
              </polyline>
            )
          )
        )}
        {props.markers &&
          props.series.map((s, i) =>
            s.points.map((p, j) =>
              Number.isFinite(p[0]) && Number.isFinite(p[1]) ? (
                <circle
                  key={`m-${i}-${j}`}
                  className={`mlops-chart-marker${props.onPointClick ? ' mlops-chart-marker-link' : ''}`}
                  cx={sx(p[0])}
                  cy={sy(p[1])}
                  r={3.5}
                  style={{ fill: s.color }}
                  data-x={p[0]}
                  data-y={p[1]}
                  data-series={i}
                  data-index={j}
                  onClick={props.onPointClick ? () => props.onPointClick?.(i, j) : undefined}
                >
                  <title>{`${s.label}: ${(props.formatX ?? formatTick)(p[0])}, ${(props.formatY ?? formatTick)(p[1])}`}</title>
                </circle>
              ) : null
            )
          )}
      </>
    );
  }

  return (
    <figure className="mlops-chart">
      <svg
        data-testid={props.testid}
        data-metric={props.title}
        className="mlops-chart-svg"
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        preserveAspectRatio="xMidYMid meet"
        role="img"
        aria-label={`${props.title} chart`}
      >
        <title>{props.title}</title>
        <text className="mlops-chart-title" x={PAD.left} y={13}>
          {props.title}
        </text>
        {hidden > 0 && (
          <text className="mlops-chart-note" x={width - PAD.right} y={13} textAnchor="end">
            {`${hidden} non-finite hidden`}
          </text>
        )}
        {body}
      </svg>
      {props.legend && <Legend series={props.series} />}
    </figure>
  );
}

/** One series of bars: a value per slot (a histogram bin's share, or a category's count). */
export interface IBarSeries {
  /** Legend text (a dataset version): rendered as a text node. */
  label: string;
  color: string;
  /** One value per entry of `labels`; non-finite or negative values draw no bar. */
  values: number[];
}

export interface IBarChartProps {
  /** Bold text at the top left (a column name): a text node, never markup. */
  title: string;
  /** Muted text at the top right ("histogram", "top 8 of 120"). */
  note?: string;
  /** `vertical`: a histogram, slots left to right; `horizontal`: one labelled row per slot. */
  orientation: 'vertical' | 'horizontal';
  /** One per slot: a bin's range or a category; the bar's tooltip, and the row label when horizontal. */
  labels: string[];
  series: IBarSeries[];
  /** Tooltip and value-label text for a bar. */
  format(value: number, slot: number, series: number): string;
  /** Vertical: text under the left end, middle and right end of the x axis. */
  axis?: [string, string, string];
  /** Vertical: y-axis tick text for a value (the top and the middle of the scale). */
  tick?(value: number): string;
  /** Slots drawn in italic and muted (an "other values" row). */
  muted?: number[];
  /** Shown instead of the bars when there are none. */
  empty?: string;
  testid: string;
  /** `data-*` attributes for the SVG element (tests find a chart by them). */
  attributes?: Record<string, string>;
  /** Pixels; the chart is drawn at this size (not scaled down), so its text stays readable. */
  width?: number;
  height?: number;
  legend?: boolean;
}

const BAR_FONT = 11;
const ROW = 20;

/** Cut a label to `max` characters with an ellipsis (the full text stays in the tooltip). */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(1, max - 1))}…` : text;
}

/**
 * The pixel width to draw at: the figure's content width (kept between `min` and 640 px, and
 * followed as the sidebar is resized), so the chart fills its grid cell without scaling its text.
 */
function useFigureWidth(figure: React.RefObject<HTMLElement>, min: number): number {
  const [width, setWidth] = useState(min);
  useEffect(() => {
    const element = figure.current;
    if (!element || typeof ResizeObserver === 'undefined') {
      return;
    }
    const measure = () => {
      const style = window.getComputedStyle(element);
      const inner = element.clientWidth - parseFloat(style.paddingLeft || '0') - parseFloat(style.paddingRight || '0');
      if (inner > 0) {
        setWidth(Math.round(Math.min(Math.max(inner, min), 640)));
      }
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [figure, min]);
  return width;
}

/**
 * A small SVG bar chart (React elements only): a histogram (vertical) or a ranked list of
 * categories (horizontal). Several series share each slot side by side (before/after).
 */
export function BarChart(props: IBarChartProps): React.ReactElement {
  const figure = useRef<HTMLElement>(null);
  const width = useFigureWidth(figure, props.width ?? 300);
  const slots = props.labels.length;
  const nSeries = Math.max(props.series.length, 1);
  const top = 22;
  const horizontal = props.orientation === 'horizontal';
  const height = props.height ?? (horizontal ? top + Math.max(slots, 1) * ROW * (nSeries > 1 ? 1.4 : 1) + 6 : 170);
  const values = props.series.flatMap(s => s.values.filter(v => Number.isFinite(v) && v > 0));
  const max = values.length ? Math.max(...values) : 0;
  const muted = new Set(props.muted ?? []);

  let body: React.ReactNode;
  if (slots === 0 || max <= 0) {
    body = (
      <text className="mlops-chart-note" x={width / 2} y={top + (height - top) / 2} textAnchor="middle">
        {props.empty ?? 'nothing to draw'}
      </text>
    );
  } else if (horizontal) {
    const labelW = Math.min(130, Math.round(width * 0.38));
    const valueW = 78;
    const plotX = labelW + 6;
    const plotW = Math.max(width - plotX - valueW, 20);
    const rowH = (height - top - 4) / slots;
    const barH = Math.min(14, (rowH - 4) / nSeries);
    const maxChars = Math.max(4, Math.floor(labelW / (BAR_FONT * 0.6)));
    body = (
      <>
        <line className="mlops-chart-axis-line" x1={plotX} y1={top - 2} x2={plotX} y2={height - 4} />
        {props.labels.map((label, slot) => {
          const y0 = top + slot * rowH + (rowH - barH * nSeries) / 2;
          const isMuted = muted.has(slot);
          return (
            <g key={slot} className={isMuted ? 'mlops-bar-row mlops-bar-muted' : 'mlops-bar-row'}>
              <text className="mlops-bar-label" x={labelW} y={y0 + (barH * nSeries) / 2 + 4} textAnchor="end">
                <title>{label}</title>
                {clip(label, maxChars)}
              </text>
              {props.series.map((s, i) => {
                const v = s.values[slot];
                const ok = Number.isFinite(v) && v > 0;
                const w = ok ? Math.max((plotW * v) / max, 1) : 0;
                const y = y0 + i * barH;
                const text = props.format(ok ? v : 0, slot, i);
                return (
                  <g key={i}>
                    <rect
                      className="mlops-bar"
                      x={plotX}
                      y={y}
                      width={w}
                      height={Math.max(barH - 1, 1)}
                      style={{ fill: isMuted ? 'var(--jp-ui-font-color3, #9e9e9e)' : s.color }}
                      data-value={ok ? v : 0}
                      data-slot={slot}
                      data-series={i}
                    >
                      <title>{`${props.series.length > 1 ? `${s.label}: ` : ''}${label}: ${text}`}</title>
                    </rect>
                    <text className="mlops-bar-value" x={plotX + w + 4} y={y + barH / 2 + 3.5}>
                      {text}
                    </text>
                  </g>
                );
              })}
            </g>
          );
        })}
      </>
    );
  } else {
    const pad = { left: 40, right: 8, bottom: 34 };
    const plotW = width - pad.left - pad.right;
    const plotH = height - top - pad.bottom;
    const slotW = plotW / slots;
    const barW = Math.max((slotW - (slotW > 4 ? 1 : 0)) / nSeries, 0.5);
    const sy = (v: number) => top + plotH * (1 - v / max);
    const tick = props.tick ?? formatTick;
    const baseline = top + plotH;
    body = (
      <>
        <g className="mlops-chart-grid">
          <line x1={pad.left} y1={sy(max)} x2={pad.left + plotW} y2={sy(max)} />
          <line x1={pad.left} y1={sy(max / 2)} x2={pad.left + plotW} y2={sy(max / 2)} />
        </g>
        {props.series.map((s, i) => (
          <g key={i}>
            {s.values.map((v, slot) => {
              if (!(Number.isFinite(v) && v > 0)) {
                return null;
              }
              const h = Math.max(baseline - sy(v), 1);
              return (
                <rect
                  key={slot}
                  className="mlops-bar"
                  x={pad.left + slot * slotW + i * barW + (slotW > 4 ? 0.5 : 0)}
                  y={baseline - h}
                  width={barW}
                  height={h}
                  style={{ fill: s.color }}
                  data-value={v}
                  data-slot={slot}
                  data-series={i}
                >
                  <title>{`${props.series.length > 1 ? `${s.label}: ` : ''}${props.labels[slot]}: ${props.format(v, slot, i)}`}</title>
                </rect>
              );
            })}
          </g>
        ))}
        <g className="mlops-chart-axis">
          <line x1={pad.left} y1={top} x2={pad.left} y2={baseline} />
          <line x1={pad.left} y1={baseline} x2={pad.left + plotW} y2={baseline} />
        </g>
        <g className="mlops-chart-ticks mlops-bar-ticks">
          <text x={pad.left - 4} y={sy(max) + 4} textAnchor="end">
            {tick(max)}
          </text>
          <text x={pad.left - 4} y={sy(max / 2) + 4} textAnchor="end">
            {tick(max / 2)}
          </text>
          <text x={pad.left - 4} y={baseline + 4} textAnchor="end">
            {tick(0)}
          </text>
          {props.axis && (
            <>
              <line x1={pad.left} y1={baseline} x2={pad.left} y2={baseline + 4} />
              <line x1={pad.left + plotW / 2} y1={baseline} x2={pad.left + plotW / 2} y2={baseline + 4} />
              <line x1={pad.left + plotW} y1={baseline} x2={pad.left + plotW} y2={baseline + 4} />
              <text x={pad.left} y={baseline + 16} textAnchor="start">
                {props.axis[0]}
              </text>
              <text x={pad.left + plotW / 2} y={baseline + 16} textAnchor="middle">
                {props.axis[1]}
              </text>
              <text x={pad.left + plotW} y={baseline + 16} textAnchor="end">
                {props.axis[2]}
              </text>
            </>
          )}
        </g>
      </>
    );
  }

  return (
    <figure className="mlops-chart mlops-bar-chart" ref={figure}>
      <svg
        data-testid={props.testid}
        {...(props.attributes ?? {})}
        className="mlops-chart-svg"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${props.title} chart`}
      >
        <title>{props.title}</title>
        <text className="mlops-chart-title mlops-bar-title" x={6} y={15}>
          {clip(props.title, Math.floor((width - (props.note ? props.note.length * 6.5 + 16 : 8)) / 7))}
        </text>
        {props.note && (
          <text className="mlops-chart-note mlops-bar-note" x={width - 6} y={15} textAnchor="end">
            {props.note}
          </text>
        )}
        {body}
      </svg>
      {props.legend && <Legend series={props.series} />}
    </figure>
  );
}
