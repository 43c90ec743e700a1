"""Writing the quarantine: how the fold sets aside a spool line it cannot apply.

A line is set aside when it is not JSON, not a list, of an unknown kind, refused by its kind's
apply function (a timestamp in nanoseconds, a step beyond int64...), or the torn end of a writer
that died mid-record. It is kept as written (up to 64 KiB) with where it was and why it was
refused, in the same transaction that moves the segment's offset past it. Reading it back is
``quarantine.py``'s job.

>>> import duckdb
>>> from jupyter_mlops.store.schema import apply_migrations
>>> con = duckdb.connect(); _ = apply_migrations(con)
>>> set_aside(con, "1-ab.000000.jsonl", 0, "1-ab", "m", b'["m",1]', "IndexError: list index out of range")
>>> con.execute("SELECT kind, raw, error FROM quarantine").fetchall()
[('m', '["m",1]', 'IndexError: list index out of range')]
"""

from __future__ import annotations

from datetime import datetime, timezone

RAW_LIMIT = 64 * 1024
ERROR_LIMIT = 1000
TORN_WRITE = "torn write: the process writing this record died before finishing it (the call never returned)"


def describe_error(error: BaseException) -> str:
    """One line for the ``error`` column: the exception type and the first line of its message.

    >>> describe_error(OverflowError("int too big to convert\\nmore"))
    'OverflowError: int too big to convert'
    """
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return text[:ERROR_LIMIT]


def kind_of(record) -> str | None:
    """The record's kind (its first field) when it has a readable one.

    >>> kind_of(["m", "run", "loss", 1.0, 0, 0]), kind_of({"m": 1}), kind_of([7])
    ('m', None, None)
    """
    if isinstance(record, list) and record and isinstance(record[0], str):
        return record[0][:100]
    return None


def set_aside(con, segment: str, offset: int, writer: str, kind: str | None, raw: bytes, error: str) -> None:
    """Insert one quarantined line (call it inside the transaction that moves the offset past it)."""
    con.execute(
        'INSERT INTO quarantine (segment, "offset", writer, kind, raw, error, quarantined_at) '
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [segment, offset, writer, kind, bytes(raw[:RAW_LIMIT]).decode("utf-8", errors="replace"), error,
         datetime.now(timezone.utc).replace(tzinfo=None)],
    )
