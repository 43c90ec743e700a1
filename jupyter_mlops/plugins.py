"""One small registry for every plug-in point: drift methods, executors, triggers, model flavours,
and the store's record kinds and blob references.

A registry maps names to objects. Code registers by name (``register``, also a decorator); other
packages register through an entry-point group, read on the first lookup; modules named with
``declared_in`` are imported on the first lookup too (how a package collects what its parts declare
without importing them up front). An unknown name fails listing the known ones; a broken entry point
warns (one line naming it and the error) and is skipped, so one bad plug-in breaks nothing else.

>>> shapes = Registry("shape", unknown="no shape {name!r}{hint}; known shapes: {known}")
>>> @shapes.register("square")
... def square(side):
...     return side * side
>>> shapes.get("square")(3)
9
>>> shapes.names()
['square']
>>> shapes.get("sqare")
Traceback (most recent call last):
...
jupyter_mlops.errors.InvalidInput: no shape 'sqare'; did you mean 'square'?; known shapes: square
"""

from __future__ import annotations

import importlib
import threading
import warnings

from .errors import InvalidInput, closest

_MISSING = object()


class Registry:
    """Named plug-ins of one kind (``label``), optionally also read from ``entry_point_group``.

    ``unknown`` is the message of the error for an unknown name, formatted with ``name``, ``hint``
    (a did-you-mean, or "") and ``known`` (the names, comma separated). Names keep registration order.
    """

    def __init__(self, label: str, entry_point_group: str | None = None, *, unknown: str | None = None):
        self.label = label
        self.entry_point_group = entry_point_group
        self.unknown = unknown or f"no {label} {{name!r}}{{hint}}; known: {{known}}"
        self._items: dict[str, object] = {}
        self._modules: list[str] = []
        self._lock = threading.RLock()
        self._entry_points_read = entry_point_group is None
        self._modules_imported = 0
        self._ready = self._entry_points_read
        self._loading = False

    def register(self, name: str, obj=_MISSING):
        """Add (or replace) ``obj`` under ``name`` and return it; without ``obj``, a decorator."""
        if obj is _MISSING:
            return lambda fn: self.register(name, fn)
        with self._lock:
            self._items[name] = obj
        return obj

    def unregister(self, name: str):
        """Remove ``name`` (a plug-in uninstalled, or a test cleaning up); return what it held, or None."""
        with self._lock:
            return self._items.pop(name, None)

    def declared_in(self, *modules: str) -> None:
        """Import ``modules`` (which register into this registry) before the next lookup."""
        with self._lock:
            self._modules.extend(m for m in modules if m not in self._modules)
            self._ready = self._ready and self._modules_imported == len(self._modules)

    def reread_entry_points(self) -> None:
        """Read the entry-point group again on the next lookup (a plug-in installed at run time)."""
        with self._lock:
            self._entry_points_read = self.entry_point_group is None
            self._ready = self._entry_points_read and self._modules_imported == len(self._modules)

    def get(self, name: str, default=_MISSING):
        """The object registered as ``name``; ``default`` or InvalidInput listing the known names otherwise."""
        items = self.items()
        if name in items:
            return items[name]
        if default is not _MISSING:
            return default
        raise self.unknown_name(name)

    def names(self) -> list[str]:
        """Every registered name, in registration order."""
        return list(self.items())

    def items(self) -> dict:
        """A snapshot ``{name: object}`` of everything registered (declaring modules and entry points loaded)."""
        self._load()
        with self._lock:
            return dict(self._items)

    def unknown_name(self, name) -> InvalidInput:
        """The error for an unknown ``name``: it lists the known names, with a did-you-mean when one is close."""
        known = self.names()
        return InvalidInput(self.unknown.format(name=name, hint=closest(str(name), known), known=", ".join(known)))

    def adopt(self, name: str, loaded):
        """What to register for an entry point ``name`` that loaded as ``loaded`` (subclasses convert)."""
        return loaded

    def _load(self) -> None:
        if self._ready:
            return
        with self._lock:  # re-entrant: a declaring module may register (or look up) while it is imported
            if self._loading:
                return
            self._loading = True
            try:
                while self._modules_imported < len(self._modules):
                    module = self._modules[self._modules_imported]
                    self._modules_imported += 1
                    importlib.import_module(module)
                if not self._entry_points_read:
                    self._entry_points_read = True
                    self._read_entry_points()
            finally:
                self._loading = False
            self._ready = True

    def _read_entry_points(self) -> None:
        from importlib.metadata import entry_points

        for point in entry_points(group=self.entry_point_group):
            try:
                self.register(point.name, self.adopt(point.name, point.load()))
            except Exception as error:  # a broken plug-in must not break the registry
                warnings.warn(f"{self.label} entry point {point.name!r} ({point.value}) could not be loaded, "
                              f"skipped: {type(error).__name__}: {error}", stacklevel=4)

    def __contains__(self, name) -> bool:
        return name in self.items()

    def __repr__(self) -> str:
        return f"<Registry of {self.label}s: {', '.join(self._items)}>"
