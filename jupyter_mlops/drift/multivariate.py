"""Multivariate drift: a domain classifier tries to tell reference rows from current rows.

Per-column checks miss a changed *relationship* between columns (each column's distribution the
same, their joint distribution not). A gradient-boosted classifier trained on a bounded sample
of rows from each side (the stored sample of a registered reference; a sample taken during the
scan of the current data) is scored on held-out rows: a ROC AUC near 0.5 means the sides are
indistinguishable. Drift is flagged when the AUC reaches the threshold (default 0.55) *and* is
significantly above 0.5 (one-sided p < 0.05 under the null distribution of the AUC, the
Mann-Whitney normal approximation), so a small sample's noise is not called drift.
"""

from __future__ import annotations

import math

import numpy as np

from .report import MultivariateDrift

DEFAULT_THRESHOLD = 0.55
MIN_ROWS = 50
MAX_CODES = 62  # categories past the 62 most frequent share one code (max_bins=63)
TEST_SHARE = 0.3


def _encode(ref_col, cur_col, numeric: bool):
    if numeric:
        return (np.asarray(ref_col.to_numpy(zero_copy_only=False), dtype=float),
                np.asarray(cur_col.to_numpy(zero_copy_only=False), dtype=float))
    ref_values, cur_values = ref_col.to_pylist(), cur_col.to_pylist()
    counts: dict = {}
    for v in ref_values + cur_values:
        if v is not None:
            counts[v] = counts.get(v, 0) + 1
    frequent = sorted(counts, key=lambda v: (-counts[v], str(v)))
    codes = {v: float(min(i, MAX_CODES)) for i, v in enumerate(frequent)}
    return (np.array([codes.get(v, np.nan) for v in ref_values], dtype=float),
            np.array([codes.get(v, np.nan) for v in cur_values], dtype=float))


def _one_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn depends on it
        from contextlib import nullcontext

        return nullcontext()
    return threadpool_limits(1)


def domain_classifier(ref_sample, cur_sample, columns: list[str], numeric: dict, threshold: float = DEFAULT_THRESHOLD,
                      seed: int = 0) -> MultivariateDrift:
    """Held-out ROC AUC of telling ``ref_sample`` rows from ``cur_sample`` rows (Arrow tables)."""
    n_ref, n_cur = ref_sample.num_rows, cur_sample.num_rows
    if min(n_ref, n_cur) < MIN_ROWS or not columns:
        return MultivariateDrift(None, None, threshold, None, n_ref, n_cur, columns,
                                 note=f"not run: needs at least {MIN_ROWS} sampled rows a side and one column")
    try:
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.metrics import roc_auc_score
        from sklearn.model_selection import train_test_split
    except ImportError:
        return MultivariateDrift(None, None, threshold, None, n_ref, n_cur, columns,
                                 note="not run: needs scikit-learn (pip install scikit-learn)")
    ref_parts, cur_parts = zip(*(_encode(ref_sample.column(c), cur_sample.column(c), numeric[c]) for c in columns))
    x = np.vstack((np.column_stack(ref_parts), np.column_stack(cur_parts)))
    y = np.concatenate((np.zeros(n_ref), np.ones(n_cur)))
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=TEST_SHARE, stratify=y, random_state=seed)
    # Small trees on 64 bins: enough to separate two samples, and light on memory (first-touch page
    # faults dominate a cold fit on some machines). One OpenMP thread: a few thousand rows do not
    # need more, and OpenMP's spinning threads slow to a crawl when the cores are busy elsewhere.
    model = HistGradientBoostingClassifier(max_iter=100, max_leaf_nodes=15, max_bins=63, early_stopping=True,
                                           random_state=seed, categorical_features=[not numeric[c] for c in columns])
    with _one_thread():
        model.fit(x_train, y_train)
        auc = float(roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]))
    n1, n2 = int((y_test == 0).sum()), int((y_test == 1).sum())
    spread = math.sqrt((n1 + n2 + 1) / (12 * n1 * n2))
    p_value = float(0.5 * math.erfc((auc - 0.5) / spread / math.sqrt(2)))
    return MultivariateDrift(auc, p_value, threshold, bool(auc >= threshold and p_value < 0.05), n_ref, n_cur, columns)
