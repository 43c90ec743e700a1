"""How tracking records in the spool land in DuckDB tables.

Record layouts (JSON arrays, first field the kind; times are epoch milliseconds, UTC):

- ``["exp", name, ms]``
- ``["run", run_id, experiment, run_name, parent_run_id, ms, user, host, pid, writer]``
- ``["param", run_id, key, value]`` (the first value of a key wins)
- ``["tag", run_id, key, value]`` (the last value wins)
- ``["m", run_id, key, value, step, ms]``
- ``["art", run_id, path, sha256, size, ms]``
- ``["end", run_id, status, ms, error]``
"""

from __future__ import annotations

from ..store.fold import on_writer_gone, record_kind


def _arrow(columns: dict, types: dict | None = None):
    import pyarrow as pa

    types = types or {}
    return pa.table({name: pa.array(values, type=types.get(name)) for name, values in columns.items()})


def _load(con, name: str, rows: list, names: list[str], types: dict | None = None):
    """Register ``rows`` (list of sequences) as a relation called ``name``."""
    columns = {n: list(col) for n, col in zip(names, zip(*rows))} if rows else {n: [] for n in names}
    con.register(name, _arrow(columns, types))


def _ensure_experiments(con, names) -> None:
    names = sorted(set(names))
    if names:
        con.execute(
            "INSERT INTO experiments (name, created_at) SELECT n, (now() AT TIME ZONE 'UTC') "
            "FROM unnest(?) AS t(n) WHERE n NOT IN (SELECT name FROM experiments)",
            [names],
        )


@record_kind("exp", order=10)
def apply_experiments(con, records) -> None:
    _ensure_experiments(con, [r[1] for r in records])


@record_kind("run", order=20)
def apply_runs(con, records) -> None:
    import pyarrow as pa

    _ensure_experiments(con, [r[2] for r in records])
    names = ["run_id", "experiment", "run_name", "parent_run_id", "ms", "user_name", "host", "pid", "writer"]
    _load(con, "_runs_batch", [r[1:10] for r in records], names, {"ms": pa.int64(), "pid": pa.int64()})
    con.execute(
        """INSERT INTO runs (run_id, experiment_id, run_name, parent_run_id, status, start_time,
                             user_name, host, pid, writer)
           SELECT b.run_id, e.experiment_id, b.run_name, b.parent_run_id, 'running', epoch_ms(b.ms),
                  b.user_name, b.host, b.pid, b.writer
           FROM _runs_batch b JOIN experiments e ON e.name = b.experiment
           ON CONFLICT (run_id) DO NOTHING"""
    )
    con.unregister("_runs_batch")


def _key_value(con, records, table: str, keep: str) -> None:
    latest: dict = {}
    for r in records if keep == "last" else reversed(records):
        latest[(r[1], r[2])] = r[3]
    rows = [(run_id, key, value) for (run_id, key), value in latest.items()]
    _load(con, "_kv_batch", rows, ["run_id", "key", "value"])
    action = "DO UPDATE SET value = excluded.value" if keep == "last" else "DO NOTHING"
    con.execute(f"INSERT INTO {table} SELECT run_id, key, value FROM _kv_batch ON CONFLICT (run_id, key) {action}")
    con.unregister("_kv_batch")


@record_kind("param", order=30)
def apply_params(con, records) -> None:
    _key_value(con, records, "params", keep="first")


@record_kind("tag", order=40)
def apply_tags(con, records) -> None:
    _key_value(con, records, "tags", keep="last")


@record_kind("m", order=50)
def apply_metrics(con, records) -> None:
    import pyarrow as pa

    names = ["run_id", "key", "value", "step", "ms"]
    types = {"value": pa.float64(), "step": pa.int64(), "ms": pa.int64()}
    _load(con, "_m_batch", [r[1:6] for r in records], names, types)
    con.execute("INSERT INTO metrics SELECT run_id, key, value, step, epoch_ms(ms) FROM _m_batch")
    con.execute(
        """INSERT INTO latest_metrics
           SELECT run_id, key, value, step, epoch_ms(ms) FROM (
               SELECT *, row_number() OVER (PARTITION BY run_id, key ORDER BY step DESC, ms DESC, seq DESC) AS rn
               FROM (SELECT *, row_number() OVER () AS seq FROM _m_batch)
           ) WHERE rn = 1
           ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, step = excluded.step,
               timestamp = excluded.timestamp
           WHERE excluded.step > latest_metrics.step
              OR (excluded.step = latest_metrics.step AND excluded.timestamp >= latest_metrics.timestamp)"""
    )
    con.unregister("_m_batch")


@record_kind("art", order=60)
def apply_artifacts(con, records) -> None:
    import pyarrow as pa

    latest = {(r[1], r[2]): r for r in records}
    rows = [r[1:6] for r in latest.values()]
    _load(con, "_a_batch", rows, ["run_id", "path", "sha256", "size", "ms"], {"size": pa.int64(), "ms": pa.int64()})
    con.execute(
        """INSERT INTO artifacts SELECT run_id, path, sha256, size, epoch_ms(ms) FROM _a_batch
           ON CONFLICT (run_id, path) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size,
               created_at = excluded.created_at"""
    )
    con.unregister("_a_batch")


@record_kind("end", order=90)
def apply_ends(con, records) -> None:
    import pyarrow as pa

    latest = {r[1]: r for r in records}
    _load(con, "_end_batch", [r[1:5] for r in latest.values()], ["run_id", "status", "ms", "error"], {"ms": pa.int64()})
    con.execute(
        """UPDATE runs SET status = b.status, end_time = epoch_ms(b.ms), error = b.error
           FROM _end_batch b WHERE runs.run_id = b.run_id"""
    )
    con.unregister("_end_batch")


@on_writer_gone
def mark_crashed(con, writers) -> None:
    """Runs still 'running' whose process is gone crashed: they will never finish."""
    con.execute(
        "UPDATE runs SET status = 'crashed', end_time = (now() AT TIME ZONE 'UTC'), "
        "error = coalesce(error, 'the process that ran it ended without finishing the run') "
        "WHERE status = 'running' AND writer IN (SELECT unnest(?))",
        [list(writers)],
    )
