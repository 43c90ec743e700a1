/**
 * A small SVG line chart drawn as React elements (never an HTML string), styled with
 * JupyterLab's CSS variables so light and dark themes both work.
 */
import React from 'react';

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
            {formatTick(xMin)}
          </text>
          <text x={PAD.left + plotW} y={height - 6} textAnchor="end">
            {formatTick(xMax)}
          </text>
        </g>
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
      {props.legend && props.series.length > 0 && (
        <figcaption className="mlops-legend">
          {props.series.map((s, i) => (
            <span key={i} className="mlops-legend-item">
              <span className="mlops-swatch" style={{ background: s.color }} />
              {s.label}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}
