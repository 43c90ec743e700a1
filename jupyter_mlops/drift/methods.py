"""The drift methods, in a registry other packages extend by name or by entry point.

A method compares two column sketches (:mod:`.sketch`; helpers in :mod:`.stats`) and returns
``(statistic, p_value)``: a *test* returns a p-value and flags drift when it is below the
threshold; a *distance* returns ``None`` for the p-value and flags drift when the statistic is at
or above the threshold.

A package adds a method with an entry point in the ``jupyter_mlops.drift_methods`` group naming a
:class:`DriftMethod` (or a function returning one), or at run time with :func:`register_method`:

>>> def max_mean_gap(ref, cur):
...     return abs(ref.mean - cur.mean) / ref.std, None
>>> method = register_method(DriftMethod("mean_gap", max_mean_gap, kinds=("numeric",), test=False,
...                                      default_threshold=0.2, description="gap of the means, in reference stds"))
>>> get_method("mean_gap") is method
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..errors import InvalidInput, closest

ENTRY_POINT_GROUP = "jupyter_mlops.drift_methods"


@dataclass(frozen=True)
class DriftMethod:
    """A named way of comparing one column's reference and current sketches."""

    name: str
    compute: Callable  # (reference sketch, current sketch) -> (statistic, p-value or None)
    kinds: tuple = ("numeric", "categorical")
    test: bool = False  # True: a statistical test with a p-value; False: a distance
    default_threshold: float = 0.1
    description: str = ""
    aliases: tuple = field(default_factory=tuple)

    def supports(self, kind: str) -> bool:
        return kind in self.kinds


class DriftMethods:
    """The registry: ``register`` a method, ``get`` one by name (entry points load on first use)."""

    def __init__(self):
        self._methods: dict[str, DriftMethod] = {}
        self._aliases: dict[str, str] = {}
        self._entry_points_loaded = False

    def register(self, method: DriftMethod) -> DriftMethod:
        if not isinstance(method, DriftMethod):
            raise InvalidInput(f"register a DriftMethod(name, compute, ...), got {type(method).__name__}")
        self._methods[method.name] = method
        for alias in method.aliases:
            self._aliases[alias] = method.name
        return method

    def register_entry_points(self) -> None:
        from importlib.metadata import entry_points

        self._entry_points_loaded = True
        for point in entry_points(group=ENTRY_POINT_GROUP):
            loaded = point.load()
            self.register(loaded() if callable(loaded) and not isinstance(loaded, DriftMethod) else loaded)

    def names(self) -> list[str]:
        if not self._entry_points_loaded:
            self.register_entry_points()
        return sorted(self._methods)

    def get(self, name: str) -> DriftMethod:
        known = self.names()
        key = self._aliases.get(str(name).lower(), str(name).lower())
        if key not in self._methods:
            raise InvalidInput(f"no drift method {name!r}{closest(name, known)}; known methods: auto, {', '.join(known)}")
        return self._methods[key]


METHODS = DriftMethods()


def register_method(method: DriftMethod) -> DriftMethod:
    """Add (or replace) a drift method; it can then be named in ``check_drift(method=...)``."""
    return METHODS.register(method)


def get_method(name: str) -> DriftMethod:
    """The method called ``name``; InvalidInput listing the known ones otherwise."""
    return METHODS.get(name)


def method_names() -> list[str]:
    """Every registered method name, sorted."""
    return METHODS.names()


from . import builtin  # noqa: E402,F401  (registers the built-in methods)
