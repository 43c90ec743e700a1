"""Running a notebook as a pipeline, and reading pipeline runs back.

>>> run = run_pipeline("retrain.ipynb", {"alpha": 0.1}, timeout=600)     # doctest: +SKIP
>>> run.status, run.runs()[["run_name", "metrics.auc"]]                  # doctest: +SKIP
>>> list_pipeline_runs(name="retrain", status="failed")                  # doctest: +SKIP
"""

from __future__ import annotations

import json
import numbers
import os
import warnings
from pathlib import Path

from ..errors import InvalidInput, NotFound, PipelineFailed, closest
from ..names import check_name
from ..store import open_store
from .notebooks import notebook_warnings
from .records import COLUMNS, JSON_COLUMNS, REQUIRED, row_values
from .records import record_queued  # noqa: F401  (the scheduler's half of a run's records)
from .spec import PipelineSpec
from .view import PipelineRun

STATUSES = ("queued", "running", "finished", "failed")
_ORDER = "coalesce(started_at, queued_at) DESC, pipeline_run_id"


def _row_to_run(row: tuple, home) -> PipelineRun:
    data = dict(zip(COLUMNS, row))
    for column in JSON_COLUMNS:
        data[column] = json.loads(data[column]) if data[column] is not None else None
    return PipelineRun.from_row(data, home)


def _resolve(con, ref: str) -> str:
    """A full id, a unique id prefix (4+ characters), or a pipeline name (its latest run)."""
    if not isinstance(ref, str) or not ref.strip():
        raise InvalidInput(f"a pipeline run is named by its id, an id prefix or the pipeline name; got {ref!r}")
    if con.execute("SELECT 1 FROM pipeline_runs WHERE pipeline_run_id = ?", [ref]).fetchone():
        return ref
    if len(ref) >= 4:
        ids = [r[0] for r in con.execute(
            "SELECT pipeline_run_id FROM pipeline_runs WHERE starts_with(pipeline_run_id, ?) LIMIT 3",
            [ref.lower()]).fetchall()]
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            raise InvalidInput(f"{ref!r} matches several pipeline runs ({', '.join(i[:8] for i in ids)}...); "
                               "give more of the id")
    latest = con.execute(f"SELECT pipeline_run_id FROM pipeline_runs WHERE name = ? ORDER BY {_ORDER} LIMIT 1",
                         [ref]).fetchone()
    if latest:
        return latest[0]
    recent = con.execute(f"SELECT pipeline_run_id, name FROM pipeline_runs ORDER BY {_ORDER} LIMIT 200").fetchall()
    candidates = sorted({name for _, name in recent} | {i[:8] for i, _ in recent})
    hint = closest(ref, candidates)
    raise NotFound(f"no pipeline run {ref!r}{hint}; list them with list_pipeline_runs() "
                   "or `jupyter-mlops pipeline list`")


def get_pipeline_run(ref: str) -> PipelineRun:
    """One pipeline run by id, unique id prefix (4+ characters), or pipeline name (its latest run).

    >>> run = get_pipeline_run("3f2a9c1b")          # doctest: +SKIP
    >>> run.failed_cell, run.error                  # doctest: +SKIP
    (4, 'ZeroDivisionError: division by zero')
    """
    store = open_store()
    columns = ", ".join(f'"{c}"' if c not in JSON_COLUMNS else f"{c}::VARCHAR" for c in COLUMNS)
    with store.connect() as con:
        run_id = _resolve(con, ref)
        row = con.execute(f"SELECT {columns} FROM pipeline_runs WHERE pipeline_run_id = ?", [run_id]).fetchone()
    return _row_to_run(row, store.home)


def list_pipeline_runs(name: str | None = None, schedule: str | None = None, status: str | None = None,
                       limit: int | None = 100):
    """Pipeline runs, most recent first; return a pandas DataFrame, one row per run.

    Columns: ``pipeline_run_id, name, status, trigger, schedule, attempt, parameters`` (a dict),
    ``queued_at, started_at, ended_at, duration_s, failed_cell, error_name, error, warnings,
    executor, notebook, output_sha256``.

    >>> list_pipeline_runs(name="retrain", status="failed", limit=5)   # doctest: +SKIP
    """
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}, got {status!r}{closest(str(status), STATUSES)}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidInput(f"limit must be a whole number >= 1 or None, got {limit!r}")
    conditions, params = ["TRUE"], []
    for column, value in (("name", name), ("schedule", schedule), ("status", status)):
        if value is not None:
            conditions.append(f"{column} = ?")
            params.append(value)
    with open_store().connect() as con:
        if name is not None and not con.execute("SELECT 1 FROM pipeline_runs WHERE name = ? LIMIT 1", [name]).fetchone():
            names = [r[0] for r in con.execute("SELECT DISTINCT name FROM pipeline_runs ORDER BY name").fetchall()]
            raise NotFound(f"no pipeline runs named {name!r}{closest(name, names)}; "
                           f"pipelines: {', '.join(names[:20]) or 'none yet'}")
        frame = con.execute(
            f"""SELECT pipeline_run_id, name, status, "trigger", schedule, attempt, parameters::VARCHAR AS parameters,
                       queued_at, started_at, ended_at,
                       date_diff('millisecond', started_at, ended_at) / 1000.0 AS duration_s,
                       failed_cell, error_name, error, warnings::VARCHAR AS warnings, executor, notebook, output_sha256
                FROM pipeline_runs WHERE {' AND '.join(conditions)} ORDER BY {_ORDER}
                {'' if limit is None else f'LIMIT {int(limit)}'}""",
            params,
        ).df()
    for column in ("parameters", "warnings"):
        frame[column] = [json.loads(v) if isinstance(v, str) else v for v in frame[column]]
    return frame


def _check_options(name, experiment, timeout, output) -> None:
    for kind, what, value in (("pipeline", "pipeline name", name), ("experiment", "experiment", experiment)):
        if value is not None:
            check_name(kind, value, what)
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not timeout > 0):
        raise InvalidInput(f"timeout is in seconds and must be a number > 0 (or None for no limit), got {timeout!r}")
    if output is not None:
        if not isinstance(output, (str, os.PathLike)):
            raise InvalidInput(f"output must be a path such as 'out/retrain-run.ipynb', got {type(output).__name__}")
        folder = Path(output).expanduser().absolute().parent
        if not folder.is_dir():
            raise InvalidInput(f"cannot write the executed notebook to {str(output)!r}: there is no folder "
                               f"{str(folder)!r}; create it first")


def failure_message(run: PipelineRun) -> str:
    """One line saying how ``run`` failed and where its executed notebook is."""
    where = "" if run.failed_cell is None or run.error_name in ("Timeout", "KernelDied") else f" in cell {run.failed_cell}"
    error = run.error or ""
    what = error if error.startswith(f"{run.error_name}:") else f"{run.error_name}: {error}"
    kept = (f"; the executed notebook is kept: get_pipeline_run('{run.short_id}').output_notebook()"
            if run.output_sha256 else "")
    return f"pipeline run {run.short_id} ({run.name}) failed{where}: {what}{kept}"


def run_pipeline(notebook, parameters: dict | None = None, name: str | None = None, timeout: float | None = None,
                 kernel: str | None = None, *, output=None, executor: str | None = None,
                 experiment: str | None = None, raise_on_error: bool = True) -> PipelineRun:
    """Execute a notebook with papermill as a recorded pipeline run; return the ``PipelineRun``.

    The kernel logs into this store (it is handed the resolved path) and runs it starts become
    children of the pipeline's tracking run (``run.runs()``). The executed notebook is stored,
    also when a cell fails (papermill marks the failing cell); ``output`` also writes it there.
    ``timeout`` bounds the whole run in seconds, kernel start included. ``executor``: None runs
    in this process, ``"local"`` in a worker process, ``"tcp://host:port"`` on Dask. A failure
    raises ``PipelineFailed`` (its ``.run`` is the failed run) unless ``raise_on_error=False``.

    >>> run = run_pipeline("retrain.ipynb", {"alpha": 0.1}, timeout=600)     # doctest: +SKIP
    >>> run.output_notebook().cells[3].outputs                              # doctest: +SKIP
    """
    _check_options(name, experiment, timeout, output)
    for message in notebook_warnings(notebook, parameters, kernel):
        warnings.warn(message, UserWarning, stacklevel=2)
    pool = None
    if executor not in (None, "inline"):
        from .executors import get_executor

        pool = get_executor(executor, max_workers=1)
    store = open_store()
    spec = PipelineSpec.new(notebook, parameters, home=store.home, name=name, timeout=timeout, kernel=kernel,
                            experiment=experiment, executor=executor or "inline")
    if pool is None:
        from .execute import execute_spec

        result = execute_spec(spec)
    else:
        with pool:
            result = pool.submit(spec).result()
    if result.record and all(result.record.get(c) is not None for c in REQUIRED):
        # What execute_spec wrote is what the next read will fold in: no need to wait for the lock.
        run = PipelineRun.from_row(row_values(result.record), store.home)
    else:
        run = get_pipeline_run(spec.pipeline_run_id)
    if output is not None and run.output_sha256:
        run.save_output(output)
    if not run.ok and raise_on_error:
        raise PipelineFailed(failure_message(run), run)
    return run
