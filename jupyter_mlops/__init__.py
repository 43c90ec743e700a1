"""jupyter-mlops: experiment tracking, datasets, drift, registry, pipelines and serving in Jupyter.

A handful of verbs live here; everything lands in one store (a DuckDB file plus a
content-addressed artifact folder) that every process shares and plain SQL can query.

>>> import jupyter_mlops as ml
>>> with ml.start_run("baseline", experiment="iris"):       # doctest: +SKIP
...     ml.log_param("C", 1.0)
...     ml.log_metric("accuracy", 0.95)
>>> ml.search_runs("iris", where="metrics.accuracy > 0.9")   # doctest: +SKIP
"""

from ._version import __version__
from .autolog import autolog  # light: scikit-learn is imported when autolog is turned on
from .datasets import (
    build_training_set,
    dataset_path,
    define_feature_table,
    describe_dataset,
    diff_datasets,
    lineage,
    list_datasets,
    load_dataset,
    log_input,
    register_dataset,
)
from .errors import AlreadyExists, InvalidInput, MlopsError, NotFound, PipelineFailed, StoreBusy
from .tracking.log import (
    log_artifact,
    log_dict,
    log_figure,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    log_text,
    set_tag,
    set_tags,
)
from .tracking import environment as _environment  # noqa: F401  (registers run-context capture)
from .tracking.runs import active_run, end_run, set_experiment, start_run
from .tracking.search import (
    delete_run,
    get_run,
    list_experiments,
    metric_history,
    restore_run,
    search_runs,
)


_LAZY = {"check_drift": "drift", "drift_history": "drift", "get_drift_report": "drift"}
# Model registry verbs: also loaded on first use.
_MODEL_VERBS = (
    "register_model", "load_model", "get_model_version", "list_models", "delete_model_version",
    "restore_model_version", "set_alias", "rollback", "model_history", "evaluate", "compare_models",
    "PromotionPolicy",
)
_LAZY.update({name: "registry" for name in _MODEL_VERBS})
# Pipelines and schedules: papermill and croniter load on first use.
_PIPELINE_VERBS = {
    "run_pipeline": "pipelines.runs", "get_pipeline_run": "pipelines.runs", "list_pipeline_runs": "pipelines.runs",
    "PipelineRun": "pipelines.view",
    "schedule": "pipelines.schedules", "list_schedules": "pipelines.schedules", "get_schedule": "pipelines.schedules",
    "pause_schedule": "pipelines.schedules",
    "resume_schedule": "pipelines.schedules", "remove_schedule": "pipelines.schedules",
    "request_run": "pipelines.schedules", "scheduler_status": "pipelines.scheduler",
}
_LAZY.update(_PIPELINE_VERBS)
# Serving: starlette and uvicorn load on first use.
_SERVING_VERBS = ("serve", "list_servers", "set_traffic", "prediction_log")
_LAZY.update({name: "serving" for name in _SERVING_VERBS})


def __getattr__(name):
    """Drift verbs load on first use (they import numpy), so ``import jupyter_mlops`` stays fast."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _jupyter_server_extension_points():
    """The Jupyter server extension (REST API for the sidebar) lives in ``jupyter_mlops.server``."""
    return [{"module": "jupyter_mlops.server"}]


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "jupyter-mlops"}]


def load_ipython_extension(ipython) -> None:
    """``%load_ext jupyter_mlops``: register the ``%mlops`` magics (imports stay lazy)."""
    from .notebook import load_ipython_extension as load

    load(ipython)


def sql(query: str, params=None):
    """Run a read-only SQL query over the store's tables; return a pandas DataFrame.

    >>> sql("SELECT run_name, value FROM latest_metrics JOIN runs USING (run_id) WHERE key = 'acc'")  # doctest: +SKIP
    """
    from .store import open_store

    return open_store().sql(query, params)


__all__ = [
    "__version__",
    "set_experiment", "start_run", "end_run", "active_run",
    "log_param", "log_params", "log_metric", "log_metrics", "set_tag", "set_tags",
    "log_artifact", "log_text", "log_dict", "log_figure",
    "get_run", "search_runs", "metric_history", "list_experiments", "delete_run", "restore_run",
    "sql", "autolog",
    "register_dataset", "load_dataset", "dataset_path", "list_datasets", "describe_dataset", "diff_datasets",
    "log_input", "lineage", "define_feature_table", "build_training_set",
    "check_drift", "drift_history", "get_drift_report",
    *_MODEL_VERBS,
    *_PIPELINE_VERBS,
    *_SERVING_VERBS,
    "MlopsError", "InvalidInput", "NotFound", "AlreadyExists", "StoreBusy", "PipelineFailed",
]
