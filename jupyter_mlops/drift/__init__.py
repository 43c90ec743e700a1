"""Drift detection: is the current data still like the reference the model learned from?

``check_drift(reference, current)`` compares them column by column (tests and distances computed
from sketches: a registered reference's is stored, so only the current data is scanned) and as a
whole (a domain classifier), returns a ``DriftReport`` and saves it in the store.

>>> import jupyter_mlops as ml
>>> v = ml.register_dataset(customers, "customers")
>>> report = check_drift("customers@1", customers_later)
>>> report.drifted_columns
['monthly_charges', 'plan']
>>> drift_history("customers")[["current", "drift_share", "drifted"]]
                   current  drift_share  drifted
0  DataFrame (500 rows)          0.5     True
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
