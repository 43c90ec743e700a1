/**
 * Rebuilding a column's distribution from its 101 stored quantiles (0%, 1%, ..., 100%).
 *
 * A faithful port of `jupyter_mlops/widgets/dataset.py::histogram_from_quantiles`: equal-width
 * bins between the 0% and 100% quantiles, each bin's share the difference of the quantile
 * function's inverse (the CDF, linearly interpolated like `numpy.interp`) at its two edges.
 */
import type { MetricValue } from '../client';
import { toNumber } from '../format';

/** Bins per histogram, as in the Python widget. */
export const BINS = 20;

/** One bin: `[left, right, share]`, share in 0..1. */
export type Bin = [number, number, number];

/** `numpy.linspace(start, stop, num)`: `i * step + start`, the last point exactly `stop`. */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num <= 0) {
    return [];
  }
  if (num === 1) {
    return [start];
  }
  const step = (stop - start) / (num - 1);
  const out: number[] = [];
  for (let i = 0; i < num; i++) {
    out.push(i * step + start);
  }
  out[num - 1] = stop;
  return out;
}

/**
 * `numpy.interp(x, xp, fp)` for one point, `xp` non-decreasing: `fp[0]` left of `xp`, `fp[-1]`
 * right of it; on a run of equal `xp` the last one counts (numpy's bisection does the same).
 */
export function interp(x: number, xp: number[], fp: number[]): number {
  const n = xp.length;
  if (Number.isNaN(x)) {
    return x;
  }
  if (x > xp[n - 1]) {
    return fp[n - 1];
  }
  if (x < xp[0]) {
    return fp[0];
  }
  // The last j with xp[j] <= x (bisection on "x >= xp[mid]").
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1);
    if (x >= xp[mid]) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  const j = lo - 1;
  if (j === n - 1 || xp[j] === x) {
    return fp[j];
  }
  const slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
  let value = slope * (x - xp[j]) + fp[j];
  if (Number.isNaN(value)) {
    value = slope * (x - xp[j + 1]) + fp[j + 1];
    if (Number.isNaN(value) && fp[j] === fp[j + 1]) {
      value = fp[j];
    }
  }
  return value;
}

/**
 * The quantiles as numbers, or null when they cannot be drawn: `None` values are dropped (as in
 * Python); a non-finite one ("NaN", "Infinity" on the wire) or fewer than two points give null.
 */
export function finiteQuantiles(quantiles: ReadonlyArray<MetricValue | null> | null | undefined): number[] | null {
  if (!quantiles) {
    return null;
  }
  const q = quantiles.filter(v => v !== null && v !== undefined).map(v => toNumber(v as MetricValue));
  if (q.length < 2 || !q.every(Number.isFinite)) {
    return null;
  }
  return q;
}

/**
 * `[left, right, share]` for `bins` equal-width bins from the quantile function at 0%..100%;
 * `[]` when it cannot be drawn, one bin of share 1 when every value is the same.
 *
 * `range` (not in the Python original) sets other outer edges, so two versions can share bins
 * in the diff view; outside the quantiles' own range the CDF is 0 (left) or 1 (right).
 */
export function histogramFromQuantiles(
  quantiles: ReadonlyArray<MetricValue | null> | null | undefined,
  bins: number = BINS,
  range?: [number, number]
): Bin[] {
  const q = finiteQuantiles(quantiles);
  if (q === null) {
    return [];
  }
  const [low, high] = range ?? [q[0], q[q.length - 1]];
  if (high <= low) {
    return [[low, high, 1.0]];
  }
  const probabilities = linspace(0, 1, q.length);
  const edges = linspace(low, high, bins + 1);
  const cdf = edges.map(edge => interp(edge, q, probabilities));
  const out: Bin[] = [];
  for (let i = 0; i < bins; i++) {
    out.push([edges[i], edges[i + 1], cdf[i + 1] - cdf[i]]);
  }
  return out;
}
