"""One way to end a failed DuckDB transaction without hiding why it failed.

A failed ``COMMIT`` (a full disk, typically) already ends the transaction, so the ``ROLLBACK``
that follows raises ``cannot rollback - no transaction is active``; raised from an ``except``
block, that error would replace the one the user needs to see. ``rollback`` swallows it, and
turns a full disk into the one ``StoreFull`` message every write path shares.

>>> import duckdb
>>> con = duckdb.connect()
>>> with transaction(con):
...     _ = con.execute("CREATE TABLE t (x INTEGER)")
>>> with transaction(con):
...     _ = con.execute("INSERT INTO t VALUES (1)")
...     raise KeyError("the original error")
Traceback (most recent call last):
...
KeyError: 'the original error'
>>> con.execute("SELECT count(*) FROM t").fetchone()
(0,)
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from .disk import is_disk_full, store_full


@contextmanager
def transaction(con, home=None):
    """Run the block in one transaction: COMMIT at the end, ROLLBACK (see ``rollback``) on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException as error:
        rollback(con, error, home)
        raise


def rollback(con, error: BaseException | None = None, home=None) -> None:
    """Roll back after ``error``; a failing ROLLBACK never replaces it. A full disk raises ``StoreFull``.

    Use it in place of ``con.execute("ROLLBACK")`` in an ``except`` block, then re-raise::

        except BaseException as error:
            rollback(con, error)
            raise
    """
    try:
        con.execute("ROLLBACK")
    except Exception:  # the transaction is already gone (a failed COMMIT ends it); ``error`` is the news
        pass
    if error is not None and disk_full(error):
        raise store_full(home if home is not None else _store_home(con)) from error


def disk_full(error: BaseException) -> bool:
    """True when ``error`` is an I/O failure caused by a full device.

    Only I/O errors count: a conversion error quoting a user's string that happens to read
    "no space left on device" is the record's fault, not the disk's.

    >>> import errno
    >>> disk_full(OSError(errno.ENOSPC, "No space left on device"))
    True
    >>> disk_full(ValueError("Could not convert string 'No space left on device' to INT64"))
    False
    """
    import duckdb

    io_error = isinstance(error, (OSError, duckdb.IOException, duckdb.FatalException))
    return io_error and is_disk_full(error)


def _store_home(con) -> str:
    """The folder of ``con``'s database file, for the message (the store's home)."""
    try:
        path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    except Exception:
        path = None
    if path:
        return os.path.dirname(os.path.abspath(path))
    return os.environ.get("MLOPS_HOME") or "the store (MLOPS_HOME)"
