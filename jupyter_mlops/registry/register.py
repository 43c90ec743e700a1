"""Registering a model version: from a fitted object, or from the model a run logged.

>>> v = register_model(model, "churn", input_example=X_test[:5])      # doctest: +SKIP
>>> v.ref, v.run_id[:8], v.datasets                                   # doctest: +SKIP
('churn/1', '3fa2c1d9', ['churn@2'])
>>> register_model("runs:/3fa2c1d9/model", "churn")                   # doctest: +SKIP
"""

from __future__ import annotations

import json
import sys

from ..errors import InvalidInput, NotFound
from ..store import open_store
from .flavors import Flavor, flavor_for, flavor_for_file, flavors, get_flavor
from .loading import _load, read_verified
from .refs import check_model_name
from .signature import infer_signature, signature_from_run_tags
from .trust import check_extra_trusted
from .versions import ModelVersion, fetch_version, finite_or_none, now_utc
from ..store.transaction import rollback

RUN_MODEL_PATH = "model"  # where autolog logs a fit's model (model/model.skops or model/model.pkl)


def _check_is_model(model) -> None:
    if isinstance(model, type):
        raise InvalidInput(f"register_model got the class {model.__name__}, not a model: pass a fitted instance, "
                           f"e.g. {model.__name__}().fit(X, y)")
    has = lambda method: callable(getattr(model, method, None))  # noqa: E731
    if not (has("predict") or has("predict_proba") or (has("fit") and has("transform"))):
        raise InvalidInput(f"a {type(model).__name__} is not a model: register a fitted estimator (an object with "
                           "predict or transform), or a run's logged model: register_model('runs:/<run_id>/model', name)")
    validation, base = sys.modules.get("sklearn.utils.validation"), sys.modules.get("sklearn.base")
    if validation is not None and base is not None and isinstance(model, base.BaseEstimator):
        try:
            validation.check_is_fitted(model)
        except validation.NotFittedError:
            raise InvalidInput(f"{type(model).__name__} is not fitted; call .fit(X, y) before registering it") from None
        except TypeError:
            pass  # not an estimator scikit-learn can check


def _run_id(con, run) -> str:
    from ..tracking.search import resolve_run_id

    run_id = getattr(run, "run_id", run)
    return resolve_run_id(con, run_id)


def _autologged_run(con, store, model) -> str | None:
    """The run autolog logged this object's fit in: recorded by autolog for the object itself, else
    (a copy of it) this process's latest autologged run whose model class, params and input columns
    match the object (None when nothing matches)."""
    from ..autolog._sklearn_model import autologged_run_of

    exact = autologged_run_of(model)
    if exact is not None:
        return exact
    if store._writer is None or not hasattr(model, "get_params"):
        return None
    from ..autolog._sklearn_log import loggable_params

    cls = f"{type(model).__module__}.{type(model).__qualname__}"
    candidates = con.execute(
        """SELECT r.run_id FROM runs r JOIN tags t ON t.run_id = r.run_id AND t.key = 'mlops.model.class'
           WHERE t.value = ? AND r.writer = ? AND r.deleted_at IS NULL ORDER BY r.start_time DESC LIMIT 50""",
        [cls, store.writer.writer_id],
    ).fetchall()
    try:
        expected = loggable_params(model.get_params(deep=True))
    except Exception:
        return None
    for (run_id,) in candidates:
        params = dict(con.execute("SELECT key, value FROM params WHERE run_id = ?", [run_id]).fetchall())
        if any(params.get(key) != value for key, value in expected.items()):
            continue
        tags = dict(con.execute("SELECT key, value FROM tags WHERE run_id = ? AND key LIKE 'mlops.input.%'", [run_id]).fetchall())
        if _same_inputs(model, tags):
            return run_id
    return None


def _same_inputs(model, tags: dict) -> bool:
    names = getattr(model, "feature_names_in_", None)
    if names is not None and "mlops.input.columns" in tags:
        return json.loads(tags["mlops.input.columns"]) == [str(n) for n in names]
    count, shape = getattr(model, "n_features_in_", None), tags.get("mlops.input.shape", "")
    if isinstance(count, int) and shape.count("x") == 1:
        return shape.split("x")[1] == str(count)
    return True


def _run_model_artifact(con, store, run_id: str, path: str) -> tuple[str, Flavor, bytes]:
    """``(artifact path, flavour, verified bytes)`` of the model a run logged at or under ``path``."""
    path = path.strip("/") or RUN_MODEL_PATH
    rows = con.execute(
        "SELECT path, sha256 FROM artifacts WHERE run_id = ? AND (path = ? OR starts_with(path, ?)) ORDER BY path",
        [run_id, path, path + "/"],
    ).fetchall()
    found = [(p, digest, flavor_for_file(p)) for p, digest in rows]
    found = sorted((f for f in found if f[2] is not None), key=lambda f: f[2].unsafe)  # a safe flavour first
    if not found:
        logged = [p for (p,) in con.execute("SELECT path FROM artifacts WHERE run_id = ? ORDER BY path", [run_id]).fetchall()]
        raise NotFound(f"run {run_id[:8]} logged no model under {path!r}; its artifacts: {', '.join(logged[:10]) or 'none'}"
                       "; log one with autolog() or register the fitted object itself")
    artifact, digest, flavor = found[0]
    data = read_verified(store, digest, None, f"the model artifact {artifact} of run {run_id[:8]}")
    return artifact, flavor, data


def _parse_runs_uri(uri: str) -> tuple[str, str]:
    rest = uri[len("runs:/"):]
    run, _, path = rest.partition("/")
    if not run:
        raise InvalidInput(f"a run's model is named 'runs:/<run_id>/model', got {uri!r}")
    return run, path or RUN_MODEL_PATH


def register_model(model=None, name: str | None = None, run=None, description: str | None = None,
                   tags: dict | None = None, input_example=None, *, flavor: str | None = None,
                   trusted=None) -> ModelVersion:
    """Register ``model`` as the next version of model ``name``; return its ModelVersion.

    ``model`` is a fitted object, or a run's logged model: ``"runs:/<run_id>/model"`` (or
    ``model=None, run=...``), which reuses the artifact autolog stored. The producing run is
    ``run`` if given, else the active run, else the run autolog logged this object's fit in. The
    version records that run's input dataset versions and a snapshot of its metrics.
    ``input_example`` (a few rows) gives the signature and is checked by predicting on it.
    ``flavor``: ``sklearn`` (skops, the default for scikit-learn estimators) or ``joblib`` (any
    picklable object; unsafe: loading it requires ``allow_unsafe=True``).
    A safe model is loaded back before it is stored, exactly as ``load_model`` will: a skops file
    needing a type off the trust list (``registry/trust.py``) raises UnsafeModel naming it.
    ``trusted``: type names you wrote and deliberately trust (``['mypackage.MyTransformer']``);
    every load then needs the same ``trusted=[...]`` (or ``allow_unsafe=True``), since the store
    itself never widens trust.

    >>> register_model(clf, "churn", input_example=X_test.head())       # doctest: +SKIP
    <ModelVersion churn/1: sklearn LogisticRegression, run 3fa2c1d9>
    >>> register_model("runs:/3fa2c1d9/model", "churn")                 # doctest: +SKIP
    """
    from ..tracking.runs import _USER, active_run

    if name is None:
        raise InvalidInput("register_model needs a name: register_model(model, 'churn')")
    check_model_name(name)
    extra = check_extra_trusted(trusted)
    if tags is not None and not isinstance(tags, dict):
        raise InvalidInput(f"tags must be a dict such as {{'team': 'risk'}}, got {type(tags).__name__}")
    if description is not None and not isinstance(description, str):
        raise InvalidInput(f"description must be text, got {type(description).__name__}")
    run_path = None
    if isinstance(model, str):
        if not model.startswith("runs:/"):
            raise InvalidInput(f"a model given as text must be a run's model, 'runs:/<run_id>/model'; got {model[:80]!r}")
        run, run_path = _parse_runs_uri(model)
    elif model is None:
        if run is None:
            raise InvalidInput("register_model needs a fitted model, 'runs:/<run_id>/model', or run=... with a logged model")
        run_path = RUN_MODEL_PATH
    store = open_store()
    data = metadata = chosen = signature = None
    if run_path is None:
        _check_is_model(model)
        chosen = get_flavor(flavor) if flavor is not None else flavor_for(model)
        if chosen is None:
            safe = [f.name for f in flavors().values() if not f.unsafe]
            raise InvalidInput(
                f"no safe flavour saves a {type(model).__name__} (safe flavours: {', '.join(safe)}); pass "
                "flavor='joblib' to store it as an unsafe pickle (loading it then needs allow_unsafe=True)")
        data, metadata = chosen.save(model)
        if not chosen.unsafe:  # refuse now what load_model would refuse later
            _load(chosen, data, metadata, f"a {type(model).__name__}", allow_unsafe=False, trusted=extra,
                  registering=True)
        signature = infer_signature(model, input_example)
    with store.connect() as con:
        if run is not None:
            run_id = _run_id(con, run)
        elif active_run() is not None:
            run_id = active_run().run_id
        else:
            run_id = _autologged_run(con, store, model)
        run_tags = dict(con.execute("SELECT key, value FROM tags WHERE run_id = ?", [run_id]).fetchall()) if run_id else {}
        if run_path is not None:
            artifact, chosen, data = _run_model_artifact(con, store, run_id, run_path)
            if flavor is not None and flavor != chosen.name:
                raise InvalidInput(f"{artifact} of run {run_id[:8]} is a {chosen.name} model, not {flavor}")
            source = f"runs:/{run_id}/{artifact}"
            # a safe file is loaded (trust-checked) now; an unsafe one never is, not even to check an example
            loaded = None if chosen.unsafe else _load(chosen, data, {}, source, allow_unsafe=False,
                                                      trusted=extra, registering=True)
            metadata = _artifact_metadata(chosen, data, run_tags, source)
            model_class = run_tags.get("mlops.model.class")
            if input_example is not None:
                signature = infer_signature(loaded, input_example)
            else:
                signature = signature_from_run_tags(run_tags)
        else:
            source = "object"
            model_class = f"{type(model).__module__}.{type(model).__qualname__}"
        datasets = [r[0] for r in con.execute(
            "SELECT DISTINCT dataset || '@' || version FROM run_datasets WHERE run_id = ? AND role = 'input' ORDER BY 1",
            [run_id]).fetchall()] if run_id else []
        metrics = {k: finite_or_none(v) for k, v in con.execute(
            "SELECT key, value FROM latest_metrics WHERE run_id = ? ORDER BY key", [run_id]).fetchall()} if run_id else {}
        with store.blobs.referencing():
            digest, size = store.blobs.put_bytes(data)
            version = _insert(con, name, description, [
                chosen.name, chosen.unsafe, digest, size, model_class, run_id, source, datasets, json.dumps(metrics),
                json.dumps(signature) if signature else None, json.dumps(metadata.get("trusted_types", [])),
                json.dumps(metadata.get("libraries", {})), description, json.dumps(tags or {}), _USER, now_utc()])
        return fetch_version(con, name, version)


def _artifact_metadata(flavor: Flavor, data: bytes, run_tags: dict, what: str) -> dict:
    if flavor.name == "sklearn":
        from .flavors import _sklearn_file_trusted

        metadata = _sklearn_file_trusted(data, what)
    else:
        metadata = {"trusted_types": [], "libraries": {}}
    if run_tags.get("mlops.model.sklearn_version"):
        metadata["libraries"] = {**metadata["libraries"], "scikit-learn": run_tags["mlops.model.sklearn_version"]}
    return metadata


def _insert(con, name: str, description, values: list) -> int:
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("INSERT INTO models VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING", [name, description, now_utc()])
        version = con.execute("SELECT coalesce(max(version), 0) + 1 FROM model_versions WHERE name = ?", [name]).fetchone()[0]
        con.execute("INSERT INTO model_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                    [name, version, *values])
        con.execute("COMMIT")
    except BaseException as error:
        rollback(con, error)
        raise
    return version
