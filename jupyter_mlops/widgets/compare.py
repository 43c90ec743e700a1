"""Compare runs side by side: params (differences marked), latest metrics, overlaid metric curves."""

from __future__ import annotations

import ipywidgets as widgets

from ..errors import InvalidInput
from ._base import StaticForm
from ._html import DIFF_BG, MISSING, fmt_number, fmt_value, html_table, note, wrap
from .svg import PALETTE, svg_line_chart, thin

MAX_RUNS = 20
MAX_CHARTS = 12
DIFF_MARK = "\u2260"  # shown in the first column of a row whose values differ
_DIFF_STYLE = f"background:{DIFF_BG};font-weight:600;"
_H_STYLE = "margin:10px 0 2px 0;font-size:13px;font-weight:600;"


def _labels(runs) -> list[str]:
    """Run names, made unique with a short id where two compared runs share a name."""
    names = [r.name or r.run_id[:8] for r in runs]
    return [f"{n} ({r.run_id[:8]})" if names.count(n) > 1 else n for n, r in zip(names, runs)]


class CompareView(StaticForm, widgets.VBox):
    """Two or more runs side by side: params with differing rows marked, latest metrics, tags,
    and one small chart per metric key with one line per run.

    ``run_ids`` take anything ``get_run`` accepts (ids, unique id prefixes, unique names).

    >>> view = CompareView(["3fa2c1d9", "8b01e7aa"])     # doctest: +SKIP
    >>> view.differing_params                            # doctest: +SKIP
    ['lr']
    """

    def __init__(self, run_ids, *, only_differences: bool = False, chart_width: int = 360,
                 chart_height: int = 200, max_charts: int = MAX_CHARTS):
        from ..tracking.search import get_run

        if isinstance(run_ids, str) or not all(isinstance(r, str) for r in (run_ids or [])):
            raise InvalidInput(f"CompareView takes a list of run ids, got {run_ids!r}")
        refs = list(dict.fromkeys(run_ids))
        if len(refs) < 2:
            raise InvalidInput(f"comparing needs at least two runs, got {len(refs)}; select two or more runs")
        if len(refs) > MAX_RUNS:
            raise InvalidInput(f"compare at most {MAX_RUNS} runs at a time, got {len(refs)}; narrow the selection")
        runs = {}
        for ref in refs:
            record = get_run(ref)
            runs.setdefault(record.run_id, record)
        if len(runs) < 2:
            raise InvalidInput("comparing needs at least two different runs; these all name the same run")
        self.runs = list(runs.values())
        self.run_ids = [r.run_id for r in self.runs]
        self.labels = _labels(self.runs)
        self.chart_width, self.chart_height, self.max_charts = chart_width, chart_height, max_charts
        self.history = self._load_history()
        self.only_differences = widgets.Checkbox(value=only_differences, description="only rows that differ",
                                                 indent=False)
        self.body = widgets.HTML()
        super().__init__(children=[self.only_differences, self.body])
        self.add_class("mlops-compare-view")
        self.only_differences.observe(lambda _change: self._render(), "value")
        self._render()

    # -- data ------------------------------------------------------------------------------------
    def _load_history(self) -> dict[str, dict[str, list[tuple[int, float]]]]:
        """``{metric key: {run label: [(step, value), ...]}}`` in one query for all runs."""
        from .. import sql

        frame = sql(
            "SELECT run_id, key, step, value FROM metrics WHERE run_id IN (SELECT unnest(?)) "
            "ORDER BY key, run_id, step, timestamp",
            [self.run_ids],
        )
        label = dict(zip(self.run_ids, self.labels))
        history: dict = {}
        for run_id, key, step, value in frame.itertuples(index=False, name=None):
            history.setdefault(key, {}).setdefault(label[run_id], []).append((step, value))
        for key, per_run in history.items():  # same run order in every chart
            history[key] = {lab: thin(per_run[lab]) for lab in self.labels if lab in per_run}
        return history

    @staticmethod
    def _differs(values: list) -> bool:
        return len({None if v is None else str(v) for v in values}) > 1

    def _rows(self, attr: str) -> list[tuple[str, list]]:
        keys = sorted({k for r in self.runs for k in getattr(r, attr)})
        return [(k, [getattr(r, attr).get(k) for r in self.runs]) for k in keys]

    @property
    def differing_params(self) -> list[str]:
        """Param keys whose values differ between the compared runs (missing counts as a value)."""
        return [key for key, values in self._rows("params") if self._differs(values)]

    # -- rendering -------------------------------------------------------------------------------
    def _side_by_side(self, attr: str, mark: bool) -> str:
        rows, classes, styles = [], [], []
        for key, values in self._rows(attr):
            differs = mark and self._differs(values)
            if mark and self.only_differences.value and not differs:
                continue
            cells = [MISSING if v is None else fmt_number(v) if isinstance(v, float) else fmt_value(v) for v in values]
            rows.append(([DIFF_MARK if differs else ""] if mark else []) + [key] + cells)
            classes.append("mlops-diff" if differs else "mlops-same")
            styles.append(_DIFF_STYLE if differs else "")
        if not rows:
            return note(f"no {attr}" + (" that differ" if mark and self.only_differences.value else ""))
        headers = ([""] if mark else []) + [attr[:-1]] + self.labels
        return html_table(headers, rows, row_classes=classes, row_styles=styles, css_class=f"mlops-table mlops-{attr}")

    def _charts(self) -> str:
        colors = {lab: PALETTE[i % len(PALETTE)] for i, lab in enumerate(self.labels)}
        keys = sorted(self.history)
        charts = [
            f'<div class="mlops-chart-cell" style="flex:0 0 auto;">'
            f"{svg_line_chart(self.history[k], k, self.chart_width, self.chart_height, colors=colors)}</div>"
            for k in keys[: self.max_charts]
        ]
        more = note(f"{len(keys) - self.max_charts} more metrics not charted: "
                    + ", ".join(keys[self.max_charts:][:20])) if len(keys) > self.max_charts else ""
        if not charts:
            return note("no metric history to chart")
        return f'<div class="mlops-charts" style="display:flex;flex-wrap:wrap;gap:8px;">{"".join(charts)}</div>{more}'

    def to_html(self) -> str:
        """The comparison as self-contained HTML (tables and SVG charts, escaped, no scripts)."""
        attrs = html_table(
            ["run"] + self.labels,
            [["id"] + [r.run_id[:8] for r in self.runs],
             ["experiment"] + [r.experiment for r in self.runs],
             ["status"] + [r.status for r in self.runs],
             ["started (UTC)"] + [fmt_value(r.start_time) for r in self.runs]],
            css_class="mlops-table mlops-runs",
        )
        differing = len(self.differing_params)
        parts = [
            f'<div style="{_H_STYLE}">Comparing {len(self.runs)} runs</div>', attrs,
            f'<div style="{_H_STYLE}">Params ({differing} differ{"s" if differing == 1 else ""}, '
            f"marked {DIFF_MARK})</div>",
            self._side_by_side("params", mark=True),
            f'<div style="{_H_STYLE}">Latest metrics</div>', self._side_by_side("metrics", mark=False),
            f'<div style="{_H_STYLE}">Tags</div>', self._side_by_side("tags", mark=True),
            f'<div style="{_H_STYLE}">Metric curves</div>', self._charts(),
        ]
        return wrap("mlops-compare", "".join(parts))

    def _render(self) -> None:
        self.body.value = self.to_html()

    def _summary(self) -> str:
        return f"CompareView({', '.join(repr(lab) for lab in self.labels)})"

__all__ = ["CompareView"]
