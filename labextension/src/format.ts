/** Small pure helpers: numbers, times, durations and the filter language's quoting. */
import type { MetricValue } from './client';

/** A metric value as a JS number; the wire's "NaN"/"Infinity"/"-Infinity" strings become the real values. */
export function toNumber(value: MetricValue | null | undefined): number {
  if (value === null || value === undefined) {
    return NaN;
  }
  if (typeof value === 'number') {
    return value;
  }
  if (value === 'Infinity') {
    return Infinity;
  }
  if (value === '-Infinity') {
    return -Infinity;
  }
  return NaN;
}

/** A metric value for a table cell: 4 significant digits, non-finite values spelled out. */
export function formatMetric(value: MetricValue | null | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  const n = toNumber(value);
  if (Number.isNaN(n)) {
    return 'NaN';
  }
  if (!Number.isFinite(n)) {
    return n > 0 ? '∞' : '-∞';
  }
  if (Number.isInteger(n) && Math.abs(n) < 1e6) {
    return String(n);
  }
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) {
    return n.toExponential(3);
  }
  return String(Number(n.toPrecision(4)));
}

/** A short axis label for a number. */
export function formatTick(n: number): string {
  if (!Number.isFinite(n)) {
    return '';
  }
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) {
    return n.toExponential(1);
  }
  return String(Number(n.toPrecision(3)));
}

/** Parse the wire's ISO timestamps (UTC, with a Z). */
export function parseTime(value: string | null | undefined): Date | null {
  if (!value) {
    return null;
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** A local date and time: "2026-01-02 10:04:05". */
export function formatTime(value: string | null | undefined): string {
  const date = parseTime(value);
  if (!date) {
    return '';
  }
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** A compact start time for a table cell: "15:47:02" today, "11-22 15:47" this year, else the date. */
export function formatShortTime(value: string | null | undefined, now = Date.now()): string {
  const date = parseTime(value);
  if (!date) {
    return '';
  }
  const today = new Date(now);
  const hm = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  if (date.toDateString() === today.toDateString()) {
    return `${hm}:${pad(date.getSeconds())}`;
  }
  if (date.getFullYear() === today.getFullYear()) {
    return `${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${hm}`;
  }
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Seconds as "850 ms", "12.3 s", "4m 05s", "2h 03m". */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    return '';
  }
  if (seconds < 1) {
    return `${Math.round(seconds * 1000)} ms`;
  }
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  const s = Math.round(seconds);
  if (s < 3600) {
    return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  }
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}

/** A run's duration; a running run counts up to `now`. */
export function formatDuration(start: string | null | undefined, end: string | null | undefined, now = Date.now()): string {
  const from = parseTime(start);
  if (!from) {
    return '';
  }
  const to = parseTime(end);
  return formatSeconds(((to ? to.getTime() : now) - from.getTime()) / 1000);
}

/** Thousands separators: 10000 -> "10,000". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** The page label: "1–50 of 10,000". */
export function pageLabel(offset: number, shown: number, total: number): string {
  if (total === 0 || shown === 0) {
    return `0 of ${formatCount(total)}`;
  }
  return `${formatCount(offset + 1)}–${formatCount(offset + shown)} of ${formatCount(total)}`;
}

/** A key quoted for the filter/order_by language: metrics.`my key` (back-ticks doubled inside). */
export function quoteKey(key: string): string {
  return '`' + key.split('`').join('``') + '`';
}

/** A sortable column's field in the order_by language: "start_time", "metrics.`acc`". */
export function sortField(column: string): string {
  const dot = column.indexOf('.');
  if (dot > 0) {
    const prefix = column.slice(0, dot);
    if (prefix === 'metrics' || prefix === 'params' || prefix === 'tags') {
      return `${prefix}.${quoteKey(column.slice(dot + 1))}`;
    }
  }
  return column;
}

/** Short run id for display. */
export function shortId(runId: string): string {
  return runId.length > 8 ? runId.slice(0, 8) : runId;
}
