"""A drift report as HTML: a verdict line, the multivariate result and one row per column (most
severe first) with reference-versus-current distributions drawn as inline SVG.

Every piece of user text (column names, categories, labels, notes) is escaped; there are no
scripts, so the same markup serves ``_repr_html_``, the widget's static form and the standalone
page written by ``DriftReport.save_html``.
"""

from __future__ import annotations

import math

from ..widgets._html import BORDER, ERROR_FG, FG_MUTED, TD_STYLE, TH_STYLE, WRAP_STYLE, esc, fmt_number, note

REFERENCE_COLOR, CURRENT_COLOR = "#4e79a7", "#f28e2b"
DRIFT_BG = "var(--jp-error-color3, #fde2e1)"
OK_FG = "var(--jp-success-color1, #2e7d32)"
CHART_W, CHART_H = 240, 64


def _num(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2014"
    return fmt_number(value)


def _p(value) -> str:
    if value is None:
        return "\u2014"
    return "< 1e-300" if value < 1e-300 else (f"{value:.2e}" if value < 1e-3 else f"{value:.4f}")


def distribution_svg(column: str, distribution: dict) -> str:
    """Reference (blue) and current (orange) shares on shared bins, as a small SVG."""
    ref, cur = distribution.get("reference") or [], distribution.get("current") or []
    if not ref:
        return ""
    top = max(max(ref), max(cur), 1e-12)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_W}" height="{CHART_H}" role="img" '
             f'class="mlops-drift-chart"><title>{esc(column)}: reference (blue) vs current (orange)</title>']
    if distribution.get("type") == "bars":
        labels = distribution.get("labels") or []
        slot = CHART_W / len(ref)
        for i, (r, c, label) in enumerate(zip(ref, cur, labels)):
            for j, (value, color, side) in enumerate(((r, REFERENCE_COLOR, "reference"), (c, CURRENT_COLOR, "current"))):
                h = (CHART_H - 2) * value / top
                x = i * slot + j * slot * 0.45 + slot * 0.05
                parts.append(f'<rect x="{x:.1f}" y="{CHART_H - h:.1f}" width="{slot * 0.45:.1f}" height="{h:.1f}" '
                             f'fill="{color}"><title>{esc(label)}: {side} {value:.1%}</title></rect>')
    else:
        edges = distribution.get("edges") or []
        slot = CHART_W / len(ref)
        for values, color, opacity, side in ((ref, REFERENCE_COLOR, 0.45, "reference"), (cur, CURRENT_COLOR, 0.55, "current")):
            for i, value in enumerate(values):
                h = (CHART_H - 2) * value / top
                span = f"{fmt_number(edges[i])} to {fmt_number(edges[i + 1])}" if len(edges) > i + 1 else ""
                parts.append(f'<rect x="{i * slot:.1f}" y="{CHART_H - h:.1f}" width="{max(slot - 0.5, 0.5):.1f}" '
                             f'height="{h:.1f}" fill="{color}" fill-opacity="{opacity}"><title>{esc(span)}: {side} '
                             f'{value:.1%}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def _status(line) -> str:
    if line.drifted:
        return f'<span style="color:{ERROR_FG};font-weight:600">drift</span>'
    return f'<span style="color:{OK_FG}">ok</span>'


def report_html(report) -> str:
    """The report as an HTML fragment."""
    verdict = (f'<span style="color:{ERROR_FG};font-weight:700">Dataset drift</span>' if report.drifted
               else f'<span style="color:{OK_FG};font-weight:700">No dataset drift</span>')
    features = report.features
    head = (f'<div class="mlops-drift-verdict" style="font-size:13px;margin:2px 0 4px">{verdict}: '
            f'{len(report.drifted_columns)} of {len(features)} columns drifted ({report.drift_share:.0%}; the dataset '
            f'drifts at {report.drift_share_threshold:.0%})</div>')
    correction = {"bh": "Benjamini-Hochberg", "bonferroni": "Bonferroni", "none": "no"}.get(report.correction, report.correction)
    def side(label, rows):
        return label if "rows)" in label else f"{label} ({rows:,} rows)"

    lines = [head, note(f"reference {side(report.reference, report.reference_rows)} vs current "
                        f"{side(report.current, report.current_rows)}; {correction} correction of p-values; report "
                        f"{report.report_id[:12]}, {report.created_at:%Y-%m-%d %H:%M} UTC")]
    mv = report.multivariate
    if mv is not None:
        if mv.auc is None:
            lines.append(note(f"multivariate: {mv.note}"))
        else:
            lines.append(note(f"multivariate (domain classifier on {mv.reference_rows:,} + {mv.current_rows:,} sampled rows): "
                              f"held-out ROC AUC {mv.auc:.3f}, p {_p(mv.p_value)}, threshold {mv.threshold:g}: "
                              f"{'drift' if mv.drifted else 'no drift'}"))
    skipped = report.options.get("skipped") or {}
    if skipped:
        lines.append(note("not checked: " + "; ".join(f"{c} ({why})" for c, why in skipped.items())))
    headers = ["", "column", "kind", "method", "statistic", "p-value (adjusted)", "threshold", "reference vs current", "note"]
    rows = []
    for line in report.columns:
        name = line.column if line.role == "feature" else f"{line.column} ({line.role})"
        p = "\u2014" if line.p_value is None else f"{_p(line.p_value)} ({_p(line.p_value_adjusted)})"
        missing = ""
        if line.reference_missing or line.current_missing:
            missing = f"missing {line.reference_missing:.1%} \u2192 {line.current_missing:.1%}"
        text = "; ".join(t for t in (line.note, missing) if t)
        style = f' style="background:{DRIFT_BG}"' if line.drifted else ""
        cells = [_status(line), esc(name), esc(line.kind), esc(line.method), _num(line.statistic), esc(p),
                 _num(line.threshold), distribution_svg(line.column, line.distribution), esc(text)]
        rows.append(f'<tr class="mlops-drift-row{" mlops-drifted" if line.drifted else ""}"{style}>'
                    + "".join(f'<td style="{TD_STYLE}vertical-align:middle">{cell}</td>' for cell in cells) + "</tr>")
    head_cells = "".join(f'<th style="{TH_STYLE}">{esc(h)}</th>' for h in headers)
    table = (f'<table class="mlops-drift-table" style="border-collapse:collapse;margin:4px 0;">'
             f'<thead><tr>{head_cells}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    legend = (f'<div style="color:{FG_MUTED};font-size:11px">bars: <span style="color:{REFERENCE_COLOR}">\u25a0</span> '
              f'reference, <span style="color:{CURRENT_COLOR}">\u25a0</span> current (shares)</div>')
    return (f'<div class="mlops-widget mlops-drift-report" style="{WRAP_STYLE}border-top:1px solid {BORDER};padding-top:4px">'
            + "".join(lines) + table + legend + "</div>")


def standalone_html(report) -> str:
    """A complete HTML page holding the report (for ``save_html``)."""
    title = f"Drift report: {report.reference} vs {report.current}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(title)}</title></head><body style=\"margin:16px;background:#fff\">"
            f"<h1 style=\"font-family:sans-serif;font-size:18px\">{esc(title)}</h1>{report_html(report)}</body></html>\n")
