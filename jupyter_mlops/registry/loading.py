"""Loading a registered version: hash verified, safe flavours only unless told otherwise.

>>> model = load_model("churn@champion")       # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import warnings

from ..errors import InvalidInput, MlopsError, NotFound
from ..store import open_store
from .flavors import Flavor, UnsafeModel, UnsafeModelWarning, get_flavor
from .versions import resolve


class ModelTampered(MlopsError):
    """A model's artifact no longer has the SHA-256 it was registered with (modified or truncated)."""

    http_status = 409


def read_verified(store, digest: str, size: int | None, what: str) -> bytes:
    """The blob's bytes, after checking they still hash to ``digest``; ModelTampered otherwise."""
    path = store.blobs.path(digest)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"{what} is missing from the store (blob {digest[:12]} at {path}); it was removed or the store "
                       "was copied without its artifacts folder") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != digest or (size is not None and len(data) != size):
        expected = f"{size:,} bytes, " if size is not None else ""
        raise ModelTampered(
            f"{what} was modified or truncated on disk: its file {path} has {len(data):,} bytes and SHA-256 "
            f"{actual[:16]}..., but was registered with {expected}SHA-256 {digest[:16]}...; refusing to load it. "
            "Register the model again, or restore the file from a backup")
    return data


def _load(flavor: Flavor, data: bytes, metadata: dict, what: str, allow_unsafe: bool):
    if flavor.unsafe:
        if not allow_unsafe:
            raise UnsafeModel(
                f"{what} was saved with the unsafe {flavor.name!r} flavour: loading it runs code from the file. "
                "Load it only if you trust who registered it: load_model(..., allow_unsafe=True)")
        warnings.warn(f"{what} uses the unsafe {flavor.name!r} flavour (a pickle): loading it runs code from "
                      "its file; re-register it with a safe flavour (sklearn/skops) if you can",
                      UnsafeModelWarning, stacklevel=3)
    try:
        return flavor.load(data, {**metadata, "what": what})
    except MlopsError:
        raise
    except Exception as error:
        raise InvalidInput(f"{what} could not be loaded by the {flavor.name!r} flavour "
                           f"({type(error).__name__}: {str(error)[:300]})") from None


def load_model(ref, allow_unsafe: bool = False):
    """Load a registered model: ``churn`` (latest), ``churn/3``, ``churn@champion`` (``models:/`` optional).

    The artifact's SHA-256 is checked first: a modified or truncated file raises ModelTampered
    naming the version. scikit-learn models load through skops trusting only their declared
    types. A model saved with an unsafe flavour (joblib/pickle) is refused unless
    ``allow_unsafe=True``, and then loads with an UnsafeModelWarning.

    >>> model = load_model("churn@champion")       # doctest: +SKIP
    >>> model.predict(X_new)                       # doctest: +SKIP
    """
    store = open_store()
    with store.connect() as con:
        name, version = resolve(con, ref)
        row = con.execute("SELECT flavor, sha256, size, trusted_types FROM model_versions WHERE name = ? AND version = ?",
                          [name, version]).fetchone()
    flavor_name, digest, size, trusted = row
    what = f"model {name}/{version}"
    data = read_verified(store, digest, size, what)
    return _load(get_flavor(flavor_name), data, {"trusted_types": json.loads(trusted) if trusted else []}, what,
                 allow_unsafe)
