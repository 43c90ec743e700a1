"""Recognising a full disk, so every write path raises the same typed, actionable error.

>>> import errno
>>> is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
True
>>> str(store_full("/data/.mlops"))
'no space left on the device holding /data/.mlops; free space or move MLOPS_HOME to a larger disk'
"""

from __future__ import annotations

import errno

from ..errors import StoreFull

_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}
_FULL_TEXT = ("no space left on device", "disk is full", "disk quota exceeded", "file too large")


def is_disk_full(error: BaseException) -> bool:
    """True for an ``OSError`` (or a DuckDB error whose text says so) caused by a full device."""
    if isinstance(error, OSError) and error.errno in _FULL_ERRNOS:
        return True
    text = str(error).lower()
    return any(marker in text for marker in _FULL_TEXT)


def store_full(path) -> StoreFull:
    """The one error every write path raises when the store's device is full."""
    return StoreFull(
        f"no space left on the device holding {path}; free space or move MLOPS_HOME to a larger disk"
    )
