"""Reading the quarantine: spool records the fold could not apply, set aside so the rest still lands.

The fold writes rows into the ``quarantine`` table (migration 7); ``info``, ``doctor`` and the
sidebar's health read them back through these two functions, given an open connection.

>>> import duckdb
>>> from jupyter_mlops.store.schema import apply_migrations
>>> con = duckdb.connect(); _ = apply_migrations(con)
>>> quarantine_summary(con)["count"]
0
>>> list_quarantined(con, 5)
[]
"""

from __future__ import annotations

COLUMNS = ("quarantine_id", "segment", "offset", "writer", "kind", "raw", "error", "quarantined_at")
# A raw line can be up to 64 KiB; a listing shows its start, the table keeps it whole.
RAW_PREVIEW = 200


def quarantine_count(con) -> int:
    """How many records are in quarantine (0 on a store older than migration 7)."""
    if not _has_table(con):
        return 0
    return con.execute("SELECT count(*) FROM quarantine").fetchone()[0]


def quarantine_summary(con, newest: int = 5) -> dict:
    """The count, the count per (kind, error), and the ``newest`` few records.

    Returns ``{"count": n, "groups": [{"kind", "error", "count"}...], "newest": [record...]}``.
    """
    if not _has_table(con):
        return {"count": 0, "groups": [], "newest": []}
    groups = con.execute(
        "SELECT kind, error, count(*) AS n FROM quarantine GROUP BY kind, error ORDER BY n DESC, kind, error"
    ).fetchall()
    return {
        "count": sum(n for _, _, n in groups),
        "groups": [{"kind": kind, "error": error, "count": n} for kind, error, n in groups],
        "newest": list_quarantined(con, newest),
    }


def list_quarantined(con, limit: int = 20) -> list[dict]:
    """The newest ``limit`` quarantined records as dicts (``raw`` cut to its first 200 characters)."""
    if not _has_table(con):
        return []
    rows = con.execute(
        'SELECT quarantine_id, segment, "offset", writer, kind, raw, error, quarantined_at FROM quarantine '
        "ORDER BY quarantine_id DESC LIMIT ?",
        [int(limit)],
    ).fetchall()
    records = [dict(zip(COLUMNS, row)) for row in rows]
    for record in records:
        record["raw"] = record["raw"][:RAW_PREVIEW]
        record["quarantined_at"] = record["quarantined_at"].isoformat() if record["quarantined_at"] else None
    return records


def _has_table(con) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'quarantine' AND schema_name = 'main'"
    ).fetchone()[0])
