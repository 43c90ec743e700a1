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
from .transaction import rollback

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

MIGRATIONS.append(
    (
        3,
        "drift: reference sketches and samples per dataset version, drift reports with per-column rows",
        """
        CREATE TABLE dataset_sketches (
            name VARCHAR NOT NULL, version INTEGER NOT NULL, column_name VARCHAR NOT NULL,
            kind VARCHAR NOT NULL, sketch VARCHAR NOT NULL, count BIGINT NOT NULL, missing BIGINT NOT NULL,
            mean DOUBLE, std DOUBLE, minimum DOUBLE, maximum DOUBLE, exact BOOLEAN,
            edges DOUBLE[], counts BIGINT[], offsets DOUBLE[], ties BIGINT[],
            categories VARCHAR[], category_counts BIGINT[], distinct_count BIGINT,
            PRIMARY KEY (name, version, column_name)
        );
        CREATE TABLE dataset_samples (
            name VARCHAR NOT NULL, version INTEGER NOT NULL, sha256 VARCHAR NOT NULL, rows BIGINT NOT NULL,
            created_at TIMESTAMP NOT NULL, PRIMARY KEY (name, version)
        );
        CREATE TABLE drift_reports (
            report_id VARCHAR PRIMARY KEY, created_at TIMESTAMP NOT NULL,
            reference VARCHAR NOT NULL, reference_name VARCHAR, reference_version INTEGER,
            current VARCHAR NOT NULL, current_name VARCHAR, current_version INTEGER,
            model_name VARCHAR, model_version INTEGER,
            reference_rows BIGINT NOT NULL, current_rows BIGINT NOT NULL,
            columns_checked INTEGER NOT NULL, columns_drifted INTEGER NOT NULL,
            drift_share DOUBLE NOT NULL, drift_share_threshold DOUBLE NOT NULL, drifted BOOLEAN NOT NULL,
            correction VARCHAR NOT NULL, multivariate_auc DOUBLE, multivariate_p_value DOUBLE,
            multivariate_drifted BOOLEAN, multivariate JSON, options JSON, run_id VARCHAR, seconds DOUBLE
        );
        CREATE TABLE drift_columns (
            report_id VARCHAR NOT NULL, position INTEGER NOT NULL, column_name VARCHAR NOT NULL,
            role VARCHAR NOT NULL, type VARCHAR, kind VARCHAR NOT NULL, method VARCHAR,
            statistic DOUBLE, p_value DOUBLE, p_value_adjusted DOUBLE, threshold DOUBLE,
            drifted BOOLEAN, severity DOUBLE, reference_count BIGINT, current_count BIGINT,
            reference_missing DOUBLE, current_missing DOUBLE, new_categories JSON, note VARCHAR,
            distribution JSON,
            PRIMARY KEY (report_id, position)
        );
        """,
    )
)

MIGRATIONS.append(
    (
        4,
        "models: registered versions, aliases with an append-only history, evaluations, promotion decisions",
        """
        CREATE TABLE models (
            name VARCHAR PRIMARY KEY, description VARCHAR, created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE model_versions (
            name VARCHAR NOT NULL, version INTEGER NOT NULL, flavor VARCHAR NOT NULL, unsafe BOOLEAN NOT NULL,
            sha256 VARCHAR NOT NULL, size BIGINT NOT NULL, model_class VARCHAR, run_id VARCHAR,
            source VARCHAR NOT NULL, datasets VARCHAR[] NOT NULL, metrics JSON, signature JSON,
            trusted_types JSON, libraries JSON, description VARCHAR, tags JSON, user_name VARCHAR,
            created_at TIMESTAMP NOT NULL, deleted_at TIMESTAMP,
            PRIMARY KEY (name, version)
        );
        CREATE TABLE model_aliases (
            name VARCHAR NOT NULL, alias VARCHAR NOT NULL, version INTEGER NOT NULL, updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (name, alias)
        );
        CREATE TABLE model_alias_history (
            name VARCHAR NOT NULL, seq INTEGER NOT NULL, alias VARCHAR NOT NULL, action VARCHAR NOT NULL,
            from_version INTEGER, to_version INTEGER NOT NULL, reason VARCHAR, decision_id VARCHAR,
            user_name VARCHAR, host VARCHAR, pid INTEGER, changed_at TIMESTAMP NOT NULL,
            PRIMARY KEY (name, seq)
        );
        CREATE TABLE model_evaluations (
            evaluation_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, version INTEGER NOT NULL,
            dataset VARCHAR, dataset_version INTEGER, data_fingerprint VARCHAR NOT NULL, rows BIGINT NOT NULL,
            target VARCHAR NOT NULL, task VARCHAR NOT NULL, metrics JSON NOT NULL, run_id VARCHAR,
            user_name VARCHAR, created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE model_decisions (
            decision_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL,
            champion VARCHAR NOT NULL, champion_version INTEGER NOT NULL,
            challenger VARCHAR NOT NULL, challenger_version INTEGER NOT NULL,
            champion_evaluation_id VARCHAR NOT NULL, challenger_evaluation_id VARCHAR NOT NULL,
            dataset VARCHAR, dataset_version INTEGER, policy JSON NOT NULL, primary_metric VARCHAR NOT NULL,
            champion_value DOUBLE, challenger_value DOUBLE, improvement DOUBLE, checks JSON NOT NULL,
            passed BOOLEAN NOT NULL, promoted BOOLEAN NOT NULL, summary VARCHAR NOT NULL,
            user_name VARCHAR, created_at TIMESTAMP NOT NULL
        );
        """,
    )
)

MIGRATIONS.append(
    (
        5,
        "pipelines: pipeline runs, schedules, fired occurrences, run-now requests, scheduler lease and heartbeats",
        """
        CREATE TABLE pipeline_runs (
            pipeline_run_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, notebook VARCHAR NOT NULL,
            parameters JSON NOT NULL, schedule VARCHAR, "trigger" VARCHAR NOT NULL, trigger_key VARCHAR,
            attempt INTEGER NOT NULL, executor VARCHAR NOT NULL, kernel VARCHAR, timeout DOUBLE,
            status VARCHAR NOT NULL, queued_at TIMESTAMP NOT NULL, started_at TIMESTAMP,
            kernel_started_at TIMESTAMP, ended_at TIMESTAMP, output_sha256 VARCHAR, output_size BIGINT,
            failed_cell INTEGER, error_name VARCHAR, error VARCHAR, warnings JSON,
            user_name VARCHAR, host VARCHAR, pid INTEGER, writer VARCHAR, scheduler_id VARCHAR
        );
        CREATE TABLE schedules (
            name VARCHAR PRIMARY KEY, notebook VARCHAR NOT NULL, cron VARCHAR, timezone VARCHAR NOT NULL,
            triggers JSON NOT NULL, parameters JSON NOT NULL, timeout DOUBLE, retries INTEGER NOT NULL,
            max_concurrent INTEGER NOT NULL, catch_up VARCHAR NOT NULL, enabled BOOLEAN NOT NULL,
            executor VARCHAR NOT NULL, kernel VARCHAR, state JSON NOT NULL,
            created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL
        );
        CREATE TABLE schedule_fires (
            schedule VARCHAR NOT NULL, fire_key VARCHAR NOT NULL, "trigger" VARCHAR NOT NULL,
            due_at TIMESTAMP NOT NULL, fired_at TIMESTAMP NOT NULL, scheduler_id VARCHAR NOT NULL,
            pipeline_run_id VARCHAR, parameters JSON, detail JSON,
            PRIMARY KEY (schedule, fire_key)
        );
        CREATE TABLE schedule_requests (
            request_id VARCHAR PRIMARY KEY, schedule VARCHAR NOT NULL, parameters JSON,
            requested_at TIMESTAMP NOT NULL, requested_by VARCHAR, claimed_at TIMESTAMP
        );
        CREATE TABLE scheduler_lease (
            lease VARCHAR PRIMARY KEY, holder VARCHAR NOT NULL, host VARCHAR, pid INTEGER,
            acquired_at TIMESTAMP NOT NULL, expires_at TIMESTAMP NOT NULL
        );
        CREATE TABLE scheduler_heartbeats (
            scheduler_id VARCHAR PRIMARY KEY, host VARCHAR, pid INTEGER, executor VARCHAR,
            started_at TIMESTAMP NOT NULL, beat_at TIMESTAMP NOT NULL, interval_s DOUBLE NOT NULL,
            leader BOOLEAN NOT NULL, stopped_at TIMESTAMP, running INTEGER NOT NULL DEFAULT 0
        );
        """,
    )
)

MIGRATIONS.append(
    (
        6,
        "serving: the prediction log, feedback labels, running model servers with heartbeats",
        """
        CREATE TABLE predictions (
            request_id VARCHAR NOT NULL, row_index INTEGER NOT NULL, model VARCHAR NOT NULL,
            version INTEGER NOT NULL, side VARCHAR NOT NULL, served BOOLEAN NOT NULL, server_id VARCHAR,
            inputs JSON, prediction JSON, latency_ms DOUBLE, error VARCHAR, predicted_at TIMESTAMP NOT NULL
        );
        CREATE TABLE prediction_feedback (
            request_id VARCHAR NOT NULL, row_index INTEGER NOT NULL, label JSON, server_id VARCHAR,
            received_at TIMESTAMP NOT NULL,
            PRIMARY KEY (request_id, row_index)
        );
        CREATE TABLE model_servers (
            server_id VARCHAR PRIMARY KEY, model VARCHAR NOT NULL, url VARCHAR NOT NULL, host VARCHAR NOT NULL,
            port INTEGER NOT NULL, machine VARCHAR, pid INTEGER, writer VARCHAR, mode VARCHAR NOT NULL,
            champion VARCHAR NOT NULL, challenger VARCHAR, split JSON, stats JSON, auth BOOLEAN NOT NULL,
            interval_s DOUBLE NOT NULL, started_at TIMESTAMP NOT NULL, beat_at TIMESTAMP NOT NULL,
            stopped_at TIMESTAMP
        );
        """,
    )
)

MIGRATIONS.append(
    (
        7,
        "store: quarantine for spool records that could not be applied",
        """
        CREATE SEQUENCE quarantine_id_seq START 1;
        CREATE TABLE quarantine (
            quarantine_id BIGINT PRIMARY KEY DEFAULT nextval('quarantine_id_seq'),
            segment VARCHAR NOT NULL, "offset" BIGINT NOT NULL, writer VARCHAR NOT NULL,
            kind VARCHAR, raw VARCHAR NOT NULL, error VARCHAR NOT NULL, quarantined_at TIMESTAMP NOT NULL
        );
        """,
    )
)

LATEST_VERSION = MIGRATIONS[-1][0]

TABLES: dict[str, str] = {
    "schema_migrations": "One row per applied migration: version, name, applied_at (UTC).",
    "quarantine": (
        "Spool records the fold could not apply, set aside so every other record still lands: "
        "quarantine_id, segment (spool file), offset (byte offset of the line in it), writer (the process "
        "spool), kind (the record's first field, if readable), raw (the line as written, at most 64 KiB), "
        "error (why it was refused), quarantined_at (UTC). `jupyter-mlops doctor` lists them."
    ),
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
    "dataset_sketches": (
        "Each version's drift reference, per column: kind (numeric | temporal | categorical | boolean), "
        "sketch (numeric | categorical), count (values), missing (null/NaN/inf), mean, std (population), "
        "minimum, maximum; numeric: edges, counts (per bin, one more than edges), offsets (per bin: "
        "sum of distances to the bin's left edge), ties (values equal to each edge), exact (every "
        "distinct value is an edge); categorical: categories, category_counts, distinct_count."
    ),
    "dataset_samples": "A uniform sample (up to 5,000 rows, Parquet blob sha256) of each version, for multivariate drift.",
    "drift_reports": (
        "One row per drift check: report_id, created_at, reference / current (labels; name and version "
        "when registered), model_name, model_version, reference_rows, current_rows, columns_checked, "
        "columns_drifted, drift_share, drift_share_threshold, drifted, correction (bh | bonferroni | none), "
        "multivariate_auc, multivariate_p_value, multivariate_drifted, multivariate (JSON), options (JSON), "
        "run_id (the run active at the check), seconds."
    ),
    "drift_columns": (
        "Per column of a drift report: report_id, position, column_name, role (feature | target | "
        "prediction), type, kind, method, statistic, p_value, p_value_adjusted, threshold, drifted, "
        "severity (how far past its threshold; sorts the report), reference_count, current_count, "
        "reference_missing, current_missing (shares), new_categories (JSON), note, distribution "
        "(JSON: both sides on shared bins, for pictures)."
    ),
}


TABLES.update({
    "models": "name (unique), description, created_at.",
    "model_versions": (
        "One row per registered model version: name, version, flavor (sklearn | joblib ...), unsafe "
        "(loading runs arbitrary code: pickle/joblib), sha256 (the artifact blob, verified on every load), "
        "size, model_class, run_id (the run that produced it), source (object | runs:/<run_id>/<path>), "
        "datasets (training dataset versions from lineage, e.g. ['churn@2']), metrics (JSON snapshot of the "
        "run's latest metrics), signature (JSON: input columns and dtypes, or shape and dtype; output), "
        "trusted_types (JSON: the types beyond skops' defaults the file needs; informational: loading "
        "trusts only the list in registry/trust.py), "
        "libraries (JSON versions), description, tags, user_name, created_at, deleted_at (soft delete)."
    ),
    "model_aliases": "Where each alias points now: name, alias, version, updated_at.",
    "model_alias_history": (
        "Append-only log of alias moves: name, seq (order per model), alias, action (set | promote | "
        "rollback), from_version (NULL for a new alias), to_version, reason, decision_id (the promotion "
        "decision behind it), user_name, host, pid, changed_at."
    ),
    "model_evaluations": (
        "One row per evaluate(): evaluation_id, name, version, dataset and dataset_version (when the data "
        "is a registered version), data_fingerprint, rows, target, task (classification | regression | "
        "other), metrics (JSON; NaN stored as null), run_id (active run), user_name, created_at."
    ),
    "model_decisions": (
        "One row per compare_models(): decision_id, name, champion / challenger (as given) and their "
        "versions and evaluation ids, dataset, dataset_version, policy (JSON), primary_metric, "
        "champion_value, challenger_value, improvement (in the metric's better direction), checks (JSON: "
        "each primary/guard check with its numbers), passed, promoted, summary, user_name, created_at."
    ),
})


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
        except BaseException as error:
            rollback(con, error)
            raise
        current = version
    return current


TABLES.update({
    "pipeline_runs": (
        "One row per notebook execution: pipeline_run_id (also the run_id of its tracking run, so runs "
        "logged inside the notebook are its children), name, notebook (absolute path), parameters (JSON), "
        "schedule (NULL for a direct run), trigger (manual | cron | dataset | drift | request | retry), "
        "trigger_key (the occurrence it ran for), attempt (1 + retries so far), executor, kernel, timeout "
        "(seconds), status (queued | running | finished | failed), queued_at, started_at, "
        "kernel_started_at, ended_at, output_sha256 and output_size (the executed notebook blob), "
        "failed_cell (index), error_name (the failing cell's exception name, or Timeout | KernelDied | "
        "NotebookNotFound | ExecutorDied | Orphaned), error, "
        "warnings (JSON list), user_name, host, pid, writer, scheduler_id."
    ),
    "schedules": (
        "One row per schedule: name, notebook, cron, timezone, triggers (JSON: cron, dataset, drift, "
        "request), parameters (JSON), timeout, retries, max_concurrent, catch_up (skip | once), enabled, "
        "executor (local | tcp://host:port), kernel, state (JSON: what the triggers have already seen), "
        "created_at, updated_at."
    ),
    "schedule_fires": (
        "Each occurrence a scheduler claimed (its primary key stops two schedulers firing one occurrence "
        "twice): schedule, fire_key (cron time, dataset version, request id), trigger, due_at, fired_at, "
        "scheduler_id, pipeline_run_id, parameters (JSON), detail (JSON: e.g. the drift numbers)."
    ),
    "schedule_requests": (
        "Run-now requests waiting for a scheduler: request_id, schedule, parameters (JSON), requested_at, "
        "requested_by, claimed_at."
    ),
    "scheduler_lease": (
        "Which scheduler may fire: lease, holder (scheduler_id), host, pid, acquired_at, expires_at "
        "(renewed with each heartbeat; another scheduler takes over after it lapses)."
    ),
    "scheduler_heartbeats": (
        "One row per scheduler process: scheduler_id, host, pid, executor, started_at, beat_at, interval_s, "
        "leader, stopped_at, running (pipeline runs in flight)."
    ),
})


TABLES.update({
    "predictions": (
        "The prediction log, one row per input row a model server scored: request_id, row_index (within the "
        "request), model, version, side (champion | challenger), served (false: a shadow prediction, never "
        "returned), server_id, inputs (JSON object: column -> value), prediction (JSON), latency_ms (the "
        "request's model time), error (why the model failed, else NULL), predicted_at (UTC). "
        "prediction_log(model) spreads inputs into columns."
    ),
    "prediction_feedback": (
        "Labels that arrived later through POST /feedback: request_id, row_index, label (JSON), server_id, "
        "received_at (UTC); the last label sent for a row wins."
    ),
    "model_servers": (
        "One row per model server started: server_id, model, url, host, port, machine, pid, writer (its "
        "process spool), mode (single | canary | blue-green | shadow), champion / challenger (the versions "
        "served now, e.g. churn/3), split (JSON traffic split), stats (JSON: per-version requests, errors, latency p50/p99, "
        "quality), auth (a bearer token guards predictions), interval_s (heartbeat), started_at, beat_at, "
        "stopped_at (UTC; NULL while it runs)."
    ),
})
