"""A content-addressed artifact folder: every blob is stored once under its SHA-256.

Blobs live at ``artifacts/sha256/<first two hex>/<hex>``; they are written to a temporary file
and renamed into place, so a reader never sees half a blob, and the same content logged twice
takes the space once.

>>> import tempfile
>>> blobs = ArtifactStore(tempfile.mkdtemp())
>>> digest, size = blobs.put_bytes(b"hello")
>>> blobs.path(digest).read_bytes()
b'hello'
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..errors import NotFound
from .disk import is_disk_full, store_full

_CHUNK = 1024 * 1024


class ArtifactStore:
    """Put and find blobs by content hash."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    @contextmanager
    def _flock(self, mode: int):
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".gc.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, mode)
            yield
        finally:
            os.close(fd)

    def referencing(self):
        """Hold while storing a blob and recording a reference to it, so gc cannot slip between.

        Lock order: a caller that also needs the database takes ``store.connect()`` first, as gc
        does; the other order lets gc (holding the database, waiting here) and a writer (holding
        this, waiting for the database) stall each other until the busy timeout.
        """
        return self._flock(fcntl.LOCK_SH)

    def collecting(self):
        """Held by gc while it decides which blobs are unreferenced and removes them."""
        return self._flock(fcntl.LOCK_EX)

    def path(self, digest: str) -> Path:
        """Where the blob with this hex SHA-256 lives (it may not exist)."""
        return self.root / "sha256" / digest[:2] / digest

    def open_blob(self, digest: str):
        """Open a blob for reading; NotFound when it is missing (removed by gc, or never stored)."""
        try:
            return open(self.path(digest), "rb")
        except FileNotFoundError:
            raise NotFound(
                f"artifact blob {digest[:12]} is missing from {self.root}; it was removed by gc "
                "or the store was copied without its artifacts folder"
            ) from None

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        """Store ``data``; return ``(sha256 hex, size)``."""
        digest = hashlib.sha256(data).hexdigest()
        if not self._exists(digest):
            self._place(digest, lambda f: f.write(data))
        return digest, len(data)

    def put_file(self, source: str | os.PathLike) -> tuple[str, int]:
        """Store a file's content; return ``(sha256 hex, size)``. Reads the file twice at most."""
        h = hashlib.sha256()
        size = 0
        with open(source, "rb") as f:
            while chunk := f.read(_CHUNK):
                h.update(chunk)
                size += len(chunk)
        digest = h.hexdigest()
        if not self._exists(digest):
            def copy(out):
                with open(source, "rb") as f:
                    shutil.copyfileobj(f, out, _CHUNK)

            self._place(digest, copy)
        return digest, size

    def _exists(self, digest: str) -> bool:
        return self.path(digest).exists()

    def _place(self, digest: str, write) -> None:
        """Write a blob under a temporary name, then rename it: never half a blob under its hash.

        A full disk raises ``StoreFull`` (the temporary file removed, so the space is given back).
        """
        target = self.path(digest)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        except OSError as error:
            if is_disk_full(error):
                raise store_full(self.root.parent) from error
            raise
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException as error:
            if os.path.exists(tmp):
                os.unlink(tmp)
            if isinstance(error, OSError) and is_disk_full(error):
                raise store_full(self.root.parent) from error
            raise

    def sizes(self) -> tuple[int, int]:
        """``(blob count, total bytes)``."""
        count = total = 0
        for path in (self.root / "sha256").glob("*/*"):
            if not path.name.startswith(".tmp-"):
                count += 1
                total += path.stat().st_size
        return count, total
