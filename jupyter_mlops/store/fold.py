"""Folding spool records into DuckDB: short, idempotent transactions run by whoever holds the lock.

Each transaction applies a chunk of complete lines from the spool segments and advances
``spool_offsets`` to match, so a crash at any point re-applies nothing and loses nothing.
Record kinds are registered by the modules that write them (tracking now; datasets, serving...
later), each with an ``apply(con, records)`` function; hooks registered with ``on_writer_gone``
run when a writer's process is found dead (tracking marks its running runs as crashed).

>>> @record_kind("note", order=90)
... def _apply_notes(con, records): ...
"""

from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .spool import parse_segment_name, writer_is_alive

CHUNK_BYTES = 16 * 1024 * 1024
RECORD_MODULES = ("jupyter_mlops.tracking.records", "jupyter_mlops.datasets.records", "jupyter_mlops.serving.log",
                  "jupyter_mlops.pipelines.records")

_KINDS: dict[str, tuple[int, object]] = {}
_GONE_HOOKS: list = []


def record_kind(kind: str, order: int):
    """Register ``apply(con, records)`` for spool records whose first field is ``kind``."""

    def register(fn):
        _KINDS[kind] = (order, fn)
        return fn

    return register


def on_writer_gone(fn):
    """Register ``hook(con, writer_ids)``, called in the fold transaction for dead writers."""
    _GONE_HOOKS.append(fn)
    return fn


@dataclass
class FoldStats:
    records: int = 0
    rejected: int = 0
    writers_gone: list = field(default_factory=list)


def _load_kinds() -> None:
    for module in RECORD_MODULES:
        importlib.import_module(module)


def _parse(lines: list[bytes], stats: FoldStats) -> list:
    try:
        return json.loads(b"[" + b",".join(lines) + b"]")
    except ValueError:
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except ValueError:
                stats.rejected += 1
        return records


def _apply(con, records: list, stats: FoldStats) -> None:
    by_kind: dict[str, list] = {}
    for record in records:
        if isinstance(record, list) and record and record[0] in _KINDS:
            by_kind.setdefault(record[0], []).append(record)
        else:
            stats.rejected += 1
    for kind in sorted(by_kind, key=lambda k: _KINDS[k][0]):
        _KINDS[kind][1](con, by_kind[kind])
        stats.records += len(by_kind[kind])


def fold_spools(con, spool_dir: str | os.PathLike) -> FoldStats:
    """Apply every complete pending spool line to ``con``'s database; remove finished files."""
    _load_kinds()
    spool_dir = Path(spool_dir)
    stats = FoldStats()
    segments: dict[str, list[tuple[int, Path]]] = {}
    for path in spool_dir.glob("*.jsonl"):
        parsed = parse_segment_name(path.name)
        if parsed:
            segments.setdefault(parsed[0], []).append((parsed[1], path))
    offsets = dict(con.execute('SELECT segment, "offset" FROM spool_offsets').fetchall())
    present = {path.name for files in segments.values() for _, path in files}
    stale = [name for name in offsets if name not in present]
    if stale:
        con.execute("DELETE FROM spool_offsets WHERE segment IN (SELECT unnest(?))", [stale])
    removable: list[Path] = []
    gone: list[str] = []
    for writer, files in sorted(segments.items()):
        files.sort()
        alive = writer_is_alive(spool_dir, writer)
        for index, (_, path) in enumerate(files):
            current = index == len(files) - 1
            done = _fold_segment(con, path, offsets.get(path.name, 0), alive and current, stats)
            if done and not (alive and current):
                removable.append(path)
        if not alive:
            gone.append(writer)
    if gone:
        con.execute("BEGIN TRANSACTION")
        for hook in _GONE_HOOKS:
            hook(con, gone)
        con.execute("COMMIT")
        stats.writers_gone = gone
        removable.extend(spool_dir / f"{w}.lock" for w in gone)
    for path in removable:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
    return stats


def _fold_segment(con, path: Path, offset: int, may_grow: bool, stats: FoldStats) -> bool:
    """Fold ``path`` from ``offset`` in chunks; True when everything in it is folded.

    Only what the file held when the fold began is folded: a busy writer (a model server logging
    every prediction) appends faster than one reader can chase, and the reader must get its turn.
    Later lines are the next reader's.
    """
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        while True:
            f.seek(offset)
            data = f.read(min(CHUNK_BYTES, max(size - offset, 0)))
            end = data.rfind(b"\n") + 1
            if end == 0:
                if data and not may_grow and len(data) < CHUNK_BYTES:
                    # A dead writer's torn last line: it never returned, so it is not a record.
                    stats.rejected += 1
                    _save_offset(con, path.name, offset + len(data))
                    return True
                return not data and not may_grow
            records = _parse(data[:end].rstrip(b"\n").split(b"\n"), stats)
            con.execute("BEGIN TRANSACTION")
            try:
                _apply(con, records, stats)
                _save_offset(con, path.name, offset + end)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            offset += end


def _save_offset(con, segment: str, offset: int) -> None:
    con.execute(
        'INSERT INTO spool_offsets VALUES (?, ?) ON CONFLICT (segment) DO UPDATE SET "offset" = excluded."offset"',
        [segment, offset],
    )
