"""Model flavours: how a kind of model is saved to bytes and loaded back, registered by name.

Two ship with jupyter-mlops:

- ``sklearn``: scikit-learn estimators saved with skops (``skops.io``), which rebuilds objects
  without unpickling. skops still resolves (and may call) every type a file names, so a file is
  loaded only when each type it needs is on the explicit trust list (``registry/trust.py``) or
  named by the caller (``trusted=[...]``); anything else, above all any function, raises
  UnsafeModel at registration and at every load. Tree index arrays are checked after loading.
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


class UnsafeModel(MlopsError):
    """Loading this model would run code from its file (a pickle), or trust types outside the allowed set."""

    http_status = 409


class UnsafeModelWarning(UserWarning):
    """A model saved with an unsafe flavour (pickle/joblib), or needing types off the trust list,
    was loaded with ``allow_unsafe=True``."""


@dataclass(frozen=True)
class Flavor:
    """One way of saving and loading models.

    ``save(model) -> (bytes, metadata)``; ``load(bytes, context) -> model``, where ``context`` is
    what the caller of ``load_model`` decided (``what``, ``trusted``: extra type names,
    ``allow_unsafe``), never what the store says: a registry row or a file cannot widen trust.
    ``accepts(model)`` says whether the flavour is chosen automatically for a model (unsafe
    flavours never are). ``suffixes`` map a run's logged model file to the flavour.
    ``recognizes(bytes)`` says whether a file is of this flavour's kind (checked before loading,
    so a pickle behind a row that says ``sklearn`` is refused).
    """

    name: str
    file_name: str
    unsafe: bool
    save: Callable
    load: Callable
    accepts: Callable = field(default=lambda model: False)
    suffixes: tuple = ()
    description: str = ""
    recognizes: Callable | None = None


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
    """True for a type or function named on the trust list (``registry/trust.py``), never by module.

    >>> is_trusted_type("sklearn.tree._tree.Tree"), is_trusted_type("numpy.testing._private.utils.runstring")
    (True, False)
    """
    from .trust import trusted_types

    return qualified in trusted_types()


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


def _names(types) -> str:
    shown = ", ".join(types[:5]) + (f" and {len(types) - 5} more" if len(types) > 5 else "")
    return f"type{'s' if len(types) > 1 else ''} {shown}"


def untrusted_error(outside: list, what: str, at_load: bool) -> UnsafeModel:
    """The one message for a skops file needing types off the trust list (registration or load)."""
    if at_load:
        fix = ("load it only if you trust its source with allow_unsafe=True (or name the types: "
               "load_model(..., trusted=[...])), or re-save it with only scikit-learn types")
    else:
        fix = ("register it with trusted=[...] naming them only if you wrote those types and trust them, "
               "or save it with only scikit-learn types (flavor='joblib' stores an unsafe pickle instead)")
    return UnsafeModel(f"{what} needs untrusted {_names(outside)}; "
                       f"{'it is' if len(outside) == 1 else 'they are'} not on the trust list — {fix}")


def is_skops_file(data: bytes) -> bool:
    """True for a zip archive holding skops' ``schema.json`` (a pickle or anything else: False)."""
    import zipfile

    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "schema.json" in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


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
    needed = sorted(sio.get_untrusted_types(data=data))
    return data, {"trusted_types": needed, "libraries": _versions("scikit-learn", "skops", "numpy", "scipy")}


def _load_sklearn(data: bytes, context: dict):
    """Load a skops file trusting exactly the types it needs, each on the trust list or named by the caller."""
    import skops.io as sio

    from skops.io.exceptions import UntrustedTypesFoundException

    from .model_checks import check_structure
    from .trust import outside_trust, trusted_types

    what = context.get("what", "this model")
    # skops audits every node against the list it is given, so that list is the gate: the trusted
    # names the file mentions (a short list keeps skops' per-node checks cheap). Anything else the
    # file needs makes skops refuse, and only then is the slower full audit run, to name it.
    candidates = sorted(referenced_types(data) & (trusted_types() | set(context.get("trusted", ()))))
    try:
        model = sio.loads(data, trusted=candidates)
    except UntrustedTypesFoundException:
        needed = sorted(sio.get_untrusted_types(data=data))
        outside = outside_trust(needed, context.get("trusted", ()))
        if not outside:
            raise
        if not context.get("allow_unsafe"):
            raise untrusted_error(outside, what, at_load=not context.get("registering")) from None
        warnings.warn(f"{what} needs untrusted {_names(outside)}, loaded because allow_unsafe=True",
                      UnsafeModelWarning, stacklevel=4)
        model = sio.loads(data, trusted=needed)
    check_structure(model, what)
    return model


def referenced_types(data: bytes) -> set[str]:
    """Every ``module.Name`` a skops file's schema mentions (a superset of what loading it needs).

    >>> import skops.io as sio
    >>> sorted(referenced_types(sio.dumps({"a": "b"})))
    ['builtins.dict', 'builtins.list', 'builtins.str']
    """
    import json
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        schema = json.loads(archive.read("schema.json"))
    names, stack = set(), [schema]
    while stack:  # iterative: a hostile schema may nest deeper than Python's recursion limit
        node = stack.pop()
        if isinstance(node, dict):
            module, name = node.get("__module__"), node.get("__class__")
            if isinstance(module, str) and isinstance(name, str):
                names.add(f"{module}.{name}")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names


def _sklearn_file_trusted(data: bytes, what: str) -> dict:
    """Metadata for a skops file logged by autolog: the types it needs beyond skops' defaults."""
    import skops.io as sio

    return {"trusted_types": sorted(sio.get_untrusted_types(data=data)),
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


def _load_joblib(data: bytes, context: dict):
    import joblib

    return joblib.load(io.BytesIO(data))  # reads plain pickles too (autolog's model.pkl)


register_flavor(Flavor(
    "sklearn", "model.skops", unsafe=False, save=_save_sklearn, load=_load_sklearn,
    accepts=_is_sklearn_estimator, suffixes=(".skops",), recognizes=is_skops_file,
    description="scikit-learn estimators via skops: only types on the trust list are loaded, and no code runs",
))
register_flavor(Flavor(
    "joblib", "model.joblib", unsafe=True, save=_save_joblib, load=_load_joblib,
    suffixes=(".joblib", ".pkl", ".pickle"),
    description="any picklable object via joblib: UNSAFE, loading runs code from the file",
))
