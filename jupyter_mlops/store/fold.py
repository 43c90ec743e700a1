"""Folding spool records into DuckDB: short, idempotent transactions run by whoever holds the lock.

Each transaction applies a chunk of complete lines from the spool segments and advances
``spool_offsets`` to match, so a crash at any point re-applies nothing and loses nothing.
Record kinds are registered by the modules that write them (tracking, datasets, serving,
pipelines), each with an ``apply(con, records)`` function; hooks registered with
``on_writer_gone`` run when a writer's process is found dead (tracking marks its running runs
as crashed).

A line that cannot be applied never stops the fold: it is set aside in the ``quarantine`` table
(see ``set_aside.py``) in the transaction that moves the offset past it, and every other line
still lands exactly once. A chunk is applied in one transaction (the fast path); only when that
fails is it rolled back and split in halves, recursively, down to the offending lines.

>>> @record_kind("note", order=90)
... def _apply_notes(con, records): ...
"""

from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from .set_aside import TORN_WRITE, describe_error, kind_of, set_aside
from .spool import parse_segment_name, writer_is_alive
from .transaction import disk_full, rollback, transaction

CHUNK_BYTES = 16 * 1024 * 1024
# A line longer than this is set aside unread: no writer writes one (it would have held it in memory).
MAX_LINE_BYTES = 256 * 1024 * 1024
RECORD_MODULES = ("jupyter_mlops.tracking.records", "jupyter_mlops.datasets.records", "jupyter_mlops.serving.log",
                  "jupyter_mlops.pipelines.records")

_KINDS: dict[str, tuple[int, object]] = {}
_GONE_HOOKS: list = []


def record_kind(kind: str, order: int):
    """Register ``apply(con, records)`` for spool records whose first field is ``kind``.

    Within one transaction, kinds are applied by ascending ``order`` (a run's start before its
    metrics and its end); ``apply`` raises on a record it cannot store, and that record is set aside.
    """

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
    """What one fold did: records applied, lines set aside in quarantine (``rejected``), dead writers."""

    records: int = 0
    rejected: int = 0
    writers_gone: list = field(default_factory=list)


def _load_kinds() -> None:
    for module in RECORD_MODULES:
        importlib.import_module(module)


def fold_spools(con, spool_dir: str | os.PathLike) -> FoldStats:
    """Apply every complete pending spool line to ``con``'s database; remove finished files.

    Raises ``StoreFull`` when the disk fills mid-fold; what was committed stays, the rest is
    folded by the next reader once there is space.
    """
    _load_kinds()
    spool_dir = Path(spool_dir)
    home = spool_dir.parent
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
        with transaction(con, home):
            con.execute("DELETE FROM spool_offsets WHERE segment IN (SELECT unnest(?))", [stale])
    removable: list[Path] = []
    gone: list[str] = []
    for writer, files in sorted(segments.items()):
        files.sort()
        alive = writer_is_alive(spool_dir, writer)
        for index, (_, path) in enumerate(files):
            current = index == len(files) - 1
            segment = _Segment(con, path, writer, home, stats)
            done = segment.fold(offsets.get(path.name, 0), may_grow=alive and current)
            if done and not (alive and current):
                removable.append(path)
        if not alive:
            gone.append(writer)
    if gone:
        with transaction(con, home):
            for hook in _GONE_HOOKS:
                hook(con, gone)
        stats.writers_gone = gone
        removable.extend(spool_dir / f"{w}.lock" for w in gone)
    for path in removable:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
    return stats


class _Unreadable:
    """Stands in for a line that is not JSON; carries why."""

    __slots__ = ("error",)

    def __init__(self, error: str):
        self.error = error


def _not_the_records_fault(error: BaseException) -> bool:
    """Errors of the machine, not of a record: retrying later helps, quarantining would lose data."""
    import duckdb

    environmental = (MemoryError, OSError, duckdb.FatalException, duckdb.InterruptException, duckdb.IOException,
                     duckdb.OutOfMemoryException, duckdb.TransactionException, duckdb.ConnectionException,
                     duckdb.InternalException)
    return not isinstance(error, Exception) or isinstance(error, environmental) or disk_full(error)


class _Segment:
    """Folds one spool segment file from a committed offset."""

    def __init__(self, con, path: Path, writer: str, home: Path, stats: FoldStats):
        self.con, self.path, self.writer, self.home, self.stats = con, path, writer, home, stats

    def fold(self, offset: int, may_grow: bool) -> bool:
        """Fold from ``offset`` in chunks; True when everything in the segment is folded.

        Only what the file held when the fold began is folded: a busy writer (a model server logging
        every prediction) appends faster than one reader can chase, and the reader must get its turn.
        Later lines are the next reader's.
        """
        with open(self.path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            while True:
                f.seek(offset)
                data = f.read(min(CHUNK_BYTES, max(size - offset, 0)))
                end = data.rfind(b"\n") + 1
                if end == 0:
                    if not data:
                        return not may_grow
                    newline = _find_newline(f, offset + len(data), size)
                    if newline < 0:
                        if may_grow:
                            return False  # the writer is still writing this line
                        # A dead writer's torn last line: it never returned, but it is kept in quarantine.
                        self._set_aside_alone(offset, size, None, data, TORN_WRITE)
                        return True
                    if newline + 1 - offset > MAX_LINE_BYTES:
                        self._set_aside_alone(offset, newline + 1, None, data,
                                              f"line of {newline + 1 - offset} bytes is longer than the "
                                              f"{MAX_LINE_BYTES} a record may take; it was not read")
                        offset = newline + 1
                        continue
                    f.seek(offset)
                    data = f.read(newline + 1 - offset)
                    end = len(data)
                _Chunk(self, offset, data[: end - 1].split(b"\n")).fold()
                offset += end

    def _set_aside_alone(self, offset: int, next_offset: int, kind, raw: bytes, error: str) -> None:
        with transaction(self.con, self.home):
            set_aside(self.con, self.path.name, offset, self.writer, kind, raw, error)
            _save_offset(self.con, self.path.name, next_offset)
        self.stats.rejected += 1


class _Chunk:
    """Complete lines of one segment starting at byte ``base``, applied once each."""

    def __init__(self, segment: _Segment, base: int, lines: list[bytes]):
        self.segment, self.base, self.lines = segment, base, lines
        self._starts: list[int] | None = None

    def start(self, index: int) -> int:
        """Byte offset in the segment of line ``index`` (``len(lines)``: just past the last line)."""
        if self._starts is None:
            self._starts = [0, *accumulate(len(line) + 1 for line in self.lines)]
        return self.base + self._starts[index]

    def fold(self) -> None:
        records = _parse_together(self.lines)
        if records is not None and self._commit(records, 0, len(self.lines)) is None:
            return
        # The slow path: find the lines that cannot be applied by halving the chunk.
        records = [_parse_line(line) for line in self.lines]
        middle = len(self.lines) // 2
        for lo, hi in ((0, middle), (middle, len(self.lines))):
            if lo < hi:
                self._settle(records, lo, hi)

    def _settle(self, records: list, lo: int, hi: int) -> None:
        """Apply ``lines[lo:hi]``; on a record's error, halve the range until that line stands alone."""
        error = self._commit(records, lo, hi)
        if error is None:
            return
        if hi - lo == 1:
            self.segment._set_aside_alone(self.start(lo), self.start(hi), kind_of(records[lo]), self.lines[lo],
                                          describe_error(error))
            return
        middle = (lo + hi) // 2
        self._settle(records, lo, middle)
        self._settle(records, middle, hi)

    def _commit(self, records: list, lo: int, hi: int) -> BaseException | None:
        """Apply ``records[lo:hi]`` and move the offset past them in one transaction.

        Returns the error a record caused (everything rolled back), None on success; raises
        errors that are not a record's fault (a full disk as ``StoreFull``).
        """
        seg = self.segment
        con = seg.con
        con.execute("BEGIN TRANSACTION")
        try:
            by_kind: dict[str, list] = {}
            rejected = 0
            for index in range(lo, hi):
                record = records[index]
                refusal = _refusal(record)
                if refusal is None:
                    by_kind.setdefault(record[0], []).append(record)
                else:
                    set_aside(con, seg.path.name, self.start(index), seg.writer, kind_of(record),
                              self.lines[index], refusal)
                    rejected += 1
            applied = 0
            for kind in sorted(by_kind, key=lambda k: _KINDS[k][0]):
                _KINDS[kind][1](con, by_kind[kind])
                applied += len(by_kind[kind])
            _save_offset(con, seg.path.name, self.start(hi))
            con.execute("COMMIT")
        except BaseException as error:
            rollback(con, error, seg.home)
            if _not_the_records_fault(error):
                raise
            return error
        seg.stats.records += applied
        seg.stats.rejected += rejected
        return None


def _refusal(record) -> str | None:
    """Why ``record`` is no record at all (None when its kind is known)."""
    if isinstance(record, _Unreadable):
        return record.error
    if not isinstance(record, list) or not record:
        return "not a record: a spool line is a JSON list whose first field is the record's kind"
    kind = record[0]
    if not isinstance(kind, str) or kind not in _KINDS:
        return f"unknown record kind {str(kind)[:100]!r}; known kinds: {', '.join(sorted(_KINDS))}"
    return None


def _parse_together(lines: list[bytes]) -> list | None:
    """All lines parsed in one call (fast), or None when some line is not JSON on its own."""
    try:
        records = json.loads(b"[" + b",".join(lines) + b"]")
    except (ValueError, RecursionError):
        return None
    # Two broken lines can make one valid array item between them: then the counts differ.
    return records if len(records) == len(lines) else None


def _parse_line(line: bytes):
    try:
        return json.loads(line)
    except (ValueError, RecursionError) as error:
        return _Unreadable(f"not valid JSON: {describe_error(error)}")


def _find_newline(f, start: int, size: int) -> int:
    """Position of the first newline at or after ``start`` (before ``size``), or -1."""
    position = start
    while position < size:
        f.seek(position)
        block = f.read(min(1024 * 1024, size - position))
        if not block:
            break
        found = block.find(b"\n")
        if found >= 0:
            return position + found
        position += len(block)
    return -1


def _save_offset(con, segment: str, offset: int) -> None:
    con.execute(
        'INSERT INTO spool_offsets VALUES (?, ?) ON CONFLICT (segment) DO UPDATE SET "offset" = excluded."offset"',
        [segment, offset],
    )
