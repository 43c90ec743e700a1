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
        self._written = 0
        self._open_next_segment()

    def _open_next_segment(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
        self._segment += 1
        path = self.dir / segment_name(self.writer_id, self._segment)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._written = 0

    def write(self, record: list) -> None:
        """Append one record; it survives this process being killed once this returns."""
        data = (_dumps(record) + "\n").encode("utf-8")
        with self._lock:
            if self._fd < 0:
                raise RuntimeError("this spool writer is closed")
            if self._written + len(data) > SEGMENT_BYTES and self._written:
                self._open_next_segment()
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            self._written += len(data)

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
    if len(parts) != 3 or parts[2] != "jsonl" or not parts[1].isdigit():
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
