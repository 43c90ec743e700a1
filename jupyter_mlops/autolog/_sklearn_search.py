"""A fitted search (GridSearchCV, RandomizedSearchCV...) as a parent run with one child per candidate.

Children are written straight to the spool (a run record, params, metrics, tags, an end record):
no run-start capture (environment, git, notebook code), which the parent already has, so a
1,000-candidate search costs about a thousand small appends.

>>> log_search(run, GridSearchCV(SVC(), {"C": [1, 10]}).fit(X, y), max_runs=None)  # doctest: +SKIP
"""

from __future__ import annotations

import math

from ._sklearn_log import log_params_into, loggable_params

METRIC_PREFIXES = ("mean_", "std_", "rank_")


def best_index(search, results: dict) -> int | None:
    """The best candidate: ``best_index_`` when the search refitted, else rank 1 of the first score."""
    index = getattr(search, "best_index_", None)
    if index is not None:
        return int(index)
    ranks = [k for k in results if k.startswith("rank_test_")]
    if not ranks:
        return None
    column = list(results["rank_test_score" if "rank_test_score" in results else ranks[0]])
    return column.index(min(column))


def log_search(parent, search, max_runs: int | None) -> None:
    import numpy as np

    results = search.cv_results_
    count = len(results["params"])
    columns = {k: np.asarray(v, dtype=float) for k, v in results.items() if k.startswith(METRIC_PREFIXES)}
    best = best_index(search, results)
    chosen = range(count)
    if max_runs is not None and max_runs < count:
        rank = columns.get("rank_test_score")
        if rank is None:
            rank = next((v for k, v in columns.items() if k.startswith("rank_test_")), np.zeros(count))
        chosen = sorted(np.argsort(rank, kind="stable")[:max_runs].tolist())
    best_run_id = None
    for i in chosen:
        child = _child_run(parent, f"{parent.name}-candidate-{i}")
        log_params_into(child, loggable_params(results["params"][i]))
        child.log_metrics({k: float(v[i]) for k, v in columns.items()})
        tags = {"mlops.autolog": "sklearn", "mlops.search.candidate": str(i)}
        if i == best:
            tags["mlops.search.best"] = "true"
            best_run_id = child.run_id
        child.set_tags(tags)
        child.end("finished")
    parent_tags = {"mlops.search.candidates": str(count), "mlops.search.logged_candidates": str(len(chosen))}
    if best is not None:
        log_params_into(parent, loggable_params(results["params"][best], prefix="best_"))
        score = getattr(search, "best_score_", None)
        if score is None:
            score = next((v[best] for k, v in columns.items() if k.startswith("mean_test_")), None)
        if score is not None and not math.isnan(float(score)):
            parent.log_metric("best_score", float(score))
        parent_tags["mlops.search.best_candidate"] = str(best)
        if best_run_id is not None:
            parent_tags["mlops.search.best_run_id"] = best_run_id
    parent.set_tags(parent_tags)
    _log_cv_results(parent, results)


def _child_run(parent, name: str):
    """A finished-when-ended child of ``parent``, recorded without start hooks or the active-run stack."""
    from ..tracking.runs import child_run

    return child_run(parent, name)


def _log_cv_results(parent, results: dict) -> None:
    import pandas as pd

    frame = pd.DataFrame({k: (v if k != "params" else [repr(p) for p in v]) for k, v in results.items()})
    parent._put_bytes(frame.to_csv(index=False).encode("utf-8"), "search/cv_results.csv")
