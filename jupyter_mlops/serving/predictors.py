"""The champion and challenger predictors, and hot swapping them when their aliases move.

A ``Predictor`` is immutable: a loaded model version with its input spec. ``ModelSet`` holds
the current ones in one dict that is replaced whole, never changed in place, so a request
that took it keeps a consistent pair however a swap interleaves, and no request waits on a
load: ``poll()`` re-resolves the references (``churn@champion``...), loads any new version on the
polling thread, then swaps in the new dict in one assignment. A version that fails to load
(tampered, unsafe...) is reported in ``last_error`` and not retried until the alias moves again;
the side keeps serving what it had.

>>> models = ModelSet("churn@champion", "churn@challenger")  # doctest: +SKIP
>>> models.current["champion"].version                       # doctest: +SKIP
3
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from ..errors import InvalidInput, MlopsError
from ..names import digits
from .payload import InputSpec, spec_from

log = logging.getLogger("jupyter_mlops.serving")


@dataclass(frozen=True)
class Predictor:
    """One loaded model version serving one side."""

    side: str
    ref: str  # as configured: churn@champion, churn/3, churn
    name: str
    version: int
    model: object
    task: str
    spec: InputSpec

    @property
    def label(self) -> str:
        return f"{self.name}/{self.version}"

    def predict(self, X) -> list:
        """Plain JSON values, one per row."""
        out = self.model.predict(X)
        return out.tolist() if hasattr(out, "tolist") else list(out)


def challenger_ref(model_ref: str, challenger: str | None) -> str | None:
    """``challenger`` as a full reference: a bare alias or version number means the served model's.

    >>> challenger_ref("churn@champion", "challenger"), challenger_ref("churn", "5"), challenger_ref("churn", "rf@new")
    ('churn@challenger', 'churn/5', 'rf@new')
    """
    if challenger is None:
        return None
    if not isinstance(challenger, (str, int)) or isinstance(challenger, bool) or str(challenger) == "":
        raise InvalidInput(f"challenger is an alias ('challenger'), a version (5) or a reference ('churn@challenger'), "
                           f"got {challenger!r}")
    text = str(challenger)
    if "@" in text or "/" in text:
        return text
    from ..registry.refs import parse_model_ref

    name = parse_model_ref(model_ref).name
    return f"{name}/{text}" if digits(text) is not None else f"{name}@{text}"


def resolve_ref(ref: str, store=None) -> tuple[str, int]:
    """``(name, version)`` the reference points at now; NotFound (listing aliases) otherwise."""
    from ..registry.versions import resolve
    from ..store import open_store

    with (store or open_store()).connect() as con:
        return resolve(con, ref)


def load_predictor(side: str, ref: str, name: str, version: int, allow_unsafe: bool) -> Predictor:
    """Load ``name/version`` through the registry's checked loader."""
    from ..registry.evaluation import task_of
    from ..registry.loading import load_model
    from ..registry.versions import get_model_version

    model = load_model(f"{name}/{version}", allow_unsafe=allow_unsafe)
    if not callable(getattr(model, "predict", None)):
        raise InvalidInput(f"model {name}/{version} is a {type(model).__name__}, which has no predict(); "
                           "serve a model version that predicts")
    signature = get_model_version(f"{name}/{version}").signature
    return Predictor(side, ref, name, version, model, task_of(model), spec_from(signature, model))


class ModelSet:
    """The current predictors by side; reloaded by ``poll()`` when their references move."""

    def __init__(self, champion: str, challenger: str | None = None, allow_unsafe: bool = False, store=None):
        from ..store import open_store

        self.store = store or open_store()  # fixed at start, whatever the working folder becomes later
        self.refs = {"champion": champion}
        if challenger is not None:
            self.refs["challenger"] = challenger
        self.allow_unsafe = allow_unsafe
        resolved = {side: resolve_ref(ref, self.store) for side, ref in self.refs.items()}  # unknown alias: NotFound now
        self.current: dict[str, Predictor] = {
            side: load_predictor(side, self.refs[side], *found, allow_unsafe) for side, found in resolved.items()}
        self.swaps: list[dict] = []
        self.last_error: str | None = None
        self._failed: dict[str, tuple] = {}  # side -> the (name, version) that failed to load: not retried
        self._lock = threading.Lock()

    @property
    def has_challenger(self) -> bool:
        return "challenger" in self.refs

    def versions(self) -> dict:
        """side -> (model, version) of the current predictors."""
        return {side: (p.name, p.version) for side, p in self.current.items()}

    def moved(self) -> dict:
        """side -> (name, version) for each side whose reference now points elsewhere (cheap: one query)."""
        changes = {}
        for side, ref in self.refs.items():
            try:
                found = resolve_ref(ref, self.store)
            except MlopsError as error:  # e.g. the alias was removed: keep serving what is loaded
                self.last_error = f"{side} {ref}: {error}"
                continue
            loaded = self.current[side]
            if found != (loaded.name, loaded.version) and self._failed.get(side) != found:
                changes[side] = found
        return changes

    def swap_in(self, changes: dict) -> list[dict]:
        """Load the moved sides (slow; requests keep using the current pair), then swap in one assignment."""
        with self._lock:  # one reload at a time
            swaps, new = [], dict(self.current)
            for side, (name, version) in changes.items():
                try:
                    new[side] = load_predictor(side, self.refs[side], name, version, self.allow_unsafe)
                except MlopsError as error:
                    self._failed[side] = (name, version)
                    self.last_error = (f"could not load {name}/{version} for the {side}: {error}; still serving "
                                       f"{self.current[side].label}")
                    log.warning(self.last_error)
                    continue
                swaps.append({"side": side, "ref": self.refs[side], "from_version": self.current[side].version,
                              "to_version": version})
            if swaps:
                self.current = new  # one assignment: requests see the old pair or the new one, never a mix
                self.swaps.extend(swaps)
                for swap in swaps:
                    self._failed.pop(swap["side"], None)
            return swaps

    def poll(self) -> list[dict]:
        """Re-resolve every reference; load and swap in the sides whose version moved. Returns the swaps."""
        return self.swap_in(self.moved())
