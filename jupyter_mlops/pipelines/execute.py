"""Executing one ``PipelineSpec`` with papermill in this process, recording everything it does.

``execute_spec`` is what every executor calls (inline, in a local worker process, on a Dask
worker). It never raises for a notebook's failure: a failing cell, a timeout, a kernel that
dies or a missing notebook are recorded as a failed run and returned as a failed
``PipelineResult``. The records go to this process's spool, so nothing waits on the database.

The child kernel gets its environment explicitly (``os.environ`` is never modified, since runs
may execute concurrently in threads): ``MLOPS_HOME`` (the store), ``MLOPS_PARENT_RUN_ID`` and
``MLOPS_PIPELINE_RUN_ID`` (so runs the notebook starts are children of the pipeline's tracking
run, whose run_id is the pipeline_run_id), ``MLOPS_EXPERIMENT`` and ``MLOPS_NOTEBOOK``.

>>> result = execute_spec(PipelineSpec.new("retrain.ipynb", {"alpha": 0.1}, home=".mlops"))  # doctest: +SKIP
>>> result.status, result.failed_cell
('failed', 3)
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from ..errors import MlopsError, NotFound
from .notebooks import cell_positions, notebook_path, parameter_warnings, read_notebook
from .records import merge_fields, process_fields, spec_fields, write_run_record
from .spec import PipelineResult, PipelineSpec

OUTPUT_ARTIFACT = "notebook.ipynb"
START_TIMEOUT = 60  # seconds for a kernel to answer, when the run has no shorter timeout
TIMEOUT_GRACE = 5  # the per-cell timeout only backs up the watchdog, which kills at the deadline


class _Watch:
    """Follows one execution: the kernel manager, the running cell, and the whole-run deadline.

    At the deadline it kills the kernel's process group; nbclient then sees a dead kernel and
    papermill returns, which ``execute_spec`` reports as a timeout because ``timed_out`` is set.
    """

    def __init__(self, timeout: float | None):
        self.km = None
        self.cell: int | None = None  # index (in the executed notebook) of the cell running now
        self.timed_out = False
        self.timeout = timeout
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self._done = threading.Event()
        self._thread = None
        if self.deadline is not None:
            self._thread = threading.Thread(target=self._run, name="mlops-pipeline-watchdog", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        if self._done.wait(max(0.0, self.deadline - time.monotonic())):
            return
        self.timed_out = True
        while not self._done.is_set():
            if self._kill():
                return
            self._done.wait(0.05)  # the kernel is still starting: kill it as soon as it exists

    def _kill(self) -> bool:
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        if process is None:
            return False
        pgid = getattr(provisioner, "pgid", None)
        try:
            if pgid and pgid != os.getpgid(0):
                os.killpg(pgid, signal.SIGKILL)
            else:
                process.kill()
        except (ProcessLookupError, PermissionError, OSError):
            pass
        return True

    def cell_timeout(self, cell) -> int | None:
        if self.deadline is None:
            return None
        return max(1, math.ceil(self.deadline - time.monotonic())) + TIMEOUT_GRACE

    def on_cell_start(self, cell, cell_index, **_) -> None:
        self.cell = cell_index

    def stop(self) -> None:
        self._done.set()


def _kernel_manager_class(env: dict, cwd: str, watch: _Watch, on_started):
    """A kernel manager class for this run: it starts the kernel with ``env`` in ``cwd``.

    nbclient creates and owns the instance (so it also shuts the kernel down), hence a class
    made per run rather than a ``km=`` instance, which nbclient would leave running.
    """
    from jupyter_client.manager import AsyncKernelManager

    class PipelineKernelManager(AsyncKernelManager):
        def __init__(self, *args, **kwargs):
            # Unix sockets in a private folder rather than TCP on localhost: no other local user can
            # reach the kernel, and ipykernel has no unencrypted-TCP warning to print into the run.
            self._ipc_dir = None
            if os.name == "posix" and "transport" not in kwargs:
                self._ipc_dir = tempfile.mkdtemp(prefix="mlops-kernel-")
                kwargs.update(transport="ipc", ip=os.path.join(self._ipc_dir, "k"))
            super().__init__(*args, **kwargs)
            watch.km = self

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if self._ipc_dir and not restart:
                shutil.rmtree(self._ipc_dir, ignore_errors=True)

        async def _async_start_kernel(self, **kw):
            kw.setdefault("env", env)
            kw.setdefault("cwd", cwd)
            await super()._async_start_kernel(**kw)
            on_started()

        start_kernel = _async_start_kernel

    return PipelineKernelManager


def kernel_env(spec: PipelineSpec) -> dict:
    """The child kernel's environment: this process's, plus where and for what it logs."""
    return {
        **os.environ,
        "MLOPS_HOME": str(spec.home),
        "MLOPS_PARENT_RUN_ID": spec.pipeline_run_id,
        "MLOPS_PIPELINE_RUN_ID": spec.pipeline_run_id,
        "MLOPS_EXPERIMENT": spec.experiment or spec.name,
        "MLOPS_NOTEBOOK": spec.notebook,
    }


def _one_line(text, limit: int = 500) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _in_cell(position: int | None, brackets: bool = False) -> str:
    if position is None:
        return ""
    return f" (in cell {position})" if brackets else f" in cell {position}"


def _classify(error: BaseException, watch: _Watch, positions: list) -> dict:
    """Turn what papermill raised into the failure columns of the run."""
    from papermill.exceptions import PapermillExecutionError

    def position(index):
        return positions[index] if index is not None and 0 <= index < len(positions) else None

    if watch.timed_out:
        cell = position(watch.cell)
        return {"error_name": "Timeout", "failed_cell": cell,
                "error": f"timed out after {watch.timeout:g} s{_in_cell(cell, brackets=True)}"}
    if isinstance(error, PapermillExecutionError):
        return {"error_name": error.ename, "failed_cell": position(error.cell_index),
                "error": _one_line(f"{error.ename}: {error.evalue}".rstrip(": "))}
    name = type(error).__name__
    if name == "DeadKernelError" or "Kernel died" in str(error):
        cell = position(watch.cell)
        return {"error_name": "KernelDied", "failed_cell": cell,
                "error": f"the kernel died{_in_cell(cell)} (killed, out of memory, or a crash in native code)"}
    if name == "CellTimeoutError":  # only when the watchdog could not kill the kernel in time
        cell = position(watch.cell)
        return {"error_name": "Timeout", "failed_cell": cell, "error": f"timed out{_in_cell(cell, brackets=True)}"}
    return {"error_name": name, "failed_cell": position(watch.cell), "error": _one_line(f"{name}: {error}")}


def _run_papermill(spec: PipelineSpec, output: Path, watch: _Watch, on_started) -> None:
    import papermill

    cwd = spec.cwd or str(Path(spec.notebook).parent)
    start_timeout = START_TIMEOUT if spec.timeout is None else min(START_TIMEOUT, math.ceil(spec.timeout) + TIMEOUT_GRACE)
    papermill.execute_notebook(
        spec.notebook, str(output), parameters=spec.parameters or None, kernel_name=spec.kernel,
        progress_bar=False, log_output=False, start_timeout=start_timeout,
        kernel_manager_class=_kernel_manager_class(kernel_env(spec), cwd, watch, on_started),
        timeout_func=watch.cell_timeout, on_cell_start=watch.on_cell_start,
    )


def execute_spec(spec: PipelineSpec) -> PipelineResult:
    """Run ``spec``'s notebook with papermill in this process; record and return how it went.

    Never raises for a notebook's failure (a KeyboardInterrupt is recorded, then re-raised).

    >>> execute_spec(PipelineSpec.new("nb.ipynb", home=str(open_store().home))).status   # doctest: +SKIP
    'finished'
    """
    from ..store import open_store
    from ..tracking.runs import _record_new_run, now_ms

    store = open_store(spec.home)
    records = _Records(store, spec.pipeline_run_id)
    started = now_ms()
    base = spec_fields(spec)
    records.write({**base, **process_fields(store), "status": "running", "queued_at": started, "started_at": started})
    run = _record_new_run(store, spec.experiment or spec.name, spec.name, None, run_id=spec.pipeline_run_id)
    found_warnings = _log_tracking_inputs(run, spec)
    outcome: dict = {}
    stored: dict = {}
    with tempfile.TemporaryDirectory(prefix="mlops-pipeline-") as scratch:
        output = Path(scratch) / OUTPUT_ARTIFACT
        try:
            path = notebook_path(spec.notebook)
            nb = read_notebook(path)
            found_warnings += parameter_warnings(path, nb, spec.parameters)
        except NotFound as e:
            outcome = {"error_name": "NotebookNotFound", "error": str(e)}
        except MlopsError as e:
            outcome = {"error_name": "InvalidNotebook", "error": str(e)}
        else:
            watch = _Watch(spec.timeout)
            try:
                _run_papermill(spec, output, watch, lambda: records.write({"kernel_started_at": now_ms()}))
            except Exception as e:
                outcome = _classify(e, watch, cell_positions(nb, spec.parameters))
            except BaseException:
                watch.stop()
                _record_end(records, run, {"error_name": "Interrupted", "error": "interrupted"}, found_warnings, {})
                raise
            finally:
                watch.stop()
        if output.exists() and output.stat().st_size:
            with store.blobs.referencing():
                digest, size = store.blobs.put_file(output)
                run._write(["art", run.run_id, OUTPUT_ARTIFACT, digest, size, now_ms()])
            stored = {"output_sha256": digest, "output_size": size}
    return _record_end(records, run, outcome, found_warnings, stored)


class _Records:
    """Writes one run's records to the spool and keeps the row they add up to (for the result)."""

    def __init__(self, store, pipeline_run_id: str):
        self.store = store
        self.row = {"pipeline_run_id": pipeline_run_id}

    def write(self, fields: dict) -> None:
        write_run_record(self.store, self.row["pipeline_run_id"], fields)
        merge_fields(self.row, dict(fields))


def _log_tracking_inputs(run, spec: PipelineSpec) -> list[str]:
    """Parameters as params and the pipeline tags; what cannot be logged becomes a warning."""
    problems = []
    tags = {"mlops.pipeline": spec.name, "mlops.notebook": spec.notebook, "mlops.trigger": spec.trigger,
            "mlops.attempt": spec.attempt}
    if spec.schedule:
        tags["mlops.schedule"] = spec.schedule
    run.set_tags(tags)
    for key, value in spec.parameters.items():
        try:
            run.log_param(key, value)
        except MlopsError as e:
            problems.append(f"parameter {key!r} was not logged as a param: {e}")
    return problems


def _record_end(records: _Records, run, outcome: dict, found_warnings: list, stored: dict) -> PipelineResult:
    from ..tracking.runs import now_ms

    status = "failed" if outcome else "finished"
    records.write({
        **records.row, "status": status, "ended_at": now_ms(), "output_sha256": stored.get("output_sha256"),
        "output_size": stored.get("output_size"), "failed_cell": outcome.get("failed_cell"),
        "error_name": outcome.get("error_name"), "error": outcome.get("error"), "warnings": list(found_warnings),
    })
    if outcome.get("error_name") == "Interrupted":
        run.end("killed", error="KeyboardInterrupt")
    else:
        run.end(status, error=outcome.get("error"))
    row = records.row
    return PipelineResult(
        pipeline_run_id=row["pipeline_run_id"], status=status, duration_s=(row["ended_at"] - row["started_at"]) / 1000,
        failed_cell=row["failed_cell"], error_name=row["error_name"], error=row["error"],
        output_sha256=row["output_sha256"], warnings=list(found_warnings), record=dict(row),
    )
