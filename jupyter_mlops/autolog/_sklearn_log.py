"""What autolog records about one scikit-learn fit: params, input fingerprint, training metrics.

Every function here may raise; the caller (``_sklearn_session.Session``) guards each step.

>>> param_text(0.5), param_text(None)
('0.5', 'None')
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import numbers
import pickle
import sys
import types
import warnings

from ..tracking.validation import MAX_KEY, MAX_VALUE

REPR_LIMIT = 500  # characters kept of an object's repr in a param value
COLUMNS_TAG_LIMIT = 1000  # longer column lists go to input/columns.json
_signatures: dict = {}


# -- the arguments of fit --------------------------------------------------------------------------
def fit_inputs(original, args: tuple, kwargs: dict):
    """``(X, y, sample_weight)`` passed to ``original(self, ...)``, by position or name (None if absent)."""
    names = _signatures.get(original)
    if names is None:
        params = list(inspect.signature(original).parameters.values())[1:]
        positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        names = _signatures[original] = positional[:3]
    bound = dict(zip(names, args))
    value = lambda i: (bound.get(names[i], kwargs.get(names[i])) if len(names) > i else None)  # noqa: E731
    X = value(0)
    y = value(1) if len(names) > 1 and names[1] in ("y", "Y") else kwargs.get("y")
    weight = bound.get("sample_weight", kwargs.get("sample_weight"))
    return X, y, weight


# -- params ----------------------------------------------------------------------------------------
def param_text(value) -> str:
    """A param value as text: scalars as is, functions and classes by name, objects by a short repr."""
    if value is None or isinstance(value, (str, numbers.Number)) or getattr(value, "ndim", None) == 0:
        return str(value)  # numpy scalars too: str(np.True_) is 'True' where repr says 'np.True_'
    if isinstance(value, type) or isinstance(value, (types.FunctionType, types.BuiltinFunctionType)):
        return f"{getattr(value, '__module__', None) or ''}.{getattr(value, '__qualname__', repr(value))}".lstrip(".")
    text = repr(value)
    return text if len(text) <= REPR_LIMIT else text[: REPR_LIMIT - 3] + "..."


def loggable_params(params: dict, prefix: str = "") -> dict:
    """``{key: text}`` for the params that fit the store's limits; the others are left out."""
    out = {}
    for key, value in params.items():
        key = f"{prefix}{key}"
        try:
            text = param_text(value)
        except Exception:
            continue
        if 0 < len(key) <= MAX_KEY and len(text) <= MAX_VALUE:
            out[key] = text
    return out


def log_params_into(run, params: dict) -> None:
    """Log params one by one, so one refused value (already logged differently) spares the rest."""
    failures = []
    for key, text in params.items():
        try:
            run.log_param(key, text)
        except Exception as error:
            failures.append(error)
    if failures:
        raise failures[0]


def log_params(run, estimator) -> None:
    log_params_into(run, loggable_params(estimator.get_params(deep=True)))


# -- training data ---------------------------------------------------------------------------------
def fingerprint(X, y=None) -> str:
    """SHA-256 over the contents of X (and y): values, shape, dtypes and column names.

    >>> import numpy as np
    >>> fingerprint(np.zeros((2, 2))) == fingerprint(np.zeros((2, 2)))
    True
    """
    digest = hashlib.sha256()
    _feed(digest, "X", X)
    if y is not None:
        _feed(digest, "y", y)
    return digest.hexdigest()


def _feed(digest, label: str, data) -> None:
    import numpy as np

    digest.update(f"\0{label}:{type(data).__name__}\0".encode())
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(data, (pd.DataFrame, pd.Series)):
        header = [list(map(str, data.columns)), list(map(str, data.dtypes))] if isinstance(data, pd.DataFrame) \
            else [str(data.name), str(data.dtype)]
        digest.update(json.dumps([header, list(data.shape)]).encode())
        try:
            digest.update(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
            return
        except TypeError:  # unhashable cells (lists, dicts): fall back to the pickled values
            digest.update(pickle.dumps(data.to_numpy(), protocol=5))
            return
    if hasattr(data, "tocsr") and hasattr(data, "nnz"):  # scipy.sparse
        data = data.tocsr()
        digest.update(repr((data.shape, str(data.dtype))).encode())
        for part in (data.data, data.indices, data.indptr):
            digest.update(np.ascontiguousarray(part))
        return
    array = data if isinstance(data, np.ndarray) else _as_array(data)
    if array is None or array.dtype.hasobject:
        digest.update(pickle.dumps(data, protocol=5))
        return
    digest.update(repr((array.shape, array.dtype.str)).encode())
    digest.update(np.ascontiguousarray(array))


def _as_array(data):
    import numpy as np

    try:
        return np.asarray(data)
    except Exception:
        return None


def log_input(run, X, y) -> None:
    tags = {"mlops.input.fingerprint": fingerprint(X, y), "mlops.input.type": _type_name(X)}
    shape = getattr(X, "shape", None)
    if shape is None and hasattr(X, "__len__"):
        shape = (len(X),)
    if shape is not None:
        tags["mlops.input.shape"] = "x".join(str(n) for n in shape)
    columns = getattr(X, "columns", None)
    if columns is not None:
        names = json.dumps([str(c) for c in columns], ensure_ascii=False)
        if len(names) <= COLUMNS_TAG_LIMIT:
            tags["mlops.input.columns"] = names
        else:
            run._put_bytes(names.encode("utf-8"), "input/columns.json")
    if getattr(y, "name", None) is not None and not callable(y.name):
        tags["mlops.input.target"] = str(y.name)
    run.set_tags(tags)
    _link_registered_dataset(run, X)


def _link_registered_dataset(run, X) -> None:
    """Lineage: when X is (a column subset of) a registered dataset version, the run read it."""
    from ..datasets.lineage import record_link, registered_source

    source = registered_source(X)
    if source is not None:
        record_link(run, source[0], source[1], "input")
        run.set_tag("mlops.input.dataset", f"{source[0]}@{source[1]}")


def _type_name(obj) -> str:
    cls = type(obj)
    return f"{cls.__module__.split('.')[0]}.{cls.__qualname__}" if cls.__module__ != "builtins" else cls.__qualname__


# -- training metrics ------------------------------------------------------------------------------
def training_metrics(estimator, X, y, sample_weight) -> dict:
    """Metrics of the fitted estimator on its training data, each left out if it cannot be computed."""
    from sklearn.base import is_classifier, is_regressor

    if X is None:
        return {}
    import sklearn

    # UndefinedMetricWarning & co. are autolog's business, not the user's; the metric functions'
    # argument checks would cost more than the metrics (autolog passes them well-formed arguments).
    with warnings.catch_warnings(), sklearn.config_context(skip_parameter_validation=True):
        warnings.simplefilter("ignore")
        return _training_metrics(estimator, X, y, sample_weight, is_classifier, is_regressor)


def _training_metrics(estimator, X, y, sample_weight, is_classifier, is_regressor) -> dict:
    if is_classifier(estimator) and y is not None:
        return _classifier_metrics(estimator, X, y, sample_weight)
    if is_regressor(estimator) and y is not None:
        return _regressor_metrics(estimator, X, y, sample_weight)
    if hasattr(estimator, "score"):
        return _collect({"training_score": lambda: estimator.score(X) if y is None else estimator.score(X, y)})
    return {}


def _collect(metrics: dict) -> dict:
    out = {}
    for key, compute in metrics.items():
        try:
            value = float(compute())
        except Exception:
            continue
        if not math.isnan(value):
            out[key] = value
    return out


def _classifier_metrics(estimator, X, y, weight) -> dict:
    from sklearn import metrics as m

    predicted = estimator.predict(X)
    out = _collect({"training_accuracy": lambda: m.accuracy_score(y, predicted, sample_weight=weight)})
    try:
        precision, recall, f1, _ = m.precision_recall_fscore_support(
            y, predicted, average="weighted", sample_weight=weight, zero_division=0
        )
        out.update(_collect({"training_precision": lambda: precision, "training_recall": lambda: recall,
                             "training_f1": lambda: f1}))
    except Exception:
        pass
    if hasattr(estimator, "predict_proba"):
        try:
            proba = estimator.predict_proba(X)
        except Exception:
            return out
        classes = getattr(estimator, "classes_", None)

        def roc_auc():
            if proba.ndim == 2 and proba.shape[1] == 2:
                return m.roc_auc_score(y, proba[:, 1], sample_weight=weight)
            return m.roc_auc_score(y, proba, multi_class="ovr", labels=classes, sample_weight=weight)

        out.update(_collect({
            "training_log_loss": lambda: m.log_loss(y, proba, sample_weight=weight, labels=classes),
            "training_roc_auc": roc_auc,
        }))
    return out


def _regressor_metrics(estimator, X, y, weight) -> dict:
    from sklearn import metrics as m

    predicted = estimator.predict(X)
    mse = _collect({"mse": lambda: m.mean_squared_error(y, predicted, sample_weight=weight)})
    out = {"training_mse": mse["mse"], "training_rmse": math.sqrt(mse["mse"])} if mse else {}
    out.update(_collect({
        "training_mae": lambda: m.mean_absolute_error(y, predicted, sample_weight=weight),
        "training_r2": lambda: m.r2_score(y, predicted, sample_weight=weight),
    }))
    return out
