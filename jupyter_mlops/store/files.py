"""File helpers shared by backup, restore and doctor: streamed hashing and copying, blob listing.

Blobs can be gigabytes, so everything here reads in 1 MiB chunks and never holds a whole file.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a").write_bytes(b"hello")
>>> sha256_of(folder / "a")[:12]
'2cf24dba5fb0'
>>> copy_hashed(folder / "a", folder / "b") == (sha256_of(folder / "a"), 5)
True
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime, timezone
from pathlib import Path

CHUNK = 1024 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")


def sha256_of(path: str | os.PathLike) -> str:
    """The hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_hashed(source: str | os.PathLike, target: str | os.PathLike, mode: int = 0o644) -> tuple[str, int]:
    """Copy ``source`` to ``target`` (synced to disk), hashing on the way; return ``(sha256, size)``."""
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as src, open(target, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(target, mode)
    return digest.hexdigest(), size


def blob_files(root: str | os.PathLike) -> dict[str, Path]:
    """Every finished blob under an artifacts folder, ``{name: path}`` (temporary ``.tmp-`` files left out).

    A name that is not a 64-digit hex SHA-256 in the right two-digit folder is listed too: the
    doctor reports it, a backup refuses to copy it as a blob.
    """
    found = {}
    for path in (Path(root) / "sha256").glob("*/*"):
        if path.is_file() and not path.name.startswith(".tmp-"):
            found[path.name] = path
    return found


def is_blob_name(path: Path) -> bool:
    """True when ``path`` is ``.../<first two hex>/<64 hex>``, the only layout a blob has."""
    return bool(_HEX64.fullmatch(path.name)) and path.parent.name == path.name[:2]


def utc_stamp() -> str:
    """A compact UTC timestamp for folder names, e.g. ``20261204T101500Z``."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def utc_now_iso() -> str:
    """The current UTC time as ISO 8601 with seconds, e.g. ``2026-12-04T10:15:00+00:00``."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def fsync_dir(path: str | os.PathLike) -> None:
    """Make a rename or a new file in ``path`` durable (the folder entry itself is synced)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
