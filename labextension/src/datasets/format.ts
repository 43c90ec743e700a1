/** Formatting for the Datasets views: shares, counts, profile values, bin edges. */
import type { ColumnProfile, MetricValue } from '../client';
import { formatMetric, formatTick, toNumber } from '../format';

/** A share in 0..1 as a percentage: "12.3%", "0%", "<0.1%". */
export function formatShare(value: MetricValue | number | null | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  const n = typeof value === 'number' ? value : toNumber(value);
  if (!Number.isFinite(n)) {
    return formatMetric(value as MetricValue);
  }
  if (n === 0) {
    return '0%';
  }
  if (Math.abs(n) < 0.001) {
    return n > 0 ? '<0.1%' : '>-0.1%';
  }
  return `${Number((n * 100).toFixed(1))}%`;
}

/** A change of a share, in percentage points with a sign: "+5.0 pp", "0". */
export function formatShareChange(value: MetricValue | null | undefined): string {
  const n = toNumber(value);
  if (value === null || value === undefined) {
    return '';
  }
  if (!Number.isFinite(n)) {
    return formatMetric(value);
  }
  if (Math.abs(n) < 0.0005) {
    return '0';
  }
  return `${n > 0 ? '+' : ''}${(n * 100).toFixed(1)} pp`;
}

/** A whole number with a sign: "+267", "-3", "0". */
export function formatDelta(n: number): string {
  return n > 0 ? `+${n.toLocaleString('en-US')}` : n.toLocaleString('en-US');
}

/** The profile's min/max (sent as text): numbers shortened to 4 significant digits, other text as is. */
export function formatBound(value: string | null | undefined, column: ColumnProfile): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (column.kind === 'numeric' && value.trim() !== '') {
    const n = Number(value);
    if (!Number.isNaN(n)) {
      return formatMetric(n);
    }
    if (value === 'nan' || value === 'inf' || value === '-inf') {
      return formatMetric(value === 'nan' ? 'NaN' : value === 'inf' ? 'Infinity' : '-Infinity');
    }
  }
  if (column.kind === 'temporal') {
    return value.replace(/[ T]00:00:00(\.0+)?$/, ''); // a date at midnight: the date is enough
  }
  return value;
}

/** Mean or std of a column; temporal columns' statistics are seconds (of the epoch, for the mean). */
export function formatStat(value: MetricValue | null | undefined, column: ColumnProfile, isStd = false): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (column.kind === 'temporal') {
    const n = toNumber(value);
    if (!Number.isFinite(n)) {
      return formatMetric(value);
    }
    // The mean to the minute only when the values span less than a couple of days.
    const spread = toNumber(column.std ?? null);
    return isStd ? formatSpan(n) : formatEpoch(n, !(spread > 172800));
  }
  return formatMetric(value);
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Seconds since the epoch as the stored (naive) time: the profile's epoch() of a TIMESTAMP is
 * its wall-clock time read as UTC, so it is shown in UTC to match the min/max text.
 */
export function formatEpoch(seconds: number, withTime: boolean): string {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) {
    return '';
  }
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return withTime ? `${date} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}` : date;
}

/** A duration in seconds, roughly: "45 s", "12 min", "5.2 h", "30 d". */
export function formatSpan(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs < 120) {
    return `${formatTick(seconds)} s`;
  }
  if (abs < 7200) {
    return `${formatTick(seconds / 60)} min`;
  }
  if (abs < 172800) {
    return `${formatTick(seconds / 3600)} h`;
  }
  return `${formatTick(seconds / 86400)} d`;
}

/** A histogram edge: a short number, or a date (with the time when the range is under 2 days). */
export function formatEdge(value: number, temporal: boolean, span: number): string {
  if (!temporal) {
    return formatTick(value);
  }
  return formatEpoch(value, span < 172800);
}

/** The first characters of a fingerprint. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.slice(0, 12);
}

/** "1 row", "7,043 rows". */
export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}
