"""scikit-learn autolog: patch ``fit`` / ``fit_transform`` / ``fit_predict`` and log each outermost call.

The wrapper is a few attribute reads when it does nothing (a nested fit, or autolog off): a
thread-local depth counter says whether this thread is already inside an autologged fit.
Everything autolog does around the user's fit is guarded; a failure is reported once as an
``AutologWarning`` (``silent=True`` hides it) and never changes what ``fit`` returns or raises.

>>> autolog()              # doctest: +SKIP
>>> is_enabled()           # doctest: +SKIP
True
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
import warnings

from ..errors import InvalidInput

METHODS = ("fit", "fit_transform", "fit_predict")
_EXTRA_CLASSES = (
    ("sklearn.pipeline", "Pipeline"), ("sklearn.pipeline", "FeatureUnion"),
    ("sklearn.compose", "ColumnTransformer"), ("sklearn.compose", "TransformedTargetRegressor"),
    ("sklearn.model_selection", "GridSearchCV"), ("sklearn.model_selection", "RandomizedSearchCV"),
)


class AutologWarning(UserWarning):
    """Autolog could not record part of a fit; the fit itself was not affected."""


class _Depth(threading.local):
    depth = 0


_local = _Depth()
_enabled = False
_quiet_process = False  # a process forked during an autologged fit (a joblib worker): log nothing
_outer_fits = 0  # autologged fits in progress in this process, any thread
_count_lock = threading.Lock()
_config_lock = threading.RLock()
_config = {"log_models": True, "max_tuning_runs": None, "silent": False}
_patched: dict = {}  # (class, method name) -> the original attribute from the class __dict__
_reported: set = set()
_class_cache: list = []


# -- switching on and off --------------------------------------------------------------------------
def autolog(enable: bool = True, *, log_models: bool = True, max_tuning_runs: int | None = None,
            silent: bool = False) -> None:
    """Log every scikit-learn ``fit`` (params, training metrics, model, data fingerprint) as a run.

    ``autolog(False)`` puts every original method back. Calling it again while enabled only
    updates the options. ``max_tuning_runs`` caps the child runs of a search to its best N
    candidates (default: every candidate); ``silent`` hides autolog's own warnings.

    >>> autolog(max_tuning_runs=50)           # doctest: +SKIP
    >>> GridSearchCV(SVC(), grid).fit(X, y)   # doctest: +SKIP
    """
    global _enabled
    for name, value in (("enable", enable), ("log_models", log_models), ("silent", silent)):
        if not isinstance(value, bool):
            raise InvalidInput(f"autolog {name} must be True or False, got {value!r}")
    if max_tuning_runs is not None and (
        isinstance(max_tuning_runs, bool) or not isinstance(max_tuning_runs, int) or max_tuning_runs < 0
    ):
        raise InvalidInput(
            f"max_tuning_runs must be a whole number >= 0 or None (log every candidate), got {max_tuning_runs!r}"
        )
    with _config_lock:
        if not enable:
            _enabled = False
            _unpatch_all()
            return
        try:
            classes = _estimator_classes()
        except ImportError:
            raise InvalidInput("autolog needs scikit-learn: pip install scikit-learn") from None
        _config.update(log_models=log_models, max_tuning_runs=max_tuning_runs, silent=silent)
        _reported.clear()
        _patch_all(classes)
        _enabled = True


def is_enabled() -> bool:
    """True while scikit-learn autologging is on in this process.

    >>> is_enabled()        # doctest: +SKIP
    False
    """
    return _enabled


def _estimator_classes() -> list:
    """Every class in scikit-learn defining one of METHODS, from all_estimators() and their bases."""
    if _class_cache:
        return _class_cache
    import importlib

    from sklearn.utils import all_estimators

    roots = [cls for _, cls in all_estimators()]
    roots += [getattr(importlib.import_module(module), name) for module, name in _EXTRA_CLASSES]
    seen = {}
    for root in roots:
        for cls in root.__mro__:
            if cls.__module__.split(".")[0] == "sklearn" and any(m in cls.__dict__ for m in METHODS):
                seen[cls] = None
    _class_cache.extend(seen)
    return _class_cache


def _patch_all(classes) -> None:
    from sklearn.utils._available_if import _AvailableIfDescriptor

    for cls in classes:
        for method in METHODS:
            key = (cls, method)
            original = cls.__dict__.get(method)
            if original is None or key in _patched:
                continue
            if isinstance(original, _AvailableIfDescriptor):
                patched = type(original)(_wrap(original.fn, method), original.check, original.attribute_name)
            elif callable(original) and hasattr(original, "__code__"):
                patched = _wrap(original, method)
            else:
                continue  # a property or other descriptor: not a method we can wrap safely
            _patched[key] = (original, patched)
            setattr(cls, method, patched)
    _patch_parallel()


def _unpatch_all() -> None:
    for (cls, method), (original, patched) in list(_patched.items()):
        if cls.__dict__.get(method) is patched:  # leave alone anything patched over us since
            setattr(cls, method, original)
        del _patched[(cls, method)]


# -- the wrapper -----------------------------------------------------------------------------------
def _wrap(original, method: str):
    @functools.wraps(original)
    def autologged(self, *args, **kwargs):
        if _local.depth or _quiet_process or not _enabled:
            return original(self, *args, **kwargs)
        return _logged_call(original, method, self, args, kwargs)

    return autologged


def _logged_call(original, method, estimator, args, kwargs):
    from ._sklearn_session import Session

    global _outer_fits
    _local.depth = 1
    with _count_lock:
        _outer_fits += 1
    try:
        session = _attempt(Session, estimator, method, original, args, kwargs)
        started = time.perf_counter()
        try:
            result = original(estimator, *args, **kwargs)
        except BaseException as error:
            if session is not None:
                _attempt(session.fail, error)
            raise
        if session is not None:
            _attempt(session.finish, time.perf_counter() - started)
        return result
    finally:
        _local.depth = 0
        with _count_lock:
            _outer_fits -= 1


def _attempt(step, *args):
    """``step(*args)``, or None if it raised: even a warning filters turned into an error stays here."""
    try:
        return step(*args)
    except Exception:
        return None


def report(action: str, error: BaseException, estimator=None) -> None:
    """Warn once per kind of failure that autolog could not ``action``; the fit goes on."""
    key = (action, type(error).__name__)
    if _config["silent"] or key in _reported:
        return
    _reported.add(key)
    what = f" for {type(estimator).__name__}" if estimator is not None else ""
    try:
        warnings.warn(
            f"jupyter-mlops autolog could not {action}{what} ({type(error).__name__}: {error}); the fit itself "
            "is unaffected. Further failures like this are not shown; autolog(silent=True) hides these warnings",
            AutologWarning, stacklevel=_user_stacklevel(),
        )
    except Exception:  # warning filters set to "error": the fit and the remaining steps still go on
        pass


def _user_stacklevel() -> int:
    """The stacklevel that points a warning at the user's line calling ``fit``."""
    here = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(2), 2  # warnings.warn is called from report(), called from here
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == here:
        frame, level = frame.f_back, level + 1
    return level


# -- joblib workers --------------------------------------------------------------------------------
class _QuietTask:
    """A joblib task run in a worker thread on behalf of an autologged fit: its fits log nothing."""

    def __init__(self, task):
        self.task = task
        functools.update_wrapper(self, task, updated=())

    def with_config_and_warning_filters(self, config, warning_filters):
        from sklearn.utils import parallel

        self.task = parallel._with_config_and_warning_filters(self.task, config, warning_filters)
        return self

    def __call__(self, *args, **kwargs):
        before = _local.depth
        _local.depth = before + 1
        try:
            return self.task(*args, **kwargs)
        finally:
            _local.depth = before


def _patch_parallel() -> None:
    """Make sklearn's Parallel carry "inside an autologged fit" into thread-based workers."""
    from sklearn.utils.parallel import Parallel

    key = (Parallel, "__call__")
    if key in _patched:
        return
    original = Parallel.__dict__["__call__"]

    @functools.wraps(original)
    def __call__(self, iterable):
        if _local.depth and getattr(getattr(self, "_backend", None), "uses_threads", False):
            iterable = ((_QuietTask(task), args, kwargs) for task, args, kwargs in iterable)
        return original(self, iterable)

    _patched[key] = (original, __call__)
    Parallel.__call__ = __call__


def _after_fork_in_child() -> None:
    global _quiet_process, _count_lock
    _count_lock = threading.Lock()
    if _outer_fits:
        _quiet_process = True


os.register_at_fork(after_in_child=_after_fork_in_child)
