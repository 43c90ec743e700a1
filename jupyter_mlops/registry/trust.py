"""The trust list: exactly which types a skops model file may need, by name, never by module.

skops (``skops.io``) rebuilds a model from a zip of JSON and ``.npy`` files without unpickling,
but it resolves every class and function the file names, and calls some of them (a class's
constructor, a function it is handed). So a file that names
``numpy.testing._private.utils.runstring`` (which calls ``exec``) runs code as it loads, although
its module is NumPy. A type is therefore trusted only when it is named here:

- skops' own defaults (primitive and container types, ``numpy.ndarray``, dtypes, ufuncs, random
  generators, ``scipy.sparse`` matrices, scikit-learn estimators as plain objects...);
- every scikit-learn estimator class the installed scikit-learn lists (``all_estimators()``) and
  the named private helper classes that fitted models hold (``SKLEARN_HELPER_CLASSES``), plus the
  classes of a few named families (kernels, distance metrics, losses), filtered to classes
  with no ``__del__`` (a finaliser runs on garbage collection, with attributes from the file);
- a few named NumPy and SciPy types (``NUMPY_SCIPY_TYPES``) and ``functools.partial``;
- a few named pure functions fitted models keep (``SKLEARN_FUNCTIONS``: univariate scores,
  ``check_array``; SciPy's array-namespace ``asarray``).

Nothing else: a file needing any other type or function is refused with UnsafeModel at
registration and at every load, unless the caller names the type in ``trusted=[...]`` (a
deliberate, per-call extension) or passes ``allow_unsafe=True``.

>>> "sklearn.linear_model._logistic.LogisticRegression" in trusted_types()
True
>>> "numpy.testing._private.utils.runstring" in trusted_types()
False
"""

from __future__ import annotations

import functools
import importlib

# Private classes that fitted scikit-learn models hold, by name. Each is plain data plus methods;
# none writes files or runs code from its attributes on construction.
SKLEARN_HELPER_CLASSES = (
    # Tree and TreePredictor hold raw node indices that predict() follows without bounds checks:
    # trusted only together with model_checks.check_structure, which verifies them after loading.
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.neighbors._kd_tree.KDTree",  # index arrays checked by model_checks as well
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.gaussian_process._gpc._BinaryGaussianProcessClassifierLaplace",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    "sklearn.multiclass._ConstantPredictor",
    "sklearn.impute._iterative._ImputerTriplet",
    "sklearn.compose._column_transformer.make_column_selector",
    "sklearn.utils._bunch.Bunch",
)
# Families of helper classes: every class defined in the module that subclasses the named base.
SKLEARN_HELPER_FAMILIES = (
    ("sklearn.gaussian_process.kernels", "Kernel"),
    ("sklearn.metrics._dist_metrics", "DistanceMetric"),
    ("sklearn._loss.loss", "BaseLoss"),
    ("sklearn._loss.link", "BaseLink"),
    ("sklearn._loss.link", "Interval"),
)
# Pure functions (array in, array out) that fitted models keep as parameters: SelectKBest's scores,
# and the input check HistGradientBoosting's categorical preprocessing binds with functools.partial.
SKLEARN_FUNCTIONS = (
    "sklearn.utils.validation.check_array",
    "sklearn.feature_selection._univariate_selection.f_classif",
    "sklearn.feature_selection._univariate_selection.f_regression",
    "sklearn.feature_selection._univariate_selection.r_regression",
    "sklearn.feature_selection._univariate_selection.chi2",
    "sklearn.feature_selection._mutual_info.mutual_info_classif",
    "sklearn.feature_selection._mutual_info.mutual_info_regression",
)
# SciPy's BSpline (SplineTransformer) keeps the array namespace's asarray: a pure conversion.
SCIPY_FUNCTIONS = ("scipy._lib.array_api_compat.numpy._aliases.asarray",)
# functools.partial only binds arguments to a function that must itself be on the list.
STDLIB_TYPES = ("functools.partial",)
NUMPY_SCIPY_TYPES = (
    "numpy.dtype",
    "numpy.ndarray",
    "numpy.ma.MaskedArray",
    "numpy.random.mtrand.RandomState",
    "numpy.random._generator.Generator",
    "scipy.interpolate._bsplines.BSpline",  # SplineTransformer's fitted splines
)
SCIPY_SPARSE_CLASSES = ("csr_matrix", "csc_matrix", "coo_matrix", "bsr_matrix", "dia_matrix", "lil_matrix",
                        "dok_matrix", "csr_array", "csc_array", "coo_array", "bsr_array", "dia_array", "lil_array",
                        "dok_array")


def type_name(obj) -> str:
    """``module.QualName`` as skops writes it into a file.

    >>> type_name(dict)
    'builtins.dict'
    """
    return f"{obj.__module__}.{obj.__qualname__}"


def _resolve(qualified: str):
    module, _, name = qualified.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None  # another scikit-learn version: the name simply is not trusted


def _has_finalizer(cls: type) -> bool:
    return any("__del__" in vars(base) for base in cls.__mro__ if base is not object)


def _plain_class(obj) -> bool:
    return isinstance(obj, type) and not _has_finalizer(obj)


def _family(module_name: str, base_name: str) -> list[type]:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return []
    base = getattr(module, base_name, None)
    if not isinstance(base, type):
        return []
    return [obj for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, base) and obj.__module__.startswith("sklearn.")]


def _named(names, keep) -> set[str]:
    found = set()
    for qualified in names:
        obj = _resolve(qualified)
        if obj is not None and keep(obj) and type_name(obj) == qualified:
            found.add(qualified)
    return found


@functools.lru_cache(maxsize=1)
def trusted_types() -> frozenset[str]:
    """Every type and function name a skops model file may need, beyond skops' own defaults.

    Built once per process from the installed scikit-learn, NumPy and SciPy.

    >>> "sklearn.tree._tree.Tree" in trusted_types(), "builtins.eval" in trusted_types()
    (True, False)
    """
    import numpy as np
    from sklearn.utils import all_estimators

    names = {type_name(cls) for _, cls in all_estimators()
             if _plain_class(cls) and type_name(cls).startswith("sklearn.")}
    names |= _named(SKLEARN_HELPER_CLASSES, _plain_class)
    for module_name, base_name in SKLEARN_HELPER_FAMILIES:
        names |= {type_name(cls) for cls in _family(module_name, base_name) if _plain_class(cls)}
    names |= _named(SKLEARN_FUNCTIONS + SCIPY_FUNCTIONS, callable)
    names |= _named(STDLIB_TYPES + NUMPY_SCIPY_TYPES, _plain_class)
    names |= {type_name(cls) for cls in vars(np.dtypes).values() if isinstance(cls, type)}
    names |= _named((f"scipy.sparse._{n.split('_')[0]}.{n}" for n in SCIPY_SPARSE_CLASSES), _plain_class)
    return frozenset(names)


def untrusted_types(data: bytes) -> list[str]:
    """The types a skops file needs beyond skops' defaults (as the file names them), sorted.

    >>> untrusted_types(skops.io.dumps(DecisionTreeClassifier().fit(X, y)))   # doctest: +SKIP
    ['sklearn.tree._tree.Tree']
    """
    import skops.io as sio

    return sorted(sio.get_untrusted_types(data=data))


def outside_trust(needed, extra=()) -> list[str]:
    """The names in ``needed`` that are neither on the trust list nor in ``extra``.

    >>> outside_trust(["sklearn.tree._tree.Tree", "os.system"])
    ['os.system']
    """
    allowed = trusted_types() | set(extra or ())
    return sorted(set(needed) - allowed)


def check_extra_trusted(extra) -> tuple[str, ...]:
    """``trusted=`` as given by a caller: a list of ``module.Name`` strings (or classes)."""
    from ..errors import InvalidInput

    if extra is None:
        return ()
    if isinstance(extra, (str, bytes)) or not hasattr(extra, "__iter__"):
        raise InvalidInput("trusted must be a list of type names such as ['mypackage.MyTransformer'], "
                           f"got {extra!r:.80}")
    names = []
    for item in extra:
        name = type_name(item) if isinstance(item, type) else item
        if not isinstance(name, str) or "." not in name.strip(".") or any(c.isspace() for c in name):
            raise InvalidInput("trusted must name types as 'module.Name' (e.g. 'mypackage.MyTransformer'), "
                               f"got {item!r:.80}")
        names.append(name)
    return tuple(names)
