"""Statistics computed from two sketches binned on the same edges (the reference's).

- ``ks_statistic``: the largest gap between the two CDFs, read at every edge, both just below it
  and at it. Exact when the reference is kept exactly (every jump of either CDF then happens at
  an edge or is bracketed by two edge readings); otherwise at most one fine bin's share
  (``1/FINE_BINS`` of the reference) below the exact value.
- ``wasserstein``: the integral of ``|F - G|``. Over each bin the integral of ``F - G`` is exact,
  from the counts and the summed offsets of both sides; ``|.|`` of it is exact wherever ``F - G``
  keeps its sign through the bin. In the few bins where it changes sign the integral is taken
  from a linear model of ``F - G`` between its values at the two ends, the only approximation.
- ``binned_counts``: numeric columns on the reference's deciles (plus the regions below and
  above the reference's range), for chi-square, PSI, Jensen-Shannon and Hellinger.
- ``category_counts``: both sides' counts over the union of categories.

>>> import numpy as np
>>> from .sketch import NumericSketch
>>> ref = NumericSketch("x", 2, 0, np.array([0.0, 1.0]), np.array([0, 1, 1]), np.zeros(3), np.array([1, 1]))
>>> cur = NumericSketch("x", 2, 0, np.array([0.0, 1.0]), np.array([0, 0, 2]), np.array([0.0, 0.0, 1.0]), np.array([0, 1]))
>>> float(wasserstein(ref, cur)), float(ks_statistic(ref, cur))   # ref {0, 1} vs current {1, 2}
(1.0, 0.5)
"""

from __future__ import annotations

import numpy as np

DECILES = 10


def ks_statistic(ref, cur) -> float:
    """Two-sample Kolmogorov-Smirnov statistic, ``sup |F - G|``."""
    below = np.abs(ref.below - cur.below)
    at = np.abs(ref.at_or_below - cur.at_or_below)
    return float(max(below.max(initial=0.0), at.max(initial=0.0)))


def bin_integrals(ref, cur) -> np.ndarray:
    """The exact integral of ``F - G`` over every bin (see the module docstring)."""
    edges = ref.edges
    widths = np.diff(edges)
    n_ref, n_cur = ref.count, cur.count
    gap = ref.below - cur.below  # F - G just below each edge
    integrals = np.empty(len(edges) + 1)
    integrals[0] = ref.offsets[0] / n_ref - cur.offsets[0] / n_cur
    inner = slice(1, len(edges))
    integrals[inner] = (widths * gap[:-1]
                        + (ref.counts[inner] * widths - ref.offsets[inner]) / n_ref
                        - (cur.counts[inner] * widths - cur.offsets[inner]) / n_cur)
    integrals[-1] = cur.offsets[-1] / n_cur - ref.offsets[-1] / n_ref
    return integrals


def wasserstein(ref, cur) -> float:
    """The first Wasserstein distance (earth mover's distance) between the two distributions."""
    integrals = bin_integrals(ref, cur)
    total = np.abs(integrals)
    if len(ref.edges) > 1:
        start = (ref.at_or_below - cur.at_or_below)[:-1]  # F - G at each bin's left edge
        end = (ref.below - cur.below)[1:]  # ... and just below its right edge
        crossing = np.flatnonzero(start * end < 0)
        if len(crossing):
            widths = np.diff(ref.edges)[crossing]
            a, b = np.abs(start[crossing]), np.abs(end[crossing])
            linear = widths * (a * a + b * b) / (2 * (a + b))
            total[crossing + 1] = np.maximum(total[crossing + 1], linear)
    return float(total.sum())


def _pieces(sketch) -> np.ndarray:
    """Counts split at every edge into (values equal to the edge, values strictly inside the bin)."""
    inside = sketch.counts[1:] - sketch.ties
    return np.concatenate(([sketch.counts[0]], np.column_stack((sketch.ties, inside)).ravel()))


def binned_counts(ref, cur, bins: int = DECILES) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Counts of both sides on ``bins`` equal-mass bins of the reference, plus a bin for values
    below and one for values above the reference's range when either side has any there."""
    ref_pieces, cur_pieces = _pieces(ref), _pieces(cur)
    start = np.concatenate(([0], np.cumsum(ref_pieces)[:-1])) / ref.count  # reference share before each piece
    group = np.minimum(np.floor(start * bins + 1e-9).astype(int), bins - 1) + 1
    group[0] = 0  # below the reference's smallest edge
    last = np.flatnonzero(ref_pieces)[-1]
    group[last + 1:] = bins + 1  # above the reference's largest value
    ref_counts = np.bincount(group, weights=ref_pieces, minlength=bins + 2)
    cur_counts = np.bincount(group, weights=cur_pieces, minlength=bins + 2)
    labels = ["below reference range"] + [f"reference q{g}" for g in range(1, bins + 1)] + ["above reference range"]
    keep = (ref_counts + cur_counts) > 0
    return [l for l, k in zip(labels, keep) if k], ref_counts[keep], cur_counts[keep]


def category_counts(ref, cur) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Counts of both sides over the union of categories (reference's order, then new ones)."""
    labels = list(ref.values) + [v for v in cur.values if v not in ref.values]
    ref_counts = np.array([ref.values.get(v, 0) for v in labels], dtype=float)
    cur_counts = np.array([cur.values.get(v, 0) for v in labels], dtype=float)
    return labels, ref_counts, cur_counts


def counts(ref, cur) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``category_counts`` for categorical sketches, ``binned_counts`` for numeric ones."""
    return category_counts(ref, cur) if ref.kind == "categorical" else binned_counts(ref, cur)


def shares(values: np.ndarray, floor: float = 0.0) -> np.ndarray:
    total = values.sum()
    out = values / total if total else np.zeros_like(values, dtype=float)
    return np.where(out == 0, floor, out) if floor else out


def _cdf_points(sketch) -> tuple[np.ndarray, np.ndarray]:
    """The sketch's CDF as points, exact at every edge and, when known, 0 at its minimum and 1 at its
    maximum (values beyond the reference's edges then spread out instead of piling on the last edge)."""
    xs = np.repeat(sketch.edges, 2)
    ys = np.column_stack((sketch.below, sketch.at_or_below)).ravel()
    if sketch.minimum is not None and sketch.maximum is not None:
        xs = np.concatenate(([min(sketch.minimum, xs[0])], xs, [max(sketch.maximum, xs[-1])]))
        ys = np.concatenate(([0.0], ys, [1.0]))
    return xs, ys


def cdf_at(sketch, points: np.ndarray) -> np.ndarray:
    """The sketch's CDF at ``points``, linear inside bins (for pictures, not for statistics)."""
    xs, ys = _cdf_points(sketch)
    return np.interp(points, xs, ys, left=0.0, right=1.0)


def display_distribution(ref, cur, bins: int = 24, max_bars: int = 12) -> dict:
    """Both sides' distributions on shared bins, for the report's pictures.

    Numeric: ``{"type": "histogram", "edges": [...], "reference": [...], "current": [...]}`` (shares
    on equal-width bins spanning both sides' 0.5%..99.5% range); categorical or a numeric column
    with few values: ``{"type": "bars", "labels": [...], ...}``.
    """
    if ref.kind == "categorical" or (ref.exact and len(ref.edges) <= max_bars and _on_edges(cur)):
        if ref.kind == "categorical":
            labels, r, c = category_counts(ref, cur)
        else:
            labels = [_label(v) for v in ref.edges]
            r, c = ref.ties.astype(float), cur.ties.astype(float)
        r, c = shares(r), shares(c)
        order = np.argsort(-np.maximum(r, c), kind="stable")
        top, rest = order[:max_bars], order[max_bars:]
        out = {"type": "bars", "labels": [labels[i] for i in top],
               "reference": [float(r[i]) for i in top], "current": [float(c[i]) for i in top]}
        if len(rest):
            out["labels"].append(f"{len(rest)} more")
            out["reference"].append(float(r[rest].sum()))
            out["current"].append(float(c[rest].sum()))
        return out
    probes = np.linspace(0, 1, 201)
    low = min(_quantile(ref, 0.005, probes), _quantile(cur, 0.005, probes))
    high = max(_quantile(ref, 0.995, probes), _quantile(cur, 0.995, probes))
    if not high > low:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, bins + 1)
    out = {"type": "histogram", "edges": [float(e) for e in edges]}
    for side, sketch in (("reference", ref), ("current", cur)):
        cdf = cdf_at(sketch, edges)
        cdf[0], cdf[-1] = 0.0, 1.0  # the tails beyond the picture land in the end bins
        out[side] = [float(v) for v in np.diff(cdf)]
    return out


def _on_edges(sketch) -> bool:
    return int(sketch.ties.sum()) == sketch.count


def _quantile(sketch, q: float, probes) -> float:
    xs, ys = _cdf_points(sketch)
    order = np.argsort(ys, kind="stable")
    return float(np.interp(q, ys[order], xs[order]))


def _label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:.4g}"
