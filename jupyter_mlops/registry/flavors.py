"""Model flavours: how a kind of model is saved to bytes and loaded back, registered by name.

Two ship with jupyter-mlops:

- ``sklearn``: scikit-learn estimators saved with skops (``skops.io``), which rebuilds objects
  without running code from the file. The types skops does not trust by default are declared at
  registration and must all come from scikit-learn, NumPy or SciPy (``TRUSTED_MODULES``); loading
  trusts exactly those, never ``trusted=True``.
- ``joblib``: any picklable object, marked **unsafe**: unpickling runs whatever code the file
  holds, so ``load_model`` refuses it unless ``allow_unsafe=True`` (and then warns).

Other packages add theirs with ``register_flavor(Flavor(...))`` or the entry point group
``jupyter_mlops.flavors`` (each entry point names a ``Flavor``). An unknown name fails listing the
known ones.

>>> get_flavor("sklearn").unsafe, get_flavor("joblib").unsafe
(False, True)
"""

from __future__ import annotations

import io
import sys
import warnings
from dataclasses import dataclass, field
from typing import Callable

from ..errors import InvalidInput, MlopsError, closest

ENTRY_POINT_GROUP = "jupyter_mlops.flavors"
# Top-level modules whose types a skops file may need trusted: the scikit-learn stack itself.
TRUSTED_MODULES = ("sklearn", "numpy", "scipy")


class UnsafeModel(MlopsError):
    """Loading this model would run code from its file (a pickle), or trust types outside the allowed set."""

    http_status = 409


class UnsafeModelWarning(UserWarning):
    """A model saved with an unsafe flavour (pickle/joblib) was loaded with ``allow_unsafe=True``."""


@dataclass(frozen=True)
class Flavor:
    """One way of saving and loading models.

    ``save(model) -> (bytes, metadata)``; ``load(bytes, metadata) -> model``, where ``metadata``
    is what ``save`` returned (stored with the version: trusted types, library versions).
    ``accepts(model)`` says whether the flavour is chosen automatically for a model (unsafe
    flavours never are). ``suffixes`` map a run's logged model file to the flavour.
    """

    name: str
    file_name: str
    unsafe: bool
    save: Callable
    load: Callable
    accepts: Callable = field(default=lambda model: False)
    suffixes: tuple = ()
    description: str = ""


_FLAVORS: dict[str, Flavor] = {}
_entry_points_loaded = False


def register_flavor(flavor: Flavor) -> Flavor:
    """Add (or replace) a flavour under ``flavor.name``.

    >>> register_flavor(Flavor("onnx", "model.onnx", False, save=..., load=...))   # doctest: +SKIP
    """
    if not isinstance(flavor, Flavor):
        raise InvalidInput(f"register_flavor takes a Flavor, got {type(flavor).__name__}")
    _FLAVORS[flavor.name] = flavor
    return flavor


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            register_flavor(entry.load())
        except Exception as error:  # a broken plug-in must not break the registry
            warnings.warn(f"model flavour entry point {entry.name!r} could not be loaded: {error}", stacklevel=2)


def flavors() -> dict[str, Flavor]:
    """Every known flavour by name (built-in ones first, then plug-ins)."""
    _load_entry_points()
    return dict(_FLAVORS)


def get_flavor(name) -> Flavor:
    """The flavour called ``name``; InvalidInput listing the known ones otherwise."""
    known = flavors()
    if name not in known:
        raise InvalidInput(f"no model flavour {name!r}{closest(str(name), known)}; known flavours: {', '.join(known)}")
    return known[name]


def flavor_for(model) -> Flavor | None:
    """The first safe flavour that accepts ``model`` automatically, or None."""
    for flavor in flavors().values():
        if not flavor.unsafe and flavor.accepts(model):
            return flavor
    return None


def flavor_for_file(path: str) -> Flavor | None:
    """The flavour that reads a logged model file such as ``model/model.skops``."""
    for flavor in flavors().values():
        if any(path.endswith(suffix) for suffix in flavor.suffixes):
            return flavor
    return None


# -- scikit-learn via skops -----------------------------------------------------------------------
def is_trusted_type(qualified: str) -> bool:
    """True for a type skops may be told to trust: one defined in scikit-learn, NumPy or SciPy.

    >>> is_trusted_type("sklearn.tree._tree.Tree"), is_trusted_type("__main__.Evil")
    (True, False)
    """
    return qualified.split(".", 1)[0] in TRUSTED_MODULES


def _is_sklearn_estimator(model) -> bool:
    base = sys.modules.get("sklearn.base")  # an estimator's class already imported scikit-learn
    return base is not None and isinstance(model, base.BaseEstimator)


def _versions(*packages: str) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": sys.version.split()[0]}
    for package in packages:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            pass
    return found


def check_trusted(types, what: str) -> list[str]:
    """``types`` if each is from scikit-learn/NumPy/SciPy, else UnsafeModel naming the others."""
    outside = sorted(t for t in types if not is_trusted_type(t))
    if outside:
        raise UnsafeModel(
            f"{what} needs skops to trust {', '.join(outside[:5])}{' ...' if len(outside) > 5 else ''}, which "
            f"{'is' if len(outside) == 1 else 'are'} not from {', '.join(TRUSTED_MODULES)}; register such a model "
            "with flavor='joblib' (an unsafe pickle, loaded only with allow_unsafe=True)"
        )
    return sorted(types)


def _save_sklearn(model) -> tuple[bytes, dict]:
    from ..autolog._sklearn_model import serialize_model

    try:
        import skops.io as sio
    except ImportError:
        raise InvalidInput("the sklearn flavour needs skops: pip install skops (or jupyter-mlops[sklearn])") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data, _, tags = serialize_model(model)  # the same check autolog makes: skops, faithfully, or not at all
    if tags.get("mlops.model.format") != "skops":
        raise InvalidInput(
            f"skops cannot save {type(model).__name__} faithfully ({tags.get('mlops.model.skops_error')}); "
            "register it with flavor='joblib' (an unsafe pickle, loaded only with allow_unsafe=True)"
        )
    trusted = check_trusted(sio.get_untrusted_types(data=data), f"{type(model).__name__}")
    return data, {"trusted_types": trusted, "libraries": _versions("scikit-learn", "skops", "numpy", "scipy")}


def _load_sklearn(data: bytes, metadata: dict):
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    declared = check_trusted(metadata.get("trusted_types") or [], metadata.get("what", "this model"))
    try:
        return sio.loads(data, trusted=declared)  # skops refuses any type beyond the declared ones
    except UntrustedTypesFoundException:
        found = sio.get_untrusted_types(data=data)
        raise UnsafeModel(
            f"{metadata.get('what', 'this model')} holds types that were not declared at registration: "
            f"{', '.join(sorted(set(found) - set(declared)))}; refusing to load it"
        ) from None


def _sklearn_file_trusted(data: bytes, what: str) -> dict:
    """Metadata for a skops file logged by autolog: its declared trusted types, checked."""
    import skops.io as sio

    return {"trusted_types": check_trusted(sio.get_untrusted_types(data=data), what),
            "libraries": _versions("scikit-learn", "skops", "numpy", "scipy")}


# -- joblib (unsafe) ------------------------------------------------------------------------------
def _save_joblib(model) -> tuple[bytes, dict]:
    import joblib

    buffer = io.BytesIO()
    try:
        joblib.dump(model, buffer, compress=3)
    except Exception as error:
        raise InvalidInput(f"joblib cannot save {type(model).__name__}: {type(error).__name__}: {error}") from None
    return buffer.getvalue(), {"trusted_types": [], "libraries": _versions("joblib", "scikit-learn", "numpy")}


def _load_joblib(data: bytes, metadata: dict):
    import joblib

    return joblib.load(io.BytesIO(data))  # reads plain pickles too (autolog's model.pkl)


register_flavor(Flavor(
    "sklearn", "model.skops", unsafe=False, save=_save_sklearn, load=_load_sklearn,
    accepts=_is_sklearn_estimator, suffixes=(".skops",),
    description="scikit-learn estimators via skops: loading runs no code; trusted types declared",
))
register_flavor(Flavor(
    "joblib", "model.joblib", unsafe=True, save=_save_joblib, load=_load_joblib,
    suffixes=(".joblib", ".pkl", ".pickle"),
    description="any picklable object via joblib: UNSAFE, loading runs code from the file",
))
