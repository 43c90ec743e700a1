"""Dataset views: a version's profile with a small chart per column, and a diff of two versions.

Numeric and temporal columns show a histogram rebuilt from the stored quantiles (equal-width
bins, each holding the share of rows the quantile function puts there); categorical and boolean
columns show their top categories as bars. Everything is inline SVG and escaped text.

>>> DatasetProfile(describe_dataset("churn@2"))     # doctest: +SKIP
"""

from __future__ import annotations

import ipywidgets as widgets

from ._base import StaticForm
from ._html import BORDER, FG_MUTED, WRAP_STYLE, esc, fmt_value, html_table, note
from .svg import PALETTE

BINS = 20
BAR_CATEGORIES = 8


def histogram_from_quantiles(quantiles: list, bins: int = BINS) -> list[tuple[float, float, float]]:
    """``[(left, right, share)]`` for equal-width bins, from a quantile function at 0%..100%."""
    import numpy as np

    q = np.asarray([v for v in quantiles if v is not None], dtype=float)
    if len(q) < 2 or not np.isfinite(q).all():
        return []
    low, high = float(q[0]), float(q[-1])
    if high <= low:
        return [(low, high, 1.0)]
    probabilities = np.linspace(0, 1, len(q))
    edges = np.linspace(low, high, bins + 1)
    cdf = np.interp(edges, q, probabilities)
    return [(float(edges[i]), float(edges[i + 1]), float(cdf[i + 1] - cdf[i])) for i in range(bins)]


def _svg_bars(values: list[float], labels: list[str], title: str, width: int = 220, height: int = 90,
              horizontal: bool = False) -> str:
    top = max(values) if values and max(values) > 0 else 1.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'class="mlops-bars"><title>{esc(title)}</title>']
    if horizontal:
        row = (height - 4) / max(len(values), 1)
        for i, (value, label) in enumerate(zip(values, labels)):
            length = (width - 90) * value / top
            parts.append(f'<rect x="88" y="{2 + i * row:.1f}" width="{length:.1f}" height="{row * 0.8:.1f}" fill="{PALETTE[0]}">'
                         f'<title>{esc(label)}: {esc(fmt_value(value))}</title></rect>')
            parts.append(f'<text x="84" y="{2 + i * row + row * 0.65:.1f}" font-size="9" text-anchor="end" '
                         f'fill="{FG_MUTED}">{esc(label[:14])}</text>')
    else:
        slot = width / max(len(values), 1)
        for i, (value, label) in enumerate(zip(values, labels)):
            bar = (height - 4) * value / top
            parts.append(f'<rect x="{i * slot + 0.5:.1f}" y="{height - bar:.1f}" width="{max(slot - 1, 1):.1f}" '
                         f'height="{bar:.1f}" fill="{PALETTE[0]}"><title>{esc(label)}: {value:.1%}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def column_chart(column: dict) -> str:
    """The small SVG for one column profile ('' when there is nothing to draw)."""
    if column["kind"] in ("numeric", "temporal") and column.get("quantiles"):
        bins = histogram_from_quantiles(column["quantiles"])
        labels = [f"{fmt_value(a)} to {fmt_value(b)}" for a, b, _ in bins]
        return _svg_bars([s for *_, s in bins], labels, f"distribution of {column['column_name']}")
    if column.get("categories"):
        top = column["categories"][:BAR_CATEGORIES]
        return _svg_bars([n for _, n in top], [str(v) for v, _ in top], f"top categories of {column['column_name']}",
                         height=max(14 * len(top), 20), horizontal=True)
    return ""


def profile_html(version) -> str:
    """Static HTML of a version's profile: a header and one row per column with its chart."""
    rows = []
    for c in version.columns:
        stats = [c["column_name"], c["type"], f"{c['null_share']:.1%}", fmt_value(c["distinct_count"]),
                 fmt_value(c["min"]), fmt_value(c["max"]), fmt_value(c["mean"]), fmt_value(c["std"])]
        rows.append((stats, column_chart(c)))
    table = html_table(["column", "type", "nulls", "distinct", "min", "max", "mean", "std"], [r[0] for r in rows],
                       css_class="mlops-profile-table")
    charts = "".join(
        f'<figure style="display:inline-block;margin:4px 8px;border:1px solid {BORDER};padding:4px">'
        f'<figcaption style="font-size:11px">{esc(stats[0])}</figcaption>{svg}</figure>'
        for stats, svg in rows if svg
    )
    header = note(f"{version.ref}: {version.rows:,} rows x {len(version.schema)} columns, {version.storage}, "
                  f"fingerprint {version.fingerprint[:12]}")
    return f'<div class="mlops-dataset-profile" style="{WRAP_STYLE}">{header}{table}<div>{charts}</div></div>'


def diff_html(diff) -> str:
    """Static HTML of a DatasetDiff: its summary and the per-column table, shifted rows marked."""
    frame = diff.columns
    rows = [[r.column, r.kind, f"{r.null_share_change:+.1%}", fmt_value(r.distinct_change),
             fmt_value(r.mean_before), fmt_value(r.mean_after), fmt_value(r.shift), "shifted" if r.shifted else ""]
            for r in frame.itertuples(index=False)]
    classes = ["mlops-diff" if r.shifted else "" for r in frame.itertuples(index=False)]
    table = html_table(["column", "kind", "null share", "distinct", "mean before", "mean after", "shift", ""],
                       rows, row_classes=classes, css_class="mlops-dataset-diff")
    return f'<div style="{WRAP_STYLE}">{note(diff.summary())}{table}</div>'


class DatasetProfile(StaticForm, widgets.HTML):
    """A version's profile (per-column histograms and bars) as a widget with a static form."""

    def __init__(self, version):
        super().__init__(value=profile_html(version))
        self.version = version

    def to_html(self) -> str:
        return self.value

    def _summary(self) -> str:
        return repr(self.version)
