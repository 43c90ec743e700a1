"""Per-process append-only spool files: the never-blocking write path.

A process that logs anything owns one ``SpoolWriter``. It holds an exclusive ``flock`` on
``<writer>.lock`` for as long as it lives (the kernel releases it when the process dies, even
by SIGKILL) and appends one JSON line per record to ``<writer>.<segment>.jsonl`` with a single
``os.write`` call, so a record is in the operating system's hands before the log call returns.
Nothing here touches DuckDB: whoever next opens the database folds pending lines in (see
``fold.py``). A free lock tells the folder that the writer is gone, so its unfinished runs
are marked crashed.

>>> import tempfile
>>> w = SpoolWriter(tempfile.mkdtemp())
>>> w.write(["tag", "run1", "k", "v"])
>>> w.close()
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import uuid
from pathlib import Path

from ..errors import StoreNotWritable
from .disk import is_disk_full, store_full

SEGMENT_BYTES = 64 * 1024 * 1024
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=True).encode


class SpoolWriter:
    """Appends records for one process. Thread-safe; never waits on the database."""

    def __init__(self, spool_dir: str | os.PathLike):
        self.dir = Path(spool_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.writer_id = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self._lock = threading.Lock()
        self._lock_fd = os.open(self.dir / f"{self.writer_id}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._segment = -1
        self._fd = -1
        self._written = 0  # bytes in the current segment: it is ours alone, so we know its size
        self._torn = False  # the segment ends in a piece of a failed record we could not cut off
        try:
            self._open_next_segment()
        except OSError as error:
            raise self._write_error(error) from error

    def _open_next_segment(self) -> None:
        fd = os.open(self.dir / segment_name(self.writer_id, self._segment + 1),
                     os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if self._fd >= 0:
            os.close(self._fd)
        self._fd, self._segment, self._written, self._torn = fd, self._segment + 1, 0, False

    def write(self, record: list) -> None:
        """Append one record; it survives this process being killed once this returns.

        A failed append leaves no piece of the record behind for the next one to join: raises
        ``StoreFull`` when the disk is full (the next write after space is freed succeeds) and
        ``StoreNotWritable`` for any other I/O error.
        """
        data = (_dumps(record) + "\n").encode("utf-8")
        with self._lock:
            if self._fd < 0:
                raise RuntimeError("this spool writer is closed")
            try:
                if self._written + len(data) > SEGMENT_BYTES and self._written:
                    self._open_next_segment()
                if self._torn:
                    data = b"\n" + data  # the torn piece becomes a line of its own (quarantined by the fold)
                view = memoryview(data)
                while view:
                    view = view[os.write(self._fd, view) :]
            except OSError as error:
                self._cut_partial_append()
                raise self._write_error(error) from error
            self._written += len(data)
            self._torn = False

    def _cut_partial_append(self) -> None:
        """Truncate the segment back to its last complete record; if that fails, remember the tear."""
        try:
            os.ftruncate(self._fd, self._written)
        except OSError:
            try:
                size = os.fstat(self._fd).st_size
            except OSError:
                self._torn = True
                return
            self._torn = self._torn or size > self._written
            self._written = size

    def _write_error(self, error: OSError) -> Exception:
        if is_disk_full(error):
            return store_full(self.dir.parent)  # the spool lives in the store's home
        return StoreNotWritable(
            f"cannot append to the spool {self.dir} ({error.strerror or error}); "
            "check that the disk holding MLOPS_HOME is writable and healthy, or point MLOPS_HOME elsewhere"
        )

    def close(self) -> None:
        """Release the files; the folder will fold what is left and remove them."""
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
            if self._lock_fd >= 0:
                os.close(self._lock_fd)
                self._lock_fd = -1

    def abandon_after_fork(self) -> None:
        """In a forked child: drop the inherited descriptors without touching the parent's lock."""
        for fd in (self._fd, self._lock_fd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._fd = self._lock_fd = -1
        self._lock = threading.Lock()


def segment_name(writer_id: str, segment: int) -> str:
    return f"{writer_id}.{segment:06d}.jsonl"


def parse_segment_name(name: str) -> tuple[str, int] | None:
    """``'123-abc.000002.jsonl'`` -> ``('123-abc', 2)``; None for other files."""
    parts = name.rsplit(".", 2)
    if len(parts) != 3 or parts[2] != "jsonl" or not (parts[1].isascii() and parts[1].isdigit()):
        return None
    return parts[0], int(parts[1])


def writer_is_alive(spool_dir: Path, writer_id: str) -> bool:
    """True while the writer process holds its lock (checked without blocking)."""
    try:
        fd = os.open(spool_dir / f"{writer_id}.lock", os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
