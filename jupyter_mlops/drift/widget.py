"""The drift report as an ipywidget carrying its static HTML form (see ``widgets._base``).

>>> DriftView(check_drift("churn@1", df_new))       # doctest: +SKIP
"""

from __future__ import annotations

import ipywidgets as widgets

from ..widgets._base import StaticForm
from .html import report_html


class DriftView(StaticForm, widgets.HTML):
    """Per-column reference-versus-current distributions, most severe first, and the verdicts."""

    def __init__(self, report):
        super().__init__(value=report_html(report))
        self.report = report

    def to_html(self) -> str:
        return self.value

    def _summary(self) -> str:
        return repr(self.report)
