"""Autolog benchmarks: jupyter-mlops ``autolog()`` against ``mlflow.sklearn.autolog()`` (sqlite store).

Figures (target: at most MLflow's own overhead):

* autolog on a small fit: extra wall time of ``LogisticRegression().fit`` on breast-cancer
  (569 x 30, standardised once beforehand so the fit itself takes a few ms), median of 15;
* autolog of a 1,000-candidate ``GridSearchCV`` (DecisionTreeClassifier on iris, cv=2): extra
  wall time to record the parent and every candidate as a child run (MLflow: max_tuning_runs=None),
  one search with autolog on against the best of two with it off.

Both sides log the model (ours: skops, theirs: cloudpickle with its MLmodel/requirements files),
params and training metrics; MLflow also logs its dataset record, ours the data fingerprint.
Overhead = time with autolog on - time with it off, in the same process; for the small fit the
two are interleaved (off, on, off, on...) so machine noise hits both alike. Each side runs in
its own child process with its own temp store.

Run it:  python benchmarks/run.py --only autolog [--quick]
One side alone (prints JSON):  python benchmarks/bench_autolog.py ours_small '{"repeat": 5, "dir": "/tmp/x"}'
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Row, run_side, side_main, temp_dir  # noqa: E402

PEER = "MLflow 3.x"
SIZES = {
    "full": {"repeat": 15, "search_axes": 10, "search_repeat": 2},
    "quick": {"repeat": 5, "search_axes": 5, "search_repeat": 1},
}


def _small_data():
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _small_fit(X, y):
    from sklearn.linear_model import LogisticRegression

    def fit():
        LogisticRegression().fit(X, y)

    return fit


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _interleaved(fit, enable, disable, repeat: int) -> dict:
    """Median fit time with autolog off and on, alternating; plus the first (cold) fit with it on."""
    for _ in range(3):
        fit()
    enable()
    cold = _timed(fit)
    fit()
    off, on = [], []
    for _ in range(repeat):
        disable()
        off.append(_timed(fit))
        enable()
        on.append(_timed(fit))
    disable()
    return {"off_s": statistics.median(off), "on_s": statistics.median(on), "cold_s": cold,
            "overhead_s": statistics.median(on) - statistics.median(off)}


def _search(axes: int):
    """A GridSearchCV with axes**3 candidates (axes <= 10) of a tiny tree on iris."""
    from sklearn.datasets import load_iris
    from sklearn.model_selection import GridSearchCV
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    grid = {"max_depth": list(range(1, axes + 1)), "min_samples_leaf": list(range(1, axes + 1)),
            "min_samples_split": list(range(2, axes + 2))}
    return lambda: GridSearchCV(DecisionTreeClassifier(random_state=0), grid, cv=2).fit(X, y), axes ** 3


def _search_overhead(fit, enable, disable, repeat: int) -> dict:
    """Best of ``repeat`` searches with autolog off, then one with it on (after a warm-up fit)."""
    off = min(_timed(fit) for _ in range(repeat))
    enable()
    _small_fit(*_small_data())()  # first-use imports (skops, metrics) are not part of the figure
    on = _timed(fit)
    disable()
    return {"off_s": off, "on_s": on, "overhead_s": on - off}


# --- jupyter-mlops side (child process; MLOPS_HOME is set by the parent) -----------------------


def _ours():
    import jupyter_mlops as ml
    from jupyter_mlops.autolog import autolog

    ml.set_experiment("bench")
    return ml, (lambda: autolog(silent=True)), (lambda: autolog(False))


def ours_small(sizes: dict) -> dict:
    ml, enable, disable = _ours()
    result = _interleaved(_small_fit(*_small_data()), enable, disable, sizes["repeat"])
    start = time.perf_counter()
    runs = ml.search_runs(experiment="bench", max_results=None)
    result["fold_s"], result["runs"] = time.perf_counter() - start, len(runs)
    result["model_formats"] = sorted(set(runs["tags.mlops.model.format"]))
    return result


def ours_search(sizes: dict) -> dict:
    ml, enable, disable = _ours()
    fit, candidates = _search(sizes["axes"])
    result = _search_overhead(fit, enable, disable, sizes["repeat"])
    start = time.perf_counter()
    runs = ml.search_runs(experiment="bench", max_results=None)
    result["fold_s"] = time.perf_counter() - start
    result["children"] = int(runs["parent_run_id"].notna().sum())  # the warm-up fit is a run without children
    parent = runs[runs["tags.mlops.autolog.estimator"] == "GridSearchCV"].iloc[0]
    result["inside_s"] = result["on_s"] - float(parent["metrics.fit_time_s"])  # autolog's own share of the call
    result["candidates"] = candidates
    return result


# --- MLflow side (child process) --------------------------------------------------------------


def _mlflow(folder: str, **options):
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    for name in ("mlflow", "alembic", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import mlflow
    import mlflow.sklearn

    mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
    experiment_id = mlflow.create_experiment("bench", artifact_location=f"file://{folder}/artifacts")
    mlflow.set_experiment(experiment_id=experiment_id)

    def enable():
        mlflow.sklearn.autolog(log_models=True, silent=True, **options)

    def disable():
        mlflow.sklearn.autolog(disable=True, silent=True)

    return mlflow, experiment_id, enable, disable


def mlflow_small(sizes: dict) -> dict:
    mlflow, experiment_id, enable, disable = _mlflow(sizes["dir"])
    result = _interleaved(_small_fit(*_small_data()), enable, disable, sizes["repeat"])
    result["runs"] = len(mlflow.search_runs(experiment_ids=[experiment_id], max_results=1000))
    return result


def mlflow_search(sizes: dict) -> dict:
    mlflow, experiment_id, enable, disable = _mlflow(sizes["dir"], max_tuning_runs=None)
    fit, candidates = _search(sizes["axes"])
    result = _search_overhead(fit, enable, disable, sizes["repeat"])
    runs = mlflow.search_runs(experiment_ids=[experiment_id], max_results=50_000)
    result["children"] = int(runs["tags.mlflow.parentRunId"].notna().sum()) if len(runs) else 0
    result["candidates"] = candidates
    return result


SIDES = {f.__name__: f for f in (ours_small, ours_search, mlflow_small, mlflow_search)}


# --- parent: run each side in its own process and assemble rows -------------------------------


def _side(name: str, sizes: dict) -> dict:
    with temp_dir(name) as folder:
        env = {"MLOPS_HOME": os.path.join(folder, "mlops")}
        return run_side(os.path.abspath(__file__), name, {**sizes, "dir": folder}, env=env, cwd=folder)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def _small_row(sizes: dict) -> Row:
    ours, peer = _side("ours_small", sizes), _side("mlflow_small", sizes)
    return Row(
        "autolog on a small fit (LogisticRegression, breast cancer)", ours["overhead_s"], PEER, peer["overhead_s"],
        peer["overhead_s"],
        note=(
            f"Extra wall time per `fit`, median of {sizes['repeat']} fits with autolog on minus median of "
            f"{sizes['repeat']} with it off, interleaved; both log params, training metrics and the model. "
            f"jupyter-mlops: fit {_ms(ours['off_s'])} off, {_ms(ours['on_s'])} on, first fit after enabling "
            f"{_ms(ours['cold_s'])} (imports skops); model format {', '.join(ours['model_formats'])}; reading the "
            f"{ours['runs']} runs back (first `search_runs`, folding the spool) took {_ms(ours['fold_s'])}, not "
            f"counted. MLflow (sqlite, `log_models=True`, cloudpickle): fit {_ms(peer['off_s'])} off, "
            f"{_ms(peer['on_s'])} on, first fit {_ms(peer['cold_s'])}; {peer['runs']} runs. Target: at most "
            "MLflow's overhead."
        ),
    )


def _search_row(sizes: dict) -> Row:
    search = {"axes": sizes["search_axes"], "repeat": sizes["search_repeat"]}
    ours, peer = _side("ours_search", search), _side("mlflow_search", search)
    n = ours["candidates"]
    return Row(
        f"autolog of a {n:,}-candidate GridSearchCV (every candidate a child run)", ours["overhead_s"], PEER,
        peer["overhead_s"], peer["overhead_s"],
        note=(
            f"DecisionTreeClassifier on iris, cv=2: wall time of one search with autolog on (after a warm-up fit) "
            f"minus the best of {search['repeat']} with it off. jupyter-mlops: {_ms(ours['off_s'])} off, "
            f"{_ms(ours['on_s'])} on, {ours['children']:,} child runs; autolog's own share of that call (its "
            f"wall time minus the `fit_time_s` it logged) was {_ms(ours['inside_s'])}; the first `search_runs` "
            f"folded them in {_ms(ours['fold_s'])} (not counted). MLflow (`max_tuning_runs=None`; its default "
            f"logs only the best 5): {_ms(peer['off_s'])} off, {_ms(peer['on_s'])} on, {peer['children']:,} "
            "child runs. Target: at most MLflow's overhead."
        ),
    )


def run(quick: bool = False) -> list[Row]:
    """Measure both autolog figures; each side in its own child process."""
    sizes = SIZES["quick" if quick else "full"]
    return [_small_row(sizes), _search_row(sizes)]


if __name__ == "__main__":
    side_main(SIDES)
