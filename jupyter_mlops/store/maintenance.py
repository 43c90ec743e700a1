"""Store-wide maintenance: a summary of what the store holds, and garbage collection.

>>> store_info(open_store())["tables"]["runs"]     # doctest: +SKIP
120
"""

from __future__ import annotations

from dataclasses import dataclass

from .fold import fold_spools
from .quarantine import quarantine_count
from .schema import TABLES, schema_version

# (table, column) pairs that reference artifact blobs; later features add theirs.
BLOB_REFERENCES: list[tuple[str, str]] = [("artifacts", "sha256"), ("dataset_versions", "sha256")]
BLOB_REFERENCES.append(("dataset_samples", "sha256"))  # drift: each version's row sample
BLOB_REFERENCES.append(("model_versions", "sha256"))  # registry: model artifacts (deleted versions too)
# Tables holding per-run rows that gc purges with a deleted run.
RUN_TABLES: list[str] = ["params", "metrics", "latest_metrics", "tags", "artifacts", "run_datasets"]


def _folder_bytes(path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def store_info(store) -> dict:
    """Where the store is and what it holds: schema version, row counts, sizes in bytes, and how many
    spool records are in quarantine (``jupyter-mlops doctor`` lists them)."""
    with store.connect() as con:
        version = schema_version(con)
        existing = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES if t in existing}
        quarantined = quarantine_count(con)
    blobs, blob_bytes = store.blobs.sizes()
    return {
        "home": str(store.home),
        "database": str(store.db_path),
        "schema_version": version,
        "tables": counts,
        "bytes": {
            "database": store.db_path.stat().st_size if store.db_path.exists() else 0,
            "artifacts": blob_bytes,
            "spool": _folder_bytes(store.spool_dir),
        },
        "blobs": blobs,
        "quarantined": quarantined,
    }


@dataclass
class GcReport:
    """What ``gc`` removed."""

    runs_purged: int
    blobs_removed: int
    bytes_freed: int


def gc(store, older_than_days: float | None = None) -> GcReport:
    """Purge deleted runs (deleted more than ``older_than_days`` ago, default: all) and the blobs
    no longer referenced by anything. Processes storing a blob hold a shared lock until its
    reference is in their spool; gc holds it exclusively, so it never removes a blob in flight.

    >>> gc(open_store())    # doctest: +SKIP
    GcReport(runs_purged=3, blobs_removed=5, bytes_freed=120331)
    """
    cutoff, cutoff_params = "", []
    if older_than_days is not None:
        cutoff, cutoff_params = "AND deleted_at < (now() AT TIME ZONE 'UTC') - to_seconds(?)", [float(older_than_days) * 86400]
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        doomed = [r[0] for r in con.execute(f"SELECT run_id FROM runs WHERE deleted_at IS NOT NULL {cutoff}", cutoff_params).fetchall()]
        for table in RUN_TABLES:
            con.execute(f"DELETE FROM {table} WHERE run_id IN (SELECT unnest(?))", [doomed])
        con.execute("DELETE FROM runs WHERE run_id IN (SELECT unnest(?))", [doomed])
        con.execute("COMMIT")
        removed = freed = 0
        with store.blobs.collecting():
            fold_spools(con, store.spool_dir)
            referenced = set()
            for table, column in BLOB_REFERENCES:
                referenced.update(r[0] for r in con.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall())
            for path in (store.blobs.root / "sha256").glob("*/*"):
                if path.name in referenced:
                    continue  # (a leftover .tmp- file is garbage: no writer is mid-put now)
                freed += path.stat().st_size
                path.unlink()
                removed += 1
    return GcReport(len(doomed), removed, freed)
