"""What happens after a dataset version is registered, declared by the packages that care.

Registration announces each new version here; subscribers (drift stores the version's reference
sketch) register a callback, so datasets never imports them. A subscriber's error propagates to
``register_dataset``'s caller, as it would from inline code. The package wires where subscribers are
declared (``jupyter_mlops/__init__.py``), so they run even when the caller never imported them.

>>> from jupyter_mlops.datasets.events import on_version_registered, VERSION_REGISTERED
>>> @on_version_registered("example.count")
... def count(store, version, relation, params, profile):
...     pass
>>> "example.count" in VERSION_REGISTERED
True
>>> _ = VERSION_REGISTERED.unregister("example.count")
"""

from __future__ import annotations

from ..plugins import Registry

VERSION_REGISTERED = Registry("dataset-version subscriber")


def on_version_registered(name: str, callback=None):
    """Call ``callback(store, version, relation, params, profile)`` after each new version; a decorator without it.

    ``relation`` and ``params`` read the version's data on a DuckDB connection (one scan, while the
    registration still holds it); ``profile`` is its DuckDB profile.
    """
    if callback is None:
        return lambda fn: VERSION_REGISTERED.register(name, fn)
    return VERSION_REGISTERED.register(name, callback)


def version_registered(store, version, relation: str, params: list, profile) -> None:
    """Announce a just-registered ``version`` to every subscriber, in registration order."""
    for callback in VERSION_REGISTERED.items().values():
        callback(store, version, relation, params, profile)
