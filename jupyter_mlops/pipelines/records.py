"""Pipeline-run records in the spool, folded into ``pipeline_runs`` with upsert semantics.

Layout: ``["prun", pipeline_run_id, {column: value}]``; times are epoch milliseconds (UTC),
``parameters`` and ``warnings`` plain JSON. Several processes write records for one run (the
scheduler queues it, a worker runs it, a pool notices its worker died), and their spools are
folded in no particular order, so each record is merged into the row by rules that do not
depend on arrival order:

- ``status`` only moves forward: queued < running < finished | failed. A record with a lower
  status only fills columns that are still empty;
- of two final records, the one that ended first wins (a worker's own verdict beats the
  pool's later "the worker died");
- ``queued_at`` keeps the earliest value; the running record says who ran it (pid, host, writer).

>>> write_run_record(store, "3f2a...", {"kernel_started_at": now_ms()})   # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timezone

from ..store.fold import on_writer_gone, record_kind
from ..store.maintenance import BLOB_REFERENCES

KIND = "prun"
COLUMNS = (
    "pipeline_run_id", "name", "notebook", "parameters", "schedule", "trigger", "trigger_key", "attempt",
    "executor", "kernel", "timeout", "status", "queued_at", "started_at", "kernel_started_at", "ended_at",
    "output_sha256", "output_size", "failed_cell", "error_name", "error", "warnings", "user_name", "host",
    "pid", "writer", "scheduler_id",
)
REQUIRED = ("name", "notebook", "parameters", "trigger", "attempt", "executor", "status", "queued_at")
TIME_COLUMNS = ("queued_at", "started_at", "kernel_started_at", "ended_at")
JSON_COLUMNS = ("parameters", "warnings")
RANK = {"queued": 0, "running": 1, "finished": 2, "failed": 2}
RUNNER_FIELDS = ("started_at", "user_name", "host", "pid", "writer")  # a running record says who ran it
FINAL_FIELDS = ("status", "ended_at", "failed_cell", "error_name", "error", "output_sha256", "output_size", "warnings")

if ("pipeline_runs", "output_sha256") not in BLOB_REFERENCES:
    BLOB_REFERENCES.append(("pipeline_runs", "output_sha256"))  # gc keeps executed notebooks


def write_run_record(store, pipeline_run_id: str, fields: dict) -> None:
    """Append one record for a pipeline run to this process's spool (never waits on the database)."""
    store.writer.write([KIND, pipeline_run_id, fields])


def spec_fields(spec) -> dict:
    """The columns a pipeline run's spec determines (every record that may create the row has them)."""
    return {
        "name": spec.name, "notebook": spec.notebook, "parameters": spec.parameters, "schedule": spec.schedule,
        "trigger": spec.trigger, "trigger_key": spec.trigger_key, "attempt": spec.attempt,
        "executor": spec.executor, "kernel": spec.kernel, "timeout": spec.timeout,
        "scheduler_id": spec.scheduler_id,
    }


def process_fields(store) -> dict:
    """Who writes: user, host, pid and the spool writer whose death marks the run failed."""
    from ..tracking.runs import _USER

    return {"user_name": _USER, "host": socket.gethostname(), "pid": os.getpid(), "writer": store.writer.writer_id}


def record_queued(spec) -> None:
    """Record ``spec`` as queued (the scheduler calls this before handing it to an executor).

    >>> record_queued(PipelineSpec.new("retrain.ipynb", home=open_store().home))   # doctest: +SKIP
    """
    from ..store import open_store
    from ..tracking.runs import now_ms

    store = open_store(spec.home)
    write_run_record(store, spec.pipeline_run_id,
                     {**spec_fields(spec), **process_fields(store), "status": "queued", "queued_at": now_ms()})


def merge_fields(row: dict, fields: dict) -> None:
    """Merge one record's ``fields`` into ``row`` (see the module docstring for the rules)."""
    queued = [t for t in (row.get("queued_at"), fields.get("queued_at")) if t is not None]
    new, old = fields.get("status"), row.get("status")
    if new is None or old is None or RANK.get(new, 0) > RANK.get(old, 0):
        row.update(fields)
    else:
        if RANK.get(new, 0) == RANK.get(old, 0) == 2 and (fields.get("ended_at") or 0) < (row.get("ended_at") or 0):
            row.update({k: fields.get(k) for k in FINAL_FIELDS if k in fields or k != "warnings"})
        for key, value in fields.items():
            if row.get(key) is None or (new == "running" and key in RUNNER_FIELDS):
                row[key] = value
    if queued:
        row["queued_at"] = min(queued)


def _datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).replace(tzinfo=None)


def row_values(fields: dict) -> dict:
    """A merged row (times in epoch ms) as ``pipeline_runs`` will hold it (times as UTC datetimes)."""
    return {c: _datetime(fields[c]) if c in TIME_COLUMNS and fields.get(c) is not None else fields.get(c)
            for c in COLUMNS}


def _to_db(column: str, value):
    if value is None:
        return None
    if column in TIME_COLUMNS:
        return _datetime(value)
    if column in JSON_COLUMNS:
        return json.dumps(value, default=str)
    return value


def _existing(con, ids: list) -> dict:
    select = ", ".join(
        f"epoch_ms({c})" if c in TIME_COLUMNS else f"{c}::VARCHAR" if c in JSON_COLUMNS else f'"{c}"'
        for c in COLUMNS
    )
    rows = con.execute(f"SELECT {select} FROM pipeline_runs WHERE pipeline_run_id IN (SELECT unnest(?))", [ids])
    found = {}
    for values in rows.fetchall():
        row = {c: v for c, v in zip(COLUMNS, values) if v is not None}
        for c in JSON_COLUMNS:
            if c in row:
                row[c] = json.loads(row[c])
        found[row["pipeline_run_id"]] = row
    return found


@record_kind(KIND, order=80)
def apply_pipeline_runs(con, records) -> None:
    ids = list(dict.fromkeys(r[1] for r in records))
    rows = _existing(con, ids)
    for record in records:
        if len(record) < 3 or not isinstance(record[2], dict):  # raised, so the fold quarantines it
            raise ValueError('a pipeline-run record is ["prun", pipeline_run_id, {column: value}]')
        row = rows.setdefault(record[1], {"pipeline_run_id": record[1]})
        merge_fields(row, {k: v for k, v in record[2].items() if k in COLUMNS and k != "pipeline_run_id"})
    complete = [row for row in rows.values() if all(row.get(c) is not None for c in REQUIRED)]
    if complete:
        placeholders = ", ".join("?" for _ in COLUMNS)
        columns = ", ".join(f'"{c}"' for c in COLUMNS)
        con.executemany(
            f"INSERT OR REPLACE INTO pipeline_runs ({columns}) VALUES ({placeholders})",
            [[_to_db(c, row.get(c)) for c in COLUMNS] for row in complete],
        )


@on_writer_gone
def mark_executor_died(con, writers) -> None:
    """Pipeline runs still queued or running whose writing process is gone will never end: failed."""
    con.execute(
        """UPDATE pipeline_runs SET status = 'failed', error_name = 'ExecutorDied',
               ended_at = (now() AT TIME ZONE 'UTC'),
               error = 'the process running it (pid ' || coalesce(pid::VARCHAR, '?') || ' on host '
                       || coalesce(host, '?') || ') died before the run ended; check that machine '
                       || '(out of memory? killed?) and run it again'
           WHERE status IN ('queued', 'running') AND writer IN (SELECT unnest(?))""",
        [list(writers)],
    )
