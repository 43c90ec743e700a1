"""The fitted model as an artifact: skops (safe to load) when it can, pickle tagged unsafe otherwise.

>>> data, artifact_file, tags = serialize_model(LogisticRegression().fit(X, y))   # doctest: +SKIP
>>> artifact_file, tags["mlops.model.format"]                                   # doctest: +SKIP
('model/model.skops', 'skops')
"""

from __future__ import annotations

import pickle
import sys
import warnings
import weakref


def is_search(estimator) -> bool:
    """A fitted hyper-parameter search (cv_results_ with one ``params`` dict per candidate)."""
    results = getattr(estimator, "cv_results_", None)
    return isinstance(results, dict) and "params" in results


# -- the model -------------------------------------------------------------------------------------
def serialize_model(model) -> tuple[bytes, str, dict]:
    """``(data, artifact file, tags)``: skops when it round-trips by name, else (cloud)pickle."""
    reason = None
    try:
        import skops.io as sio
    except ImportError:
        sio, reason = None, "skops is not installed (pip install skops)"
    if sio is not None:
        try:
            data = sio.dumps(model)
            unresolvable = [t for t in sio.get_untrusted_types(data=data) if not _resolves(t)]
            if not unresolvable:
                return data, "model/model.skops", {"mlops.model.format": "skops"}
            reason = f"skops would save {', '.join(unresolvable[:3])} by a name that cannot be imported back"
        except Exception as error:
            reason = f"skops cannot save it: {type(error).__name__}: {error}"
    try:
        data, serializer = pickle.dumps(model, protocol=5), "pickle"
    except Exception:
        try:  # lambdas and local functions: pickled by value
            import cloudpickle
        except ImportError:
            from joblib.externals import cloudpickle  # joblib < 1.6 vendors it; newer joblib depends on it

        data, serializer = cloudpickle.dumps(model, protocol=5), "cloudpickle"
    tags = {"mlops.model.format": "pickle-unsafe", "mlops.model.serializer": serializer,
            "mlops.model.skops_error": reason[:1000]}
    return data, "model/model.pkl", tags


def _resolves(qualified: str) -> bool:
    """True when ``module.Qual.Name`` names an attribute of an imported module (skops loads by name)."""
    parts = qualified.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is None:
            continue
        obj = module
        for part in parts[cut:]:
            obj = getattr(obj, part, None)
            if obj is None:
                return False
        return True
    return False


# id(fitted object) -> (weak reference to it, run id): the run each object's fit was autologged in,
# so register_model(obj) links the exact run (weak: autolog never keeps a model alive).
_runs_by_object: dict = {}


def remember_run(obj, run_id: str) -> None:
    try:
        ref = weakref.ref(obj)
    except TypeError:
        return
    for key in [k for k, (r, _) in _runs_by_object.items() if r() is None]:
        del _runs_by_object[key]
    _runs_by_object[id(obj)] = (ref, run_id)


def autologged_run_of(obj) -> str | None:
    """The run autolog logged ``obj``'s latest fit in, if it did (in this process)."""
    entry = _runs_by_object.get(id(obj))
    return entry[1] if entry is not None and entry[0]() is obj else None


def log_model(run, estimator) -> None:
    import sklearn

    model, which = estimator, None
    if is_search(estimator):  # a search: what you deploy is the refitted best estimator
        model, which = getattr(estimator, "best_estimator_", None), "best_estimator_"
        if model is None:
            return  # refit=False: there is no fitted model to save
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data, artifact_file, tags = serialize_model(model)
    run._put_bytes(data, artifact_file)
    tags["mlops.model.sklearn_version"] = sklearn.__version__
    tags["mlops.model.class"] = f"{type(model).__module__}.{type(model).__qualname__}"
    if which:
        tags["mlops.model.object"] = which
    run.set_tags(tags)
    remember_run(estimator, run.run_id)
    if model is not estimator:
        remember_run(model, run.run_id)
