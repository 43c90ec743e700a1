"""``check_drift``: compare current data with a reference, column by column and as a whole.

The ``auto`` method, by column kind and the smaller side's number of values ``n``:

- numeric: ``n <= 1000``: Kolmogorov-Smirnov; above: normalised Wasserstein distance;
- categorical: ``n <= 1000``: chi-square, or the Z-test when there are two categories;
  above: Jensen-Shannon distance.

Below about a thousand values a test's p-value is informative and a distance is mostly noise
(two samples of 100 values from one normal distribution are on average 0.18 apart in normalised
Wasserstein terms, above the 0.1 threshold; at 1,000 values the 95th percentile of that noise is
0.097); above it, tests flag shifts too small to matter (KS at a million rows a side: 0.005 sd),
and a distance with a fixed threshold measures how much the data moved. This is Evidently's
rule, except that it looks at the smaller side, so a small current batch against a large stored
reference still gets a test.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

import numpy as np

from ..errors import InvalidInput
from .methods import get_method
from .plan import all_null_error, check_options, plan_columns
from .report import ColumnDrift, DriftReport
from .sketch import MAX_CATEGORIES, ColumnSpec, scan
from .stats import display_distribution

SMALL_SAMPLE = 1000
DEFAULT_SAMPLE = 5000


def auto_method(kind: str, n: int, categories: int = 0) -> str:
    """The method ``auto`` picks for a column of ``kind`` with ``n`` values on its smaller side.

    >>> auto_method("numeric", 500), auto_method("numeric", 50_000)
    ('ks', 'wasserstein')
    >>> auto_method("categorical", 500, categories=2), auto_method("categorical", 500, 4), auto_method("categorical", 5000, 4)
    ('ztest', 'chisquare', 'jensenshannon')
    """
    if kind in ("numeric", "temporal"):
        return "ks" if n <= SMALL_SAMPLE else "wasserstein"
    if n <= SMALL_SAMPLE:
        return "ztest" if categories <= 2 else "chisquare"
    return "jensenshannon"


def adjust_p_values(p_values, correction: str) -> np.ndarray:
    """Bonferroni or Benjamini-Hochberg adjusted p-values (``none``: unchanged).

    >>> adjust_p_values([0.01, 0.04, 0.03], "bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if correction == "none" or m == 0:
        return p
    if correction == "bonferroni":
        return np.minimum(1.0, p * m)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(1.0, ranked)
    return out


def _reference_side(con, ref, plan, sample_size):
    from .reference import knots_by_scan, load_reference, reference_specs

    if ref.version is not None:
        sketches, sample = load_reference(ref.version)
        lost = [name for name, *_ in plan if name not in sketches]
        if lost:
            raise InvalidInput(f"the stored reference of {ref.label} has no sketch of {', '.join(map(repr, lost))}; "
                               "register the data again")
        return sketches, (sample if sample_size else None)
    schema = {name: ref.schema[name] for name, *_ in plan}
    specs = reference_specs(schema, knots_by_scan(con, ref.relation, ref.params, schema, ref.rows))
    result = scan(con, ref.relation, ref.params, specs, sample_rows=sample_size, total_rows=ref.rows, seed=1)
    return result.sketches, result.sample


def _resolve(name: str, kind: str, sketch_ref, sketch_cur, method, threshold):
    per_column = isinstance(method, dict) and name in method
    chosen = method.get(name, method.get("*", "auto")) if isinstance(method, dict) else method
    family = "numeric" if kind in ("numeric", "temporal") else "categorical"
    if chosen != "auto":
        found = get_method(chosen)
        if not found.supports(family):
            if per_column:
                fitting = [m for m in _method_names() if get_method(m).supports(family)]
                raise InvalidInput(f"method {found.name!r} compares {' and '.join(found.kinds)} columns, and {name!r} "
                                   f"is {kind}; use one of: {', '.join(fitting)}")
            chosen = "auto"  # a method named for every column applies to the columns it can compare
    if chosen == "auto":
        n = min(sketch_ref.count, sketch_cur.count)
        categories = len(set(sketch_ref.values) | set(sketch_cur.values)) if family == "categorical" else 0
        chosen = auto_method(kind, n, categories)
    found = get_method(chosen)
    limit = threshold.get(name, threshold.get("*")) if isinstance(threshold, dict) else threshold
    return found, float(limit) if limit is not None else found.default_threshold


def _method_names():
    from .methods import method_names

    return method_names()


def _check_reference_sketch(name, kind, sketch, method, ref) -> None:
    if sketch.count == 0:
        raise all_null_error(name, "reference", ref.rows)
    if sketch.kind == "numeric" and (sketch.std == 0 or sketch.minimum == sketch.maximum) and "categorical" not in method.kinds:
        value = sketch.minimum
        shown = int(value) if float(value).is_integer() else value
        raise InvalidInput(f"column {name!r} is constant in the reference (every value is {shown}), so it has no spread "
                           f"to measure drift against; leave it out with columns=[...] or compare it as a category "
                           f"with method={{{name!r}: 'chisquare'}}")


def _line(name, role, kind, dtype, method, limit, ref_sketch, cur_sketch) -> ColumnDrift:
    statistic, p_value = method.compute(ref_sketch, cur_sketch)
    new = {}
    if ref_sketch.kind == "categorical":
        new = {v: n for v, n in cur_sketch.values.items() if v not in ref_sketch.values}
    note = ""
    if new:
        shown = ", ".join(f"{v!r} ({n:,})" for v, n in list(new.items())[:5])
        note = f"{len(new)} categor{'y' if len(new) == 1 else 'ies'} seen only in the current data: {shown}" + (", ..." if len(new) > 5 else "")
    return ColumnDrift(
        column=name, role=role, type=dtype, kind=kind, method=method.name, statistic=float(statistic),
        p_value=None if p_value is None else float(p_value), p_value_adjusted=None, threshold=limit, drifted=False,
        severity=0.0, reference_count=ref_sketch.count, current_count=cur_sketch.count,
        reference_missing=ref_sketch.missing / max(ref_sketch.count + ref_sketch.missing, 1),
        current_missing=cur_sketch.missing / max(cur_sketch.count + cur_sketch.missing, 1),
        new_categories=dict(list(new.items())[:50]), note=note, distribution=display_distribution(ref_sketch, cur_sketch),
    )


def _verdicts(lines: list, correction: str) -> None:
    tests = [line for line in lines if line.p_value is not None]
    for line, adjusted in zip(tests, adjust_p_values([t.p_value for t in tests], correction)):
        line.p_value_adjusted = float(adjusted)
    for line in lines:
        if line.p_value is not None:
            line.drifted = bool(line.p_value_adjusted < line.threshold)
            line.severity = float(np.log(max(line.p_value_adjusted, 1e-300)) / np.log(line.threshold)) if line.threshold < 1 else 0.0
        else:
            line.drifted = bool(line.statistic >= line.threshold)
            line.severity = float(line.statistic / line.threshold)
    lines.sort(key=lambda line: (-line.severity, line.column))


def preload_classifier():
    """Import scikit-learn on a thread while DuckDB scans (the import alone takes about a second)."""
    import threading

    def load():
        try:
            import sklearn.ensemble  # noqa: F401
            import sklearn.metrics  # noqa: F401
            import sklearn.model_selection  # noqa: F401
        except ImportError:
            pass

    thread = threading.Thread(target=load, name="mlops-drift-preload", daemon=True)
    thread.start()
    return thread


def check_drift(reference, current, columns=None, method="auto", threshold=None, *, target=None, prediction=None,
                correction: str = "bh", drift_share: float = 0.5, multivariate: bool = True,
                sample_size: int = DEFAULT_SAMPLE, model=None, save: bool = True) -> DriftReport:
    """Compare ``current`` data with ``reference`` data, column by column and as a whole.

    ``reference`` and ``current`` are each a registered dataset (``"churn@1"``), a DataFrame or a
    Parquet/CSV path; a registered reference uses its stored sketch, so only ``current`` is scanned
    (once, by DuckDB, in bounded memory). ``method`` is ``"auto"``, a method name for every column
    it can compare (``ks``, ``chisquare``, ``ztest``, ``psi``, ``jensenshannon``, ``wasserstein``,
    ``hellinger``, or one a package registered), or a dict ``{column: method}`` (key ``"*"``: the
    others' method, default ``auto``); ``threshold`` likewise (default: each method's own).
    ``target`` and ``prediction`` columns get their own lines. P-values are corrected across the
    report's tests (``correction``: ``bh`` Benjamini-Hochberg, ``bonferroni`` or ``none``); the
    dataset drifts when the share of drifted feature columns reaches ``drift_share``.
    ``multivariate`` adds a domain-classifier check on ``sample_size`` rows a side. ``model``
    (``"churn/3"``, ``"churn@champion"``) links the report to the model version serving this data.
    The report is saved in the store unless ``save=False``.

    >>> report = check_drift("churn@1", df_new, method={"plan": "psi"}, target="churned")   # doctest: +SKIP
    >>> report.drifted_columns, report.drift_share                                        # doctest: +SKIP
    (['tenure'], 0.25)
    """
    from .multivariate import domain_classifier
    from .reference import limit_memory, scan_connection
    from .sources import open_source

    started = time.perf_counter()
    check_options(method, threshold, correction, drift_share, sample_size)
    model_version = (None, None)
    if model is not None:
        from ..registry.versions import get_model_version

        found = get_model_version(model)
        model_version = (found.name, found.version)
    warm = preload_classifier() if multivariate else None
    con = scan_connection(0)
    try:
        ref = open_source(reference, "reference", con)
        cur = open_source(current, "current", con)
        limit_memory(con, len(cur.schema))
        if cur.rows == 0:
            raise InvalidInput(f"the current data ({cur.label}) has no rows; check data with at least one row")
        if ref.rows == 0:
            raise InvalidInput(f"the reference data ({ref.label}) has no rows; compare against data with at least one row")
        plan, skipped = plan_columns(ref, cur, columns, target, prediction)
        for option, given in (("method", method), ("threshold", threshold)):
            for name in (given if isinstance(given, dict) else {}):
                if name != "*" and name not in {p[0] for p in plan}:
                    raise InvalidInput(f"{option}= names column {name!r}, which is not checked; checked: "
                                       f"{', '.join(p[0] for p in plan)}")
        sample_size = sample_size if multivariate else 0
        ref_sketches, ref_sample = _reference_side(con, ref, plan, sample_size)
        checked = []
        for name, role, kind in plan:
            sketch = ref_sketches[name]
            if sketch.kind == "categorical" and sketch.distinct > MAX_CATEGORIES:
                if columns is None and role == "feature":
                    skipped[name] = f"{sketch.distinct:,} distinct values (an identifier or free text?)"
                    continue
                raise InvalidInput(f"column {name!r} has {sketch.distinct:,} distinct values in the reference (more than "
                                   f"{MAX_CATEGORIES:,}: an identifier or free text?); leave it out of columns=[...]")
            checked.append((name, role, kind))
        if not checked:
            raise InvalidInput(f"none of the columns can be checked ({'; '.join(f'{c}: {r}' for c, r in skipped.items())})")
        specs = [ColumnSpec(name, kind, getattr(ref_sketches[name], "edges", None)) for name, _, kind in checked]
        current_scan = scan(con, cur.relation, cur.params, specs, sample_rows=sample_size, total_rows=cur.rows, seed=2)
    finally:
        con.close()
    lines = []
    for name, role, kind in checked:
        ref_sketch, cur_sketch = ref_sketches[name], current_scan.sketches[name]
        found, limit = _resolve(name, kind, ref_sketch, cur_sketch, method, threshold)
        _check_reference_sketch(name, kind, ref_sketch, found, ref)
        if cur_sketch.count == 0:
            raise all_null_error(name, "current", cur.rows)
        lines.append(_line(name, role, kind, ref.schema.get(name), found, limit, ref_sketch, cur_sketch))
    _verdicts(lines, correction)
    features = [line for line in lines if line.role == "feature"]
    share = sum(line.drifted for line in features) / len(features) if features else 0.0
    mv = None
    if multivariate and features:
        names = [line.column for line in features]
        numeric = {line.column: line.kind in ("numeric", "temporal") for line in features}
        if warm is not None:
            warm.join()
        if ref_sample is None or current_scan.sample is None:
            from .report import MultivariateDrift

            mv = MultivariateDrift(None, None, 0.55, None, 0, 0, names, note="not run: the reference has no stored sample")
        else:
            mv = domain_classifier(ref_sample.select(names), current_scan.sample.select(names), names, numeric)
    from ..tracking.runs import active_run

    run = active_run()
    report = DriftReport(
        report_id=uuid.uuid4().hex, created_at=datetime.now(timezone.utc).replace(tzinfo=None),
        reference=ref.label, current=cur.label, reference_rows=ref.rows, current_rows=current_scan.rows,
        columns=lines, drift_share=share, drift_share_threshold=float(drift_share),
        drifted=bool(features) and share >= drift_share, correction=correction, multivariate=mv,
        reference_dataset=ref.dataset, current_dataset=cur.dataset, model=model_version, run_id=run.run_id if run else None,
        options={"method": method, "threshold": threshold, "columns": columns, "target": target, "prediction": prediction,
                 "sample_size": sample_size, "skipped": skipped},
    )
    report.seconds = time.perf_counter() - started
    if save:
        from .records import save_report

        save_report(report)
    return report
