"""Reading runs back: get_run, search_runs, metric_history, experiments, delete/restore.

Every read folds pending spool records first, so a value logged by any process is visible to
the next read anywhere.

>>> search_runs(where="metrics.acc > 0.9 AND params.model = 'rf'", order_by="metrics.acc DESC")  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..errors import InvalidInput, NotFound, closest
from ..names import INT64_MAX, shown
from ..store import open_store
from .filters import compile_search

BASE_COLUMNS = ["run_id", "experiment", "run_name", "status", "start_time", "end_time", "parent_run_id", "user"]
_FROM = "runs r JOIN experiments e ON e.experiment_id = r.experiment_id"


@dataclass
class RunRecord:
    """A run as stored: attributes plus its params, latest metrics, tags and artifacts."""

    run_id: str
    experiment: str
    name: str
    status: str
    start_time: datetime
    end_time: datetime | None
    parent_run_id: str | None
    user: str | None
    host: str | None
    error: str | None
    deleted: bool
    params: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)
    artifacts: list = field(default_factory=list)


def resolve_run_id(con, ref: str) -> str:
    """Accept a full run id, a unique prefix of at least 4 characters, or a unique run name."""
    if not isinstance(ref, str) or not ref:
        raise InvalidInput(f"a run is named by its id, a unique id prefix or its name; got {ref!r}")
    if con.execute("SELECT 1 FROM runs WHERE run_id = ?", [ref]).fetchone():
        return ref
    matches = []
    if len(ref) >= 4:
        matches = [r[0] for r in con.execute("SELECT run_id FROM runs WHERE starts_with(run_id, ?) LIMIT 3", [ref.lower()]).fetchall()]
    if not matches:
        matches = [r[0] for r in con.execute("SELECT run_id FROM runs WHERE run_name = ? LIMIT 3", [ref]).fetchall()]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise InvalidInput(f"{ref!r} matches several runs ({', '.join(m[:8] for m in matches)}...); give more of the run id")
    names = [r[0] for r in con.execute("SELECT run_name FROM runs ORDER BY start_time DESC LIMIT 500").fetchall()]
    raise NotFound(f"no run {ref!r}{closest(ref, names)}; list runs with search_runs() or `jupyter-mlops runs`")


def get_run(run: str) -> RunRecord:
    """Return one run with its params, latest metrics, tags and artifact list.

    >>> get_run("3fa2c1d9").metrics["acc"]     # doctest: +SKIP
    0.91
    """
    with open_store().connect() as con:
        run_id = resolve_run_id(con, run)
        row = con.execute(
            f"""SELECT r.run_id, e.name, r.run_name, r.status, r.start_time, r.end_time, r.parent_run_id,
                       r.user_name, r.host, r.error, r.deleted_at IS NOT NULL
                FROM {_FROM} WHERE r.run_id = ?""",
            [run_id],
        ).fetchone()
        pairs = lambda table: dict(con.execute(f"SELECT key, value FROM {table} WHERE run_id = ? ORDER BY key", [run_id]).fetchall())  # noqa: E731
        artifacts = con.execute(
            "SELECT path, size, sha256 FROM artifacts WHERE run_id = ? ORDER BY path", [run_id]
        ).fetchall()
        return RunRecord(
            *row,
            params=pairs("params"),
            metrics=pairs("latest_metrics"),
            tags=pairs("tags"),
            artifacts=[{"path": p, "size": s, "sha256": h} for p, s, h in artifacts],
        )


def search_runs(
    experiment: str | list[str] | None = None,
    where: str | None = None,
    order_by: str | list[str] | None = None,
    max_results: int | None = 1000,
    include_deleted: bool = False,
    offset: int = 0,
):
    """Find runs; return a pandas DataFrame, one row per run, newest first unless ordered.

    Columns: ``run_id, experiment, run_name, status, start_time, end_time, parent_run_id, user``,
    then ``params.<key>``, ``metrics.<key>`` (latest value) and ``tags.<key>``. ``where`` is the
    filter language of ``jupyter_mlops.tracking.filters`` (AND/OR/NOT, comparisons, LIKE, IN);
    ``experiment`` is a name or list of names (default: all experiments). ``offset`` skips that
    many matching runs, for paging (see ``count_runs``).

    >>> search_runs("churn", where="metrics.auc > 0.8", order_by="metrics.auc DESC", max_results=5)  # doctest: +SKIP
    """
    import pandas as pd

    page, values = _search(experiment, where, order_by, max_results, include_deleted, offset)
    ids = page["run_id"].tolist()
    columns: dict = {}
    for section, missing in (("params", None), ("metrics", float("nan")), ("tags", None)):
        by_run = values[section]
        for key in sorted({key for run_values in by_run.values() for key in run_values}):
            columns[f"{section}.{key}"] = [by_run.get(run_id, {}).get(key, missing) for run_id in ids]
    if columns:
        page = pd.concat([page, pd.DataFrame(columns, index=page.index)], axis=1)
    return page


def list_runs(
    experiment: str | list[str] | None = None,
    where: str | None = None,
    order_by: str | list[str] | None = None,
    max_results: int | None = 100,
    include_deleted: bool = False,
    offset: int = 0,
) -> list[dict]:
    """Like ``search_runs``, but each run is a dict with nested ``params``, ``metrics`` and ``tags``
    holding only the keys the run has (a logged NaN stays NaN; a missing key is absent).

    >>> list_runs("churn", max_results=1)[0]["metrics"]     # doctest: +SKIP
    {'auc': 0.84}
    """
    page, values = _search(experiment, where, order_by, max_results, include_deleted, offset)
    runs = page.to_dict("records")
    for run in runs:
        for section in ("params", "metrics", "tags"):
            run[section] = values[section].get(run["run_id"], {})
    return runs


def _search(experiment, where, order_by, max_results, include_deleted, offset):
    """The page of runs (a DataFrame of attributes) and their params/metrics/tags by run id."""
    if max_results is not None and (isinstance(max_results, bool) or not isinstance(max_results, int)
                                    or not 1 <= max_results <= INT64_MAX):
        raise InvalidInput(f"max_results must be a whole number from 1 to 2**63-1, or None; got {shown(max_results)}")
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= INT64_MAX:
        raise InvalidInput(f"offset must be a whole number from 0 to 2**63-1, got {shown(offset)}")
    query, join_sql, conditions, params = _search_parts(experiment, where, order_by, include_deleted)
    order = ", ".join(p for p in (query.order_sql, "r.start_time DESC, r.run_id") if p)
    limit = ("" if max_results is None else f"LIMIT {int(max_results)}") + (f" OFFSET {offset}" if offset else "")
    with open_store().connect() as con:
        if experiment is not None:
            _check_experiments(con, params[-1])
        page = con.execute(
            f"""SELECT r.run_id, e.name AS experiment, r.run_name, r.status, r.start_time, r.end_time,
                       r.parent_run_id, r.user_name AS "user"
                FROM {_FROM} {join_sql} WHERE {' AND '.join(conditions)} ORDER BY {order} {limit}""",
            params,
        ).df()
        return page, _page_values(con, page["run_id"].tolist())


def _search_parts(experiment, where, order_by, include_deleted):
    """The compiled filter, its joins, WHERE conditions and parameters, shared by search and count."""
    query = compile_search(where, order_by)
    join_sql, params = query.join_sql()
    conditions = [query.where_sql]
    params = params + list(query.where_params)
    if not include_deleted:
        conditions.append("r.deleted_at IS NULL")
    if experiment is not None:
        conditions.append("e.name IN (SELECT unnest(?))")
        params.append([experiment] if isinstance(experiment, str) else list(experiment))
    return query, join_sql, conditions, params


def count_runs(experiment: str | list[str] | None = None, where: str | None = None, include_deleted: bool = False) -> int:
    """How many runs ``search_runs`` would find with no limit.

    >>> count_runs("churn", where="status = 'failed'")    # doctest: +SKIP
    3
    """
    _, join_sql, conditions, params = _search_parts(experiment, where, None, include_deleted)
    with open_store().connect() as con:
        if experiment is not None:
            _check_experiments(con, params[-1])
        return con.execute(f"SELECT count(*) FROM {_FROM} {join_sql} WHERE {' AND '.join(conditions)}", params).fetchone()[0]


def metric_histories(runs: list[str], keys: list[str] | None = None):
    """Metric histories of several runs at once; return a DataFrame ``run_id, key, step, value``.

    >>> metric_histories(["3fa2c1d9", "77b1e0aa"], keys=["loss"])    # doctest: +SKIP
    """
    with open_store().connect() as con:
        ids = [resolve_run_id(con, r) for r in runs]
        key_filter = "" if keys is None else "AND key IN (SELECT unnest(?))"
        params = [ids] + ([list(keys)] if keys is not None else [])
        return con.execute(
            f"SELECT run_id, key, step, value FROM metrics WHERE run_id IN (SELECT unnest(?)) {key_filter} "
            "ORDER BY run_id, key, step, timestamp",
            params,
        ).df()


def _page_values(con, ids: list) -> dict:
    """``{"params": {run_id: {key: value}}, "metrics": {...}, "tags": {...}}`` for the page's runs."""
    import pyarrow as pa

    con.register("_page_ids", pa.table({"run_id": pa.array(ids, type=pa.string())}))
    values: dict = {}
    try:
        for section, table in (("params", "params"), ("metrics", "latest_metrics"), ("tags", "tags")):
            by_run: dict = {}
            rows = con.execute(f"SELECT t.run_id, t.key, t.value FROM {table} t JOIN _page_ids USING (run_id)")
            for run_id, key, value in rows.fetchall():
                by_run.setdefault(run_id, {})[key] = value
            values[section] = by_run
    finally:
        con.unregister("_page_ids")
    return values


def _check_experiments(con, names: list) -> None:
    known = [r[0] for r in con.execute("SELECT name FROM experiments").fetchall()]
    for name in names:
        if name not in known:
            raise NotFound(f"no experiment {name!r}{closest(name, known)}; known: {', '.join(sorted(known)[:10]) or 'none yet'}")


def metric_history(run: str, key: str):
    """Every value of one metric of one run; return a DataFrame ``step, value, timestamp``.

    >>> metric_history("3fa2c1d9", "loss").plot(x="step", y="value")   # doctest: +SKIP
    """
    with open_store().connect() as con:
        run_id = resolve_run_id(con, run)
        frame = con.execute(
            "SELECT step, value, timestamp FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, timestamp",
            [run_id, key],
        ).df()
        if frame.empty:
            keys = [r[0] for r in con.execute("SELECT key FROM latest_metrics WHERE run_id = ?", [run_id]).fetchall()]
            raise NotFound(f"run {run_id[:8]} has no metric {key!r}{closest(key, keys)}; it has: {', '.join(sorted(keys)) or 'none'}")
        return frame


def list_experiments():
    """All experiments with their run counts; return a DataFrame.

    >>> list_experiments()[["name", "runs"]]     # doctest: +SKIP
    """
    with open_store().connect() as con:
        return con.execute(
            """SELECT e.experiment_id, e.name, e.created_at,
                      count(r.run_id) FILTER (WHERE r.deleted_at IS NULL) AS runs, max(r.start_time) AS last_run
               FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.experiment_id
               GROUP BY ALL ORDER BY e.experiment_id"""
        ).df()


def _set_deleted(run: str, deleted: bool) -> str:
    with open_store().connect() as con:
        run_id = resolve_run_id(con, run)
        value = "(now() AT TIME ZONE 'UTC')" if deleted else "NULL"
        con.execute(f"UPDATE runs SET deleted_at = {value} WHERE run_id = ?", [run_id])
        return run_id


def delete_run(run: str) -> str:
    """Mark a run deleted (hidden from searches; ``gc`` purges it); return its id.

    >>> delete_run("3fa2c1d9")    # doctest: +SKIP
    """
    return _set_deleted(run, True)


def restore_run(run: str) -> str:
    """Undo ``delete_run`` (possible until ``gc`` runs); return the run id."""
    return _set_deleted(run, False)
