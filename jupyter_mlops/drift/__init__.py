"""Drift detection: is the current data still like the reference the model learned from?

``check_drift(reference, current)`` compares them column by column (tests and distances computed
from sketches: a registered reference's is stored, so only the current data is scanned) and as a
whole (a domain classifier), returns a ``DriftReport`` and saves it in the store.

>>> report = check_drift("churn@1", df_new)           # doctest: +SKIP
>>> drift_history("churn")                            # doctest: +SKIP
"""

from .check import auto_method, check_drift
from .methods import DriftMethod, get_method, method_names, register_method
from .records import drift_history, get_drift_report, latest_drift_reports
from .report import ColumnDrift, DriftReport, MultivariateDrift

__all__ = [
    "check_drift", "drift_history", "get_drift_report", "latest_drift_reports", "auto_method",
    "DriftMethod", "register_method", "get_method", "method_names",
    "DriftReport", "ColumnDrift", "MultivariateDrift",
]
