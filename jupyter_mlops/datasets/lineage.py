"""Lineage: which runs read or produced which dataset versions, asked from either end.

A run records the versions it read explicitly (``log_input``) and automatically whenever
``load_dataset`` is called inside it or autolog fits on a frame that came from ``load_dataset``
(or a column subset of one).

>>> lineage("churn@2").downstream     # runs that read churn@2           # doctest: +SKIP
>>> lineage(run_id).upstream          # datasets that run read            # doctest: +SKIP
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from ..errors import NotFound
from ..store import open_store
from ..tracking.runs import active_run, now_ms

# Weak references to frames returned by load_dataset, with their dataset and version.
_frames: list = []


def remember_frame(frame, version) -> None:
    """Note that ``frame`` holds ``version`` so autolog can recognise it (and frames cut from it)."""
    _frames[:] = [entry for entry in _frames if entry[0]() is not None]
    _frames.append((weakref.ref(frame), version.name, version.version))


def _same_column(a, b) -> bool:
    import numpy as np

    left, right = a.to_numpy(), b.to_numpy()
    return np.may_share_memory(left, right) or a.reset_index(drop=True).equals(b.reset_index(drop=True))


def registered_source(frame) -> tuple[str, int] | None:
    """(dataset, version) when ``frame`` is a loaded dataset or a column subset of one (same rows).

    >>> registered_source(load_dataset("churn@2")[["age", "plan"]])   # doctest: +SKIP
    ('churn', 2)
    """
    columns = list(getattr(frame, "columns", []))
    for ref, name, version in reversed(_frames):
        loaded = ref()
        if loaded is None or len(loaded) != len(frame) or not columns or not set(columns) <= set(loaded.columns):
            continue
        if all(_same_column(frame[c], loaded[c]) for c in columns):
            return name, version
    return None


def record_link(run, dataset: str, version: int, role: str) -> None:
    run._write(["dsrun", run.run_id, dataset, version, role, now_ms()])


def record_input(version) -> None:
    """Inside a run, record that it read ``version``."""
    run = active_run()
    if run is not None:
        record_link(run, version.name, version.version, "input")


def log_input(ref: str, run=None) -> str:
    """Record that the active run (or ``run``) read dataset version ``ref``; return ``name@version``.

    >>> log_input("churn@3")     # doctest: +SKIP
    'churn@3'
    """
    from ..tracking.runs import run_for_logging
    from .registry import describe_dataset

    version = describe_dataset(ref)
    record_link(run or run_for_logging(), version.name, version.version, "input")
    return version.ref


@dataclass
class Lineage:
    """``upstream``: what ``ref`` came from; ``downstream``: what used it (DataFrames)."""

    ref: str
    kind: str
    upstream: object
    downstream: object


def lineage(ref: str) -> Lineage:
    """Both directions of lineage for a dataset version (``churn@2``) or a run (id, prefix or name).

    For a dataset: ``upstream`` are the runs that produced it, ``downstream`` the runs that read it.
    For a run: ``upstream`` are the dataset versions it read, ``downstream`` those it produced.

    >>> lineage("churn@2").downstream[["run_name", "status"]]    # doctest: +SKIP
    """
    from ..tracking.search import resolve_run_id
    from .registry import _resolve

    runs_sql = """SELECT l.run_id, r.run_name, e.name AS experiment, r.status, l.dataset, l.version
                  FROM run_datasets l JOIN runs r USING (run_id) JOIN experiments e USING (experiment_id)
                  WHERE l.dataset = ? AND l.version = ? AND l.role = ? ORDER BY r.start_time"""
    with open_store().connect() as con:
        is_dataset = "@" in ref or con.execute("SELECT 1 FROM datasets WHERE name = ?", [ref]).fetchone()
        if is_dataset:
            name, version = _resolve(con, ref)
            up = con.execute(runs_sql, [name, version, "output"]).df()
            down = con.execute(runs_sql, [name, version, "input"]).df()
            return Lineage(f"{name}@{version}", "dataset", up, down)
        try:
            run_id = resolve_run_id(con, ref)
        except NotFound:
            raise NotFound(f"{ref!r} is neither a dataset (name@version) nor a run; check the name") from None
        sql = """SELECT dataset, version, dataset || '@' || version AS ref, created_at FROM run_datasets
                 WHERE run_id = ? AND role = ? ORDER BY dataset, version"""
        return Lineage(run_id, "run", con.execute(sql, [run_id, "input"]).df(), con.execute(sql, [run_id, "output"]).df())
