"""Comparing two dataset versions from their stored profiles (the data is not read again).

For each column both versions have: the change in null share and distinct count, the shift of
the distribution (numeric and temporal: the Wasserstein distance between the two quantile
functions, divided by the first version's standard deviation; categorical: the total variation
distance between category shares), and a verdict ``shifted`` when a change passes the
thresholds below.

>>> diff_datasets("churn@2", "churn@3").columns.query("shifted")   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

NULL_SHARE_CHANGE = 0.05
DISTRIBUTION_SHIFT = 0.1  # normalised Wasserstein distance, or total variation distance


@dataclass
class DatasetDiff:
    """Schema changes, row delta and per-column profile shifts between two versions."""

    before: str
    after: str
    added: list
    removed: list
    retyped: list
    rows_before: int
    rows_after: int
    columns: object  # DataFrame: column, kind, null_share_change, distinct_change, shift, shifted

    @property
    def row_delta(self) -> int:
        return self.rows_after - self.rows_before

    def summary(self) -> str:
        shifted = self.columns[self.columns["shifted"]]["column"].tolist() if len(self.columns) else []
        parts = [f"{self.before} -> {self.after}: rows {self.rows_before:,} -> {self.rows_after:,} ({self.row_delta:+,})"]
        if self.added:
            parts.append(f"added {', '.join(self.added)}")
        if self.removed:
            parts.append(f"removed {', '.join(self.removed)}")
        if self.retyped:
            parts.append("retyped " + ", ".join(f"{c} ({a} -> {b})" for c, a, b in self.retyped))
        parts.append(f"shifted: {', '.join(shifted) if shifted else 'none'}")
        return "; ".join(parts)

    def __repr__(self) -> str:
        return f"<DatasetDiff {self.summary()}>"

    def _repr_html_(self) -> str:
        from ..widgets.dataset import diff_html

        return diff_html(self)


def quantile_shift(before: list, after: list, std: float | None) -> float | None:
    """Mean absolute gap between two quantile functions, in units of ``std`` (None if unknown)."""
    if not before or not after or len(before) != len(after):
        return None
    gap = sum(abs(a - b) for a, b in zip(before, after)) / len(before)
    scale = std if std and std > 0 else (max(before) - min(before)) or 1.0
    return gap / scale


def category_shift(before: list | None, after: list | None) -> float | None:
    """Total variation distance between the category shares (top categories plus 'other')."""
    if before is None or after is None:
        return None
    share = lambda pairs: {str(v): n for v, n in pairs}  # noqa: E731
    left, right = share(before), share(after)
    total_left, total_right = sum(left.values()) or 1, sum(right.values()) or 1
    keys = set(left) | set(right)
    return 0.5 * sum(abs(left.get(k, 0) / total_left - right.get(k, 0) / total_right) for k in keys)


def diff_datasets(before: str, after: str) -> DatasetDiff:
    """Schema changes, row delta and the profile shifts that matter between two versions.

    >>> diff_datasets("churn@1", "churn@2").summary()      # doctest: +SKIP
    'churn@1 -> churn@2: rows 7,043 -> 7,310 (+267); added tenure_bucket; shifted: monthly_charges'
    """
    import pandas as pd

    from .registry import describe_dataset

    a, b = describe_dataset(before), describe_dataset(after)
    cols_a = {c["column_name"]: c for c in a.columns}
    cols_b = {c["column_name"]: c for c in b.columns}
    rows = []
    for name in [c for c in cols_a if c in cols_b]:
        x, y = cols_a[name], cols_b[name]
        if x["kind"] in ("numeric", "temporal"):
            shift = quantile_shift(x["quantiles"], y["quantiles"], x["std"])
        else:
            shift = category_shift(x["categories"], y["categories"])
        null_change = y["null_share"] - x["null_share"]
        rows.append({
            "column": name, "kind": y["kind"], "null_share_change": null_change,
            "distinct_change": (y["distinct_count"] or 0) - (x["distinct_count"] or 0),
            "mean_before": x["mean"], "mean_after": y["mean"], "shift": shift,
            "shifted": bool(abs(null_change) > NULL_SHARE_CHANGE or (shift is not None and shift > DISTRIBUTION_SHIFT)),
        })
    retyped = [(n, cols_a[n]["type"], cols_b[n]["type"]) for n in cols_a if n in cols_b and cols_a[n]["type"] != cols_b[n]["type"]]
    columns = pd.DataFrame(rows, columns=["column", "kind", "null_share_change", "distinct_change", "mean_before",
                                          "mean_after", "shift", "shifted"])
    return DatasetDiff(a.ref, b.ref, [c for c in cols_b if c not in cols_a], [c for c in cols_a if c not in cols_b],
                       retyped, a.rows, b.rows, columns)
