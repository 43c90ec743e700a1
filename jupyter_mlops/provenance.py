"""Who is writing, and when: the provenance and clock every record shares.

The user and host are read once at import (they do not change under a running process); the pid is
read on each call, so a forked child names itself. ``now_ms`` is on ``log_metric``'s hot path, so it
stays a one-liner.

>>> from jupyter_mlops.provenance import who, now_ms, utc_now
>>> sorted(who())
['host', 'pid', 'user']
>>> now_ms() > 1_600_000_000_000
True
>>> utc_now().tzinfo is None
True
"""

from __future__ import annotations

import getpass
import os
import socket
import time
from datetime import datetime, timezone


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers running as an arbitrary uid)
        return str(os.getuid())


USER = _user()
HOST = socket.gethostname()


def who() -> dict:
    """The writer's identity: ``{"user", "host", "pid"}``."""
    return {"user": USER, "host": HOST, "pid": os.getpid()}


def now_ms() -> int:
    """Milliseconds since the epoch, the timestamp of every spooled record."""
    return time.time_ns() // 1_000_000


def utc_now() -> datetime:
    """The current UTC time as a naive datetime, the form DuckDB ``TIMESTAMP`` columns store."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
