"""Evaluating a registered model version on data, stored with links to both.

The default metrics suit the task, as autolog's training metrics do (the same code computes
them): ``accuracy``, ``precision``, ``recall``, ``f1`` (weighted), ``log_loss`` and ``roc_auc``
(when the model has ``predict_proba``) for classifiers; ``mse``, ``rmse``, ``mae``, ``r2`` for
regressors; ``score`` for other estimators. ``metrics`` may also name any scikit-learn scorer
(``balanced_accuracy``, ``neg_mean_absolute_error``...) or map names to ``fn(y_true, y_pred)``.

>>> evaluate("churn@champion", "churn@6", target="churned").metrics["roc_auc"]    # doctest: +SKIP
0.874
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from ..errors import InvalidInput, closest
from ..store import open_store
from .loading import load_model
from .versions import ModelVersion, env_user, finite_or_none, now_utc, version_from

CLASSIFIER_METRICS = ("accuracy", "precision", "recall", "f1", "log_loss", "roc_auc")
REGRESSOR_METRICS = ("mse", "rmse", "mae", "r2")
# Metrics where smaller is better (everything else: larger is better, as scikit-learn scorers are).
LOWER_IS_BETTER = {"mse", "rmse", "mae", "log_loss", "max_error", "mape", "median_absolute_error", "brier_score"}


@dataclass
class Evaluation:
    """The metrics of one model version on one data set, as stored in ``model_evaluations``."""

    evaluation_id: str
    name: str
    version: int
    task: str
    metrics: dict
    rows: int
    target: str
    dataset: str | None
    data_fingerprint: str
    created_at: datetime
    extra: dict = field(default_factory=dict, repr=False)

    @property
    def ref(self) -> str:
        return f"{self.name}/{self.version}"

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.metrics.items())
        on = self.dataset or f"data {self.data_fingerprint[:12]}"
        return f"<Evaluation {self.ref} on {on} ({self.rows:,} rows): {shown}>"


def task_of(model) -> str:
    """``classification``, ``regression`` or ``other`` (scikit-learn's own test, when it applies)."""
    try:
        from sklearn.base import is_classifier, is_regressor
    except ImportError:
        return "other"
    if is_classifier(model):
        return "classification"
    if is_regressor(model):
        return "regression"
    return "other"


def default_metrics(task: str) -> tuple:
    return {"classification": CLASSIFIER_METRICS, "regression": REGRESSOR_METRICS}.get(task, ("score",))


def _frame_and_link(data):
    """``(DataFrame, "name@version" or None)``: a dataset reference is loaded; a frame that came from
    ``load_dataset`` (or a column subset of one) is recognised."""
    from ..datasets.lineage import registered_source
    from ..datasets.registry import load_dataset

    if isinstance(data, str):
        data = load_dataset(data)
    if type(data).__name__ != "DataFrame":
        raise InvalidInput(f"evaluate takes a DataFrame or a dataset reference such as 'churn@3', "
                           f"got {type(data).__name__}")
    if len(data) == 0:
        raise InvalidInput("the evaluation data has no rows")
    source = registered_source(data)
    return data, (f"{source[0]}@{source[1]}" if source else None)


def split_features(frame, target: str, model, version: ModelVersion):
    """``(X, y)``: the model's own input columns when it knows them, else every column but ``target``."""
    if not isinstance(target, str) or target not in frame.columns:
        columns = [str(c) for c in frame.columns]
        raise InvalidInput(f"target {target!r} is not a column of the data{closest(str(target), columns)}; "
                           f"columns: {', '.join(columns[:20])}")
    wanted = getattr(model, "feature_names_in_", None)
    if wanted is None and version.signature and version.signature.get("inputs", {}).get("type") == "dataframe":
        wanted = [c["name"] for c in version.signature["inputs"]["columns"]]
    if wanted is not None:
        missing = [str(c) for c in wanted if c not in frame.columns]
        if missing:
            raise InvalidInput(f"the data lacks column(s) {', '.join(missing[:10])} that {version.ref} takes as input")
        return frame[list(wanted)], frame[target]
    return frame.drop(columns=[target]), frame[target]


def _scorer(name: str):
    from sklearn.metrics import get_scorer, get_scorer_names

    if name not in get_scorer_names():
        return None
    return get_scorer(name)


def compute_metrics(model, X, y, task: str, metrics=None, extra=()) -> dict:
    """The task's default metrics (or ``metrics``: names or ``{name: fn(y_true, y_pred)}``), plus ``extra`` names."""
    from ..autolog._sklearn_log import training_metrics

    if metrics is not None and not isinstance(metrics, (list, tuple, dict)):
        raise InvalidInput(f"metrics must be a list of names or a dict of name -> fn(y_true, y_pred), got {metrics!r}")
    defaults = {k.removeprefix("training_"): v for k, v in training_metrics(model, X, y, None).items()}
    if "score" not in defaults and task == "other" and hasattr(model, "score"):
        try:
            defaults["score"] = float(model.score(X, y))
        except Exception:
            pass
    if metrics is None:
        names, functions = list(defaults), {}
    elif isinstance(metrics, dict):
        names, functions = [], dict(metrics)
    else:
        names, functions = list(metrics), {}
    names += [n for n in extra if n not in names and n not in functions]
    out: dict = {}
    predicted = None
    for name in names:
        if not isinstance(name, str):
            raise InvalidInput(f"a metric is named by text, got {name!r}")
        if name in defaults:
            out[name] = defaults[name]
            continue
        scorer = _scorer(name) if name not in default_metrics(task) else None
        if scorer is None:
            known = list(dict.fromkeys([*default_metrics(task), *defaults]))
            if name in known:
                raise InvalidInput(f"metric {name!r} cannot be computed for this model (e.g. no predict_proba); "
                                   f"available: {', '.join(defaults) or 'none'}")
            raise InvalidInput(f"unknown metric {name!r}{closest(name, known)}; use {', '.join(known)}, or any "
                               "scikit-learn scorer name (sklearn.metrics.get_scorer_names())")
        try:
            out[name] = float(scorer(model, X, y))
        except Exception as error:
            raise InvalidInput(f"metric {name!r} failed: {type(error).__name__}: {str(error)[:200]}") from None
    for name, fn in functions.items():
        if not callable(fn):
            raise InvalidInput(f"metric {name!r} must be a function fn(y_true, y_pred), got {type(fn).__name__}")
        if predicted is None:
            predicted = model.predict(X)
        out[str(name)] = float(fn(y, predicted))
    return out


def evaluate(model_ref, data, target: str, metrics=None, *, allow_unsafe: bool = False) -> Evaluation:
    """Evaluate a registered model version on ``data``; store and return the metrics.

    ``model_ref``: ``churn/3``, ``churn@champion``, ``churn`` or a ModelVersion. ``data``: a
    DataFrame or a dataset reference (``churn@6``); the evaluation is linked to that dataset
    version when the data is (or was loaded from) a registered version. ``target`` is the label
    column; the model gets its own input columns.

    >>> evaluate("churn/3", holdout_df, target="churned", metrics=["roc_auc", "f1"])   # doctest: +SKIP
    """
    return _evaluate(model_ref, data, target, metrics, allow_unsafe=allow_unsafe)


def _evaluate(model_ref, data, target, metrics=None, extra=(), *, allow_unsafe=False, frame_link=None) -> Evaluation:
    from ..autolog._sklearn_log import fingerprint
    from ..tracking.runs import active_run

    frame, dataset = frame_link or _frame_and_link(data)
    with open_store().connect() as con:
        version = version_from(con, model_ref)
    model = load_model(version.ref, allow_unsafe=allow_unsafe)
    X, y = split_features(frame, target, model, version)
    task = task_of(model)
    values = compute_metrics(model, X, y, task, metrics, extra)
    stored = {k: finite_or_none(v) for k, v in values.items()}
    evaluation = Evaluation(uuid.uuid4().hex, version.name, version.version, task, values, len(frame), target,
                            dataset, fingerprint(X, y), now_utc())
    name, number = (dataset.rsplit("@", 1) if dataset else (None, None))
    run = active_run()
    with open_store().connect() as con:
        con.execute("INSERT INTO model_evaluations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [evaluation.evaluation_id, version.name, version.version, name, int(number) if number else None,
                     evaluation.data_fingerprint, len(frame), target, task, json.dumps(stored),
                     run.run_id if run else None, env_user(), evaluation.created_at])
    return evaluation


def list_evaluations(name: str):
    """Every stored evaluation of model ``name``, newest first; a DataFrame (metrics as a dict column).

    >>> list_evaluations("churn")[["version", "dataset", "metrics"]]    # doctest: +SKIP
    """
    from .versions import _versions_of

    with open_store().connect() as con:
        _versions_of(con, name)
        frame = con.execute(
            """SELECT evaluation_id, version, CASE WHEN dataset IS NULL THEN NULL ELSE dataset || '@' || dataset_version END
                      AS dataset, rows, target, task, metrics, data_fingerprint, run_id, user_name AS "user", created_at
               FROM model_evaluations WHERE name = ? ORDER BY created_at DESC""", [name]).df()
    frame["metrics"] = [json.loads(m) for m in frame["metrics"]]
    return frame


def is_lower_better(metric: str) -> bool:
    """True for error-like metrics (mse, rmse, mae, log_loss...), where a smaller value is better."""
    return metric in LOWER_IS_BETTER


def nan_to_none(values: dict) -> dict:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in values.items()}
