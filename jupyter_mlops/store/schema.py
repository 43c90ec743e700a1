"""The store's schema as numbered migrations.

Each migration runs in one transaction together with the ``schema_migrations`` row recording
that it ran, so a crash mid-way leaves the store at the previous version, and re-running is a
no-op. A store written by a newer version (a higher number than this code knows) is refused
rather than misread. The tables are documented in ``TABLES`` (printed by ``jupyter-mlops info``
and the README), because ``sql()`` exposes them to users.

>>> import duckdb
>>> con = duckdb.connect()
>>> apply_migrations(con)
1
"""

from __future__ import annotations

from datetime import datetime, timezone

from ..errors import StoreTooNew

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "tracking: experiments, runs, params, metrics, tags, artifacts, spool offsets",
        """
        CREATE SEQUENCE experiment_id_seq START 1;
        CREATE TABLE experiments (
            experiment_id INTEGER PRIMARY KEY DEFAULT nextval('experiment_id_seq'),
            name VARCHAR NOT NULL UNIQUE,
            created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE runs (
            run_id VARCHAR PRIMARY KEY,
            experiment_id INTEGER NOT NULL,
            run_name VARCHAR,
            parent_run_id VARCHAR,
            status VARCHAR NOT NULL,
            start_time TIMESTAMP NOT NULL,
            end_time TIMESTAMP,
            error VARCHAR,
            user_name VARCHAR,
            host VARCHAR,
            pid INTEGER,
            writer VARCHAR,
            deleted_at TIMESTAMP
        );
        CREATE TABLE params (
            run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL,
            PRIMARY KEY (run_id, key)
        );
        CREATE TABLE metrics (
            run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, value DOUBLE,
            step BIGINT NOT NULL, timestamp TIMESTAMP NOT NULL
        );
        CREATE TABLE latest_metrics (
            run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, value DOUBLE,
            step BIGINT NOT NULL, timestamp TIMESTAMP NOT NULL,
            PRIMARY KEY (run_id, key)
        );
        CREATE TABLE tags (
            run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL,
            PRIMARY KEY (run_id, key)
        );
        CREATE TABLE artifacts (
            run_id VARCHAR NOT NULL, path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
            size BIGINT NOT NULL, created_at TIMESTAMP NOT NULL,
            PRIMARY KEY (run_id, path)
        );
        CREATE TABLE spool_offsets (segment VARCHAR PRIMARY KEY, "offset" BIGINT NOT NULL);
        """,
    ),
]

MIGRATIONS.append(
    (
        2,
        "datasets: versions with profiles, run inputs/outputs (lineage), feature tables",
        """
        CREATE TABLE datasets (
            name VARCHAR PRIMARY KEY, description VARCHAR, created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE dataset_versions (
            name VARCHAR NOT NULL, version INTEGER NOT NULL, fingerprint VARCHAR NOT NULL,
            row_count BIGINT NOT NULL, schema JSON NOT NULL, storage VARCHAR NOT NULL,
            sha256 VARCHAR, path VARCHAR, source VARCHAR NOT NULL, description VARCHAR,
            tags JSON, definition JSON, run_id VARCHAR, created_at TIMESTAMP NOT NULL,
            PRIMARY KEY (name, version)
        );
        CREATE TABLE dataset_columns (
            name VARCHAR NOT NULL, version INTEGER NOT NULL, position INTEGER NOT NULL,
            column_name VARCHAR NOT NULL, type VARCHAR NOT NULL, kind VARCHAR NOT NULL,
            null_share DOUBLE, distinct_count BIGINT, min VARCHAR, max VARCHAR,
            mean DOUBLE, std DOUBLE, quantiles DOUBLE[], categories JSON, other_count BIGINT,
            PRIMARY KEY (name, version, position)
        );
        CREATE TABLE run_datasets (
            run_id VARCHAR NOT NULL, dataset VARCHAR NOT NULL, version INTEGER NOT NULL,
            role VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
            PRIMARY KEY (run_id, dataset, version, role)
        );
        CREATE TABLE feature_tables (
            name VARCHAR PRIMARY KEY, dataset VARCHAR NOT NULL, version INTEGER,
            entity VARCHAR[] NOT NULL, event_time VARCHAR NOT NULL, features VARCHAR[] NOT NULL,
            ttl_seconds DOUBLE, description VARCHAR, created_at TIMESTAMP NOT NULL
        );
        """,
    )
)

LATEST_VERSION = MIGRATIONS[-1][0]

TABLES: dict[str, str] = {
    "schema_migrations": "One row per applied migration: version, name, applied_at (UTC).",
    "experiments": "experiment_id, name (unique), created_at (UTC).",
    "runs": (
        "One row per run: run_id, experiment_id, run_name, parent_run_id (nested runs), "
        "status (running | finished | failed | crashed), start_time, end_time (UTC), error "
        "(the exception of a failed run), user_name, host, pid, writer (the process spool "
        "that logged it), deleted_at (set by delete_run; gc purges such runs)."
    ),
    "params": "run_id, key, value (text). A param is written once per run.",
    "metrics": (
        "Every logged value: run_id, key, value (DOUBLE; NaN and +/-inf kept as logged), "
        "step, timestamp (UTC)."
    ),
    "latest_metrics": "The value with the highest (step, timestamp) per run and key.",
    "tags": "run_id, key, value (text); the last value set wins.",
    "artifacts": (
        "run_id, path (inside the run), sha256 (the blob under artifacts/sha256/), "
        "size (bytes), created_at."
    ),
    "spool_offsets": "Internal: how far each process's spool file has been folded in.",
    "datasets": "name (unique), description, created_at.",
    "dataset_versions": (
        "One row per version: name, version, fingerprint (content hash: same rows and schema, "
        "same version), row_count, schema (JSON), storage (snapshot | reference), sha256 "
        "(the Parquet snapshot's blob), path (a referenced file), source, description, tags, "
        "definition (how a feature set was built), run_id (the run active at registration), created_at."
    ),
    "dataset_columns": (
        "Each version's column profile: position, column_name, type, kind (numeric | "
        "categorical | boolean | temporal | other), null_share, distinct_count (approximate), "
        "min, max, mean, std, quantiles (101 points, 0%..100%), categories (JSON [[value, count]...], "
        "top 50), other_count."
    ),
    "run_datasets": "Lineage: run_id, dataset, version, role (input: the run read it | output: it produced it).",
    "feature_tables": (
        "Feature table definitions: name, dataset (+ pinned version or NULL for latest), entity "
        "(key columns), event_time, features, ttl_seconds, description."
    ),
}


def schema_version(con) -> int:
    """Return the highest applied migration, 0 for an empty database."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]


def apply_migrations(con, migrations=None, where: str = "this store") -> int:
    """Bring ``con`` to the latest schema, one transaction per migration; return the version.

    >>> import duckdb
    >>> apply_migrations(duckdb.connect(), MIGRATIONS[:1])
    1
    """
    migrations = MIGRATIONS if migrations is None else migrations
    current = schema_version(con)
    known = migrations[-1][0] if migrations else 0
    if current > known:
        raise StoreTooNew(
            f"{where} has schema version {current} but this jupyter-mlops knows up to {known}; "
            "upgrade it with: pip install -U jupyter-mlops"
        )
    for version, name, sql in migrations:
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, name, datetime.now(timezone.utc).replace(tzinfo=None)],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        current = version
    return current
