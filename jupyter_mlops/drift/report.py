"""What a drift check returns: a ``DriftReport`` with one ``ColumnDrift`` per column.

>>> report = check_drift("churn@1", df_new)             # doctest: +SKIP
>>> report.drifted, report.drift_share, report.drifted_columns   # doctest: +SKIP
(False, 0.25, ['tenure'])
>>> report.to_frame()                                    # doctest: +SKIP
>>> report.save_html("drift.html")                       # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ColumnDrift:
    """The drift line of one column."""

    column: str
    role: str  # feature | target | prediction
    type: str | None  # the reference's DuckDB type
    kind: str  # numeric | temporal | categorical | boolean
    method: str
    statistic: float
    p_value: float | None  # tests only
    p_value_adjusted: float | None  # after the report's multiple-testing correction
    threshold: float
    drifted: bool
    severity: float  # how far past its threshold (1.0 = at it); sorts the report
    reference_count: int
    current_count: int
    reference_missing: float  # share of missing values (null, NaN, inf)
    current_missing: float
    new_categories: dict = field(default_factory=dict)  # seen only in the current data, with counts
    note: str = ""
    distribution: dict = field(default_factory=dict)  # both sides on shared bins, for pictures

    @property
    def is_test(self) -> bool:
        return self.p_value is not None


@dataclass
class MultivariateDrift:
    """The domain-classifier check: how well a model tells reference rows from current rows."""

    auc: float | None
    p_value: float | None
    threshold: float
    drifted: bool | None
    reference_rows: int
    current_rows: int
    columns: list
    model: str = "HistGradientBoostingClassifier"
    note: str = ""


@dataclass
class DriftReport:
    """The result of ``check_drift``: per-column lines, the dataset verdict, the multivariate check."""

    report_id: str
    created_at: datetime
    reference: str
    current: str
    reference_rows: int
    current_rows: int
    columns: list  # ColumnDrift, sorted by severity (most severe first)
    drift_share: float  # share of drifted feature columns
    drift_share_threshold: float
    drifted: bool
    correction: str
    multivariate: MultivariateDrift | None = None
    reference_dataset: tuple = (None, None)  # (name, version) when registered
    current_dataset: tuple = (None, None)
    model: tuple = (None, None)  # (name, version) of the model version the check was run for
    run_id: str | None = None
    options: dict = field(default_factory=dict)
    seconds: float | None = None
    saved: bool = False

    @property
    def features(self) -> list:
        return [c for c in self.columns if c.role == "feature"]

    @property
    def drifted_columns(self) -> list[str]:
        """Names of the drifted feature columns, most severe first."""
        return [c.column for c in self.features if c.drifted]

    def column(self, name: str) -> ColumnDrift:
        """The line of one column."""
        from ..errors import NotFound, closest

        for line in self.columns:
            if line.column == name:
                return line
        raise NotFound(f"the report has no column {name!r}{closest(name, [c.column for c in self.columns])}")

    def summary(self) -> str:
        """One line: the verdict, the drift share and the multivariate result."""
        checked = len(self.features)
        verdict = "DRIFT" if self.drifted else "no drift"
        text = (f"{verdict}: {len(self.drifted_columns)} of {checked} columns drifted ({self.drift_share:.0%}; "
                f"dataset drift at {self.drift_share_threshold:.0%}) -- {self.reference} vs {self.current}")
        m = self.multivariate
        if m is not None and m.auc is not None:
            text += f"; domain classifier AUC {m.auc:.3f}{' (drift)' if m.drifted else ''}"
        return text

    def to_frame(self):
        """One row per column (most severe first), as a DataFrame."""
        import pandas as pd

        return pd.DataFrame([{
            "column": c.column, "role": c.role, "kind": c.kind, "method": c.method, "statistic": c.statistic,
            "p_value": c.p_value, "p_value_adjusted": c.p_value_adjusted, "threshold": c.threshold,
            "drifted": c.drifted, "severity": c.severity, "reference_missing": c.reference_missing,
            "current_missing": c.current_missing, "new_categories": len(c.new_categories), "note": c.note,
        } for c in self.columns])

    def __repr__(self) -> str:
        return f"<DriftReport {self.report_id[:8]}: {self.summary()}>"

    def to_html(self) -> str:
        """The report as an HTML fragment (escaped, inline SVG, no scripts)."""
        from .html import report_html

        return report_html(self)

    def _repr_html_(self) -> str:
        return self.to_html()

    def save_html(self, path) -> str:
        """Write the report as a standalone HTML page; return the path.

        >>> check_drift("churn@1", "new.parquet").save_html("drift.html")   # doctest: +SKIP
        'drift.html'
        """
        from pathlib import Path

        from .html import standalone_html

        Path(path).write_text(standalone_html(self), encoding="utf-8")
        return str(path)

    def widget(self):
        """An ipywidget showing the report (its static HTML form travels with saved notebooks)."""
        from .widget import DriftView

        return DriftView(self)
