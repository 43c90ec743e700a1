"""Registry benchmarks: ``load_model`` of a registered model beside ``mlflow.sklearn.load_model``.

Two models, both registered and given the alias ``champion``, loaded by that alias:

* a small pipeline (StandardScaler + LogisticRegression on breast cancer, 569 x 30);
* a RandomForestClassifier with 100 trees on the same data (a few MB).

For each: **warm** (the median of N loads in a process that already loaded once: imports done,
database cache warm) and **cold** (a fresh process: imports plus the first load, median of N
processes; interpreter start-up excluded on both sides). jupyter-mlops loads through skops with
the declared trusted types and verifies the artifact's SHA-256 on every load. MLflow uses its
default serialization (recorded in the note), a sqlite tracking/registry store and a local
artifact folder in a temp dir, resolving ``models:/bench@champion`` through its registry.

Run it:  python benchmarks/run.py --only registry [--quick]
One side alone (prints JSON):  python benchmarks/bench_registry.py ours_setup '{"dir": "/tmp/x"}'
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Row, run_side, side_main, temp_dir  # noqa: E402

PEER = "MLflow 3.x"
SIZES = {"full": {"warm": 30, "cold": 7, "trees": 100}, "quick": {"warm": 5, "cold": 2, "trees": 20}}
MODELS = ("pipeline", "forest")


def _models(trees: int) -> dict:
    import warnings

    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    warnings.filterwarnings("ignore")
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return {
        "pipeline": (make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), X),
        "forest": (RandomForestClassifier(n_estimators=trees, random_state=0).fit(X, y), X),
    }


def _warm(load, repeat: int) -> dict:
    load()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        load()
        times.append(time.perf_counter() - start)
    return {"warm_s": statistics.median(times)}


# --- jupyter-mlops side (child processes; MLOPS_HOME is set by the parent) ---------------------


def ours_setup(sizes: dict) -> dict:
    import jupyter_mlops as ml

    sizes_out = {}
    for name, (model, X) in _models(sizes["trees"]).items():
        version = ml.register_model(model, f"bench-{name}", input_example=X.head())
        ml.set_alias(version.name, "champion", version.version, reason="benchmark")
        sizes_out[name] = version.size
    return {"bytes": sizes_out}


def ours_cold(sizes: dict) -> dict:
    start = time.perf_counter()
    import jupyter_mlops as ml

    model = ml.load_model(f"bench-{sizes['model']}@champion")
    elapsed = time.perf_counter() - start
    return {"cold_s": elapsed, "class": type(model).__name__}


def ours_warm(sizes: dict) -> dict:
    import jupyter_mlops as ml

    return _warm(lambda: ml.load_model(f"bench-{sizes['model']}@champion"), sizes["warm"])


# --- MLflow side (child processes) ------------------------------------------------------------


def _quiet_mlflow():
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    for name in ("mlflow", "alembic", "sqlalchemy"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _mlflow_uri(folder: str) -> str:
    return f"sqlite:///{folder}/mlflow.db"


def mlflow_setup(sizes: dict) -> dict:
    _quiet_mlflow()
    import mlflow
    import mlflow.sklearn
    from mlflow import MlflowClient

    mlflow.set_tracking_uri(_mlflow_uri(sizes["dir"]))
    experiment_id = mlflow.create_experiment("bench", artifact_location=f"file://{sizes['dir']}/artifacts")
    client, formats = MlflowClient(), {}
    for name, (model, X) in _models(sizes["trees"]).items():
        with mlflow.start_run(experiment_id=experiment_id):
            # MLflow 3.x saves with skops by default and, like us, wants the tree type declared trusted.
            trusted = ["sklearn.tree._tree.Tree"] if name == "forest" else None
            info = mlflow.sklearn.log_model(model, name="model", registered_model_name=f"bench-{name}",
                                            input_example=X.head(), skops_trusted_types=trusted)
        version = client.get_latest_versions(f"bench-{name}")[0].version if not hasattr(info, "registered_model_version") \
            else info.registered_model_version
        client.set_registered_model_alias(f"bench-{name}", "champion", version)
        from mlflow.models import Model

        formats[name] = Model.load(info.model_uri).flavors["sklearn"].get("serialization_format")
    return {"formats": formats}


def mlflow_cold(sizes: dict) -> dict:
    start = time.perf_counter()
    _quiet_mlflow()
    import mlflow
    import mlflow.sklearn

    mlflow.set_tracking_uri(_mlflow_uri(sizes["dir"]))
    model = mlflow.sklearn.load_model(f"models:/bench-{sizes['model']}@champion")
    return {"cold_s": time.perf_counter() - start, "class": type(model).__name__}


def mlflow_warm(sizes: dict) -> dict:
    _quiet_mlflow()
    import mlflow
    import mlflow.sklearn

    mlflow.set_tracking_uri(_mlflow_uri(sizes["dir"]))
    return _warm(lambda: mlflow.sklearn.load_model(f"models:/bench-{sizes['model']}@champion"), sizes["warm"])


SIDES = {f.__name__: f for f in (ours_setup, ours_cold, ours_warm, mlflow_setup, mlflow_cold, mlflow_warm)}


# --- parent: run each side in its own processes and assemble rows -----------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def _measure(prefix: str, folder: str, sizes: dict) -> dict:
    """Set up the store once, then per model: ``cold`` fresh processes and one warm process."""
    env = {"MLOPS_HOME": os.path.join(folder, "mlops")}
    side = lambda name, extra: run_side(os.path.abspath(__file__), f"{prefix}_{name}", {**sizes, "dir": folder, **extra},  # noqa: E731
                                        env=env, cwd=folder)
    out = {"setup": side("setup", {})}
    for model in MODELS:
        colds = [side("cold", {"model": model})["cold_s"] for _ in range(sizes["cold"])]
        out[model] = {"cold_s": statistics.median(colds), "colds": colds, **side("warm", {"model": model})}
    return out


def run(quick: bool = False) -> list[Row]:
    """Measure cold and warm ``load_model`` of both models, ours and MLflow's."""
    sizes = SIZES["quick" if quick else "full"]
    with temp_dir("registry-ours") as folder:
        ours = _measure("ours", folder, sizes)
    with temp_dir("registry-mlflow") as folder:
        peer = _measure("mlflow", folder, sizes)
    labels = {"pipeline": "scaler + logistic regression",
              "forest": f"random forest, {sizes['trees']} trees"}
    rows = []
    for model in MODELS:
        size = ours["setup"]["bytes"][model]
        fmt = peer["setup"]["formats"][model]
        rows.append(Row(
            f"`load_model` warm: {labels[model]} ({size / 1e3:,.0f} kB skops)", ours[model]["warm_s"], PEER,
            peer[model]["warm_s"], peer[model]["warm_s"],
            note=(f"Median of {sizes['warm']} loads of `{'bench-' + model}@champion` after one warm-up, in one process. "
                  "jupyter-mlops: resolve the alias in DuckDB, read the blob, verify its SHA-256 and size, skops "
                  f"load with the declared trusted types. MLflow: `mlflow.sklearn.load_model('models:/...@champion')`, "
                  f"sqlite registry, its default serialization ({fmt}; the forest with `skops_trusted_types`), no hash "
                  "check. Target: at most MLflow's."),
        ))
        rows.append(Row(
            f"`load_model` cold (fresh process): {labels[model]}", ours[model]["cold_s"], PEER, peer[model]["cold_s"],
            peer[model]["cold_s"],
            note=(f"Median of {sizes['cold']} fresh processes, each timing its imports plus the first load "
                  f"(interpreter start-up excluded). jupyter-mlops: {', '.join(_ms(t) for t in ours[model]['colds'])}; "
                  f"MLflow: {', '.join(_ms(t) for t in peer[model]['colds'])}. Target: at most MLflow's."),
        ))
    return rows


if __name__ == "__main__":
    side_main(SIDES)
