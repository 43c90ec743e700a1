"""The drift report as an ipywidget carrying its static HTML form (see ``widgets._base``).

>>> DriftView(check_drift("churn@1", df_new))       # doctest: +SKIP
"""

from __future__ import annotations

import ipywidgets as widgets

from ..render.drift import report_html
from ._base import StaticForm


class DriftView(StaticForm, widgets.HTML):
    """Per-column reference-versus-current distributions, most severe first, and the verdicts."""

    def __init__(self, report):
        super().__init__(value=report_html(report))
        self.report = report

    def to_html(self) -> str:
        return self.value

    def _summary(self) -> str:
        return repr(self.report)
