"""Loading a registered version: hash verified, file kind checked against the row, safe flavours only
unless told otherwise. Trust comes from the caller (``allow_unsafe``, ``trusted``), never from the
store: a registry row or a blob can name a flavour, but not widen what is trusted.

>>> model = load_model("churn@champion")       # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import warnings

from ..errors import InvalidInput, MlopsError, NotFound
from ..store import open_store
from .flavors import Flavor, UnsafeModel, UnsafeModelWarning, get_flavor
from .trust import check_extra_trusted
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


def file_kind(data: bytes) -> str:
    """What a model file looks like from its first bytes (for messages).

    >>> file_kind(b"\\x80\\x05..."), file_kind(b"PK\\x03\\x04..."), file_kind(b"{}")
    ('a pickle', 'a zip archive', 'an unknown kind of file')
    """
    if data[:1] == b"\x80" or data[:2] in (b"x\x9c", b"x\xda", b"x\x01", b"x^"):
        return "a pickle"  # plain, or zlib-compressed as joblib writes it
    if data.startswith(b"PK"):
        return "a zip archive"
    return "an unknown kind of file"


def check_row_matches_file(flavor: Flavor, unsafe_in_row, data: bytes, what: str) -> None:
    """UnsafeModel when the registry row and the file disagree: a row cannot make a pickle safe."""
    if unsafe_in_row is not None and bool(unsafe_in_row) != flavor.unsafe:
        raise UnsafeModel(
            f"{what}: its registry row says unsafe={bool(unsafe_in_row)}, but the {flavor.name!r} flavour is "
            f"{'unsafe' if flavor.unsafe else 'safe'}; the row was edited outside the registry — "
            "register the model again")
    if flavor.recognizes is not None and not flavor.recognizes(data):
        raise UnsafeModel(
            f"{what} is registered as a {flavor.name!r} model but its file is {file_kind(data)}, not a "
            f"{flavor.name} file; refusing to load it — register the model again from its training code")


def _load(flavor: Flavor, data: bytes, metadata: dict, what: str, allow_unsafe: bool, trusted=(),
          registering: bool = False):
    if flavor.recognizes is not None and not flavor.recognizes(data):
        raise UnsafeModel(f"{what} is not a {flavor.name} file (it is {file_kind(data)}); refusing to load it — "
                          "log or register the model again from its training code")
    if flavor.unsafe:
        if not allow_unsafe:
            raise UnsafeModel(
                f"{what} was saved with the unsafe {flavor.name!r} flavour: loading it runs code from the file. "
                "Load it only if you trust who registered it: load_model(..., allow_unsafe=True)")
        warnings.warn(f"{what} uses the unsafe {flavor.name!r} flavour (a pickle): loading it runs code from "
                      "its file; re-register it with a safe flavour (sklearn/skops) if you can",
                      UnsafeModelWarning, stacklevel=3)
    context = {"trusted_types": metadata.get("trusted_types", []), "what": what,
               "trusted": tuple(trusted), "allow_unsafe": bool(allow_unsafe), "registering": registering}
    try:
        return flavor.load(data, context)
    except MlopsError:
        raise
    except Exception as error:
        raise InvalidInput(f"{what} could not be loaded by the {flavor.name!r} flavour "
                           f"({type(error).__name__}: {str(error)[:300]})") from None


def load_model(ref, allow_unsafe: bool = False, trusted=None):
    """Load a registered model: ``churn`` (latest), ``churn/3``, ``churn@champion`` (``models:/`` optional).

    The artifact's SHA-256 is checked first: a modified or truncated file raises ModelTampered
    naming the version; a file that is not of the kind its row says (a pickle behind a ``sklearn``
    row) raises UnsafeModel. scikit-learn models load through skops only when every type the
    file needs is on the trust list (``registry/trust.py``) or in ``trusted`` (type names you
    deliberately trust for this call). A model saved with an unsafe flavour (joblib/pickle), or
    needing other types, is refused unless ``allow_unsafe=True``, and then loads with an
    UnsafeModelWarning.

    >>> model = load_model("churn@champion")       # doctest: +SKIP
    >>> model.predict(X_new)                       # doctest: +SKIP
    """
    extra = check_extra_trusted(trusted)
    store = open_store()
    with store.connect() as con:
        name, version = resolve(con, ref)
        row = con.execute("SELECT flavor, unsafe, sha256, size, trusted_types FROM model_versions "
                          "WHERE name = ? AND version = ?", [name, version]).fetchone()
    flavor_name, unsafe, digest, size, needed = row
    what = f"model {name}/{version}"
    data = read_verified(store, digest, size, what)
    flavor = get_flavor(flavor_name)
    check_row_matches_file(flavor, unsafe, data, what)
    return _load(flavor, data, {"trusted_types": json.loads(needed) if needed else []}, what, allow_unsafe, extra)
