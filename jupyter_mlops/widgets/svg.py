"""A tiny, dependency-free SVG line chart shared by the live chart and the compare view.

It is cheap enough to redraw a few times a second while a model trains, and its output is
a self-contained ``<svg>`` element (valid XML, no scripts) that renders in JupyterLab, nbviewer
and GitHub alike. Non-finite points (NaN, +/-inf) are skipped; a series with a single point is
drawn as a dot; an empty chart says "no data".

>>> svg = svg_line_chart({"loss": [(0, 0.9), (1, 0.5), (2, 0.3)]}, "loss")
>>> svg.startswith("<svg") and svg.count("<polyline") == 1
True
"""

from __future__ import annotations

import math

from ._html import FG, FG_MUTED, FONT, BORDER, esc, fmt_number, shorten

# Tableau 10: distinguishable on light and dark backgrounds.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
MAX_POINTS = 1000  # per series; longer series are thinned evenly (first and last point kept)

_PAD_LEFT, _PAD_RIGHT, _PAD_TOP, _PAD_BOTTOM = 52, 12, 24, 22
_LEGEND_ROW = 14


def _finite_points(points) -> list[tuple[float, float]]:
    """Keep the (step, value) pairs whose both parts are finite numbers, sorted by step (stable)."""
    kept = []
    for point in points or ():
        try:
            step, value = float(point[0]), float(point[1])
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if math.isfinite(step) and math.isfinite(value):
            kept.append((step, value))
    kept.sort(key=lambda p: p[0])
    return kept


def thin(points: list, max_points: int = MAX_POINTS) -> list:
    """Return at most ``max_points`` evenly spaced points, keeping the first and the last.

    >>> len(thin(list(range(10_000)), 100)), thin([1, 2, 3], 100)
    (100, [1, 2, 3])
    """
    n = len(points)
    if n <= max_points or max_points < 2:
        return list(points)
    stride = (n - 1) / (max_points - 1)
    return [points[round(i * stride)] for i in range(max_points)]


def _span(lo: float, hi: float) -> tuple[float, float]:
    """Widen a degenerate range (one value) so points land mid-chart instead of dividing by 0."""
    if hi > lo:
        return lo, hi
    pad = abs(lo) * 0.05 or 0.5
    return lo - pad, hi + pad


def svg_line_chart(series: dict, title: str, width: int = 480, height: int = 260, *,
                   max_points: int = MAX_POINTS, colors: dict | None = None) -> str:
    """Draw ``{name: [(step, value), ...]}`` as an SVG line chart with axes, min/max labels and a legend.

    ``width`` x ``height`` is the plot with its axes; the legend (one row per series) is added
    below it. ``colors`` optionally maps a series name to a colour; otherwise a fixed palette.

    One ``<polyline class="mlops-series">`` per series that has at least one finite point (its
    ``data-series`` attribute holds the escaped name); single points also get a dot. All text,
    including names in attributes and the title, is HTML-escaped.

    >>> svg = svg_line_chart({"acc": [(0, 0.5), (1, float("nan")), (2, 0.9)]}, "accuracy", 320, 200)
    >>> svg.count('points="'), "nan" in svg
    (1, False)
    """
    width, height = max(int(width), 160), max(int(height), 100)
    cleaned = {str(name): thin(_finite_points(points), max_points) for name, points in (series or {}).items()}
    names = list(cleaned)
    legend_rows = len(names)
    plot_h_total = height + legend_rows * _LEGEND_ROW
    x0, x1 = _PAD_LEFT, width - _PAD_RIGHT
    y0, y1 = _PAD_TOP, height - _PAD_BOTTOM  # y0 top, y1 bottom of the plot area

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mlops-chart" width="{width}" height="{plot_h_total}" '
        f'viewBox="0 0 {width} {plot_h_total}" role="img" aria-label="{esc(title)}" '
        f'style="font-family:{FONT};font-size:11px;max-width:100%;">',
        f"<title>{esc(title)}</title>",
        f'<text x="{x0}" y="14" style="fill:{FG};font-weight:600;" fill="#222">{esc(shorten(title, 70))}</text>',
        f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="none" '
        f'style="stroke:{BORDER};" stroke="#ccc"/>',
    ]
    all_points = [p for pts in cleaned.values() for p in pts]
    if not all_points:
        out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{(y0 + y1) / 2:.1f}" text-anchor="middle" '
                   f'style="fill:{FG_MUTED};" fill="#666">no data</text>')
    else:
        xmin, xmax = _span(min(p[0] for p in all_points), max(p[0] for p in all_points))
        vmin, vmax = min(p[1] for p in all_points), max(p[1] for p in all_points)
        ymin, ymax = _span(vmin, vmax)

        def sx(step: float) -> float:
            return x0 + (step - xmin) / (xmax - xmin) * (x1 - x0)

        def sy(value: float) -> float:
            return y1 - (value - ymin) / (ymax - ymin) * (y1 - y0)

        label = f'style="fill:{FG_MUTED};" fill="#666"'
        first_step, last_step = min(p[0] for p in all_points), max(p[0] for p in all_points)
        out += [  # axis labels: value min/max on the left, step min/max below
            f'<text class="mlops-ymax" x="{x0 - 4}" y="{sy(vmax) + 4:.1f}" text-anchor="end" {label}>'
            f"{esc(fmt_number(vmax))}</text>",
            f'<text class="mlops-xmin" x="{x0}" y="{y1 + 14}" {label}>{esc(fmt_number(first_step))}</text>',
            f'<text class="mlops-xmax" x="{x1}" y="{y1 + 14}" text-anchor="end" {label}>'
            f"{esc(fmt_number(last_step))}</text>",
            f'<text x="{(x0 + x1) / 2:.1f}" y="{y1 + 14}" text-anchor="middle" {label}>step</text>',
        ]
        if vmin != vmax:
            out.append(f'<text class="mlops-ymin" x="{x0 - 4}" y="{sy(vmin) + 4:.1f}" text-anchor="end" '
                       f'{label}>{esc(fmt_number(vmin))}</text>')
        for i, name in enumerate(names):
            points = cleaned[name]
            if not points:
                continue
            color = (colors or {}).get(name) or PALETTE[i % len(PALETTE)]
            coords = " ".join(f"{sx(s):.1f},{sy(v):.1f}" for s, v in points)
            out.append(f'<polyline class="mlops-series" data-series="{esc(name)}" fill="none" stroke="{color}" '
                       f'stroke-width="1.6" stroke-linejoin="round" points="{coords}"/>')
            if len(points) == 1:
                s, v = points[0]
                out.append(f'<circle cx="{sx(s):.1f}" cy="{sy(v):.1f}" r="3" fill="{color}"/>')

    for i, name in enumerate(names):  # legend under the plot, one row per series
        y = height + i * _LEGEND_ROW + 4
        color = (colors or {}).get(name) or PALETTE[i % len(PALETTE)]
        empty = "" if cleaned[name] else " (no finite values)"
        out.append(f'<rect x="{x0}" y="{y}" width="10" height="10" fill="{color}"/>'
                   f'<text class="mlops-legend" x="{x0 + 14}" y="{y + 9}" style="fill:{FG};" fill="#222">'
                   f"<title>{esc(name)}</title>{esc(shorten(name, 60) + empty)}</text>")
    out.append("</svg>")
    return "".join(out)
