"""Executors: where pipeline runs execute, in a small registry of named plug-ins.

Every executor takes a ``PipelineSpec`` and returns a ``concurrent.futures.Future`` of its
``PipelineResult``; whatever process runs it calls ``execute_spec``, which records the run in
the store, so the result travelling back is a convenience, not the record.

- ``inline``: threads of this process;
- ``local`` (the scheduler's default): a bounded pool of worker processes
  (``python -m jupyter_mlops.pipelines.worker``), each dying with its parent;
- ``tcp://host:port`` or ``dask://host:port``: a Dask distributed scheduler (``pip install
  "jupyter-mlops[dask]"``).

Others register with ``register_executor(name, factory)`` or the entry-point group
``jupyter_mlops.executors`` (``factory(address, max_workers) -> Executor``).

>>> with get_executor("local", max_workers=2) as pool:      # doctest: +SKIP
...     results = [f.result() for f in [pool.submit(a), pool.submit(b)]]
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from ..errors import InvalidInput, closest
from .spec import PipelineResult, PipelineSpec

ENTRY_POINT_GROUP = "jupyter_mlops.executors"
RESULT_PREFIX = "MLOPS-PIPELINE-RESULT "
_DASK_SCHEMES = ("tcp", "dask")
_FACTORIES: dict = {}
_entry_points_loaded = False
_lock = threading.Lock()


class Executor:
    """Base of executors: ``submit(spec) -> Future[PipelineResult]``, ``shutdown(wait=True)``."""

    name = "executor"

    def submit(self, spec: PipelineSpec) -> "Future[PipelineResult]":
        raise NotImplementedError

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work; with ``wait``, return when submitted runs are done."""

    def _labelled(self, spec: PipelineSpec) -> PipelineSpec:
        return spec if spec.executor == self.name else dataclasses.replace(spec, executor=self.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown(wait=True)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def register_executor(name: str, factory) -> None:
    """Make ``factory(address, max_workers) -> Executor`` available as ``get_executor(name)``.

    A name used as a URL scheme (``"tcp"``) serves every address ``tcp://host:port``.

    >>> register_executor("slurm", lambda address, max_workers: SlurmExecutor(address))   # doctest: +SKIP
    """
    if not isinstance(name, str) or not name or "://" in name:
        raise InvalidInput(f"an executor name is a word such as 'local' or a URL scheme such as 'tcp', got {name!r}")
    if not callable(factory):
        raise InvalidInput(f"executor {name!r} needs a factory(address, max_workers) -> Executor, got {factory!r}")
    _FACTORIES[name] = factory


def _load_entry_points() -> None:
    global _entry_points_loaded
    with _lock:
        if _entry_points_loaded:
            return
        _entry_points_loaded = True
        from importlib.metadata import entry_points

        for point in entry_points(group=ENTRY_POINT_GROUP):
            _FACTORIES.setdefault(point.name, point)


def executor_names() -> list[str]:
    """Known executors, URL schemes shown as ``scheme://host:port``."""
    _load_entry_points()
    return [f"{name}://host:port" if name in _DASK_SCHEMES else name for name in _FACTORIES]


def get_executor(spec: str = "local", max_workers: int = 2) -> Executor:
    """An executor by name (``inline``, ``local``) or address (``tcp://host:port``, ``dask://host:port``).

    >>> pool = get_executor("tcp://127.0.0.1:8786")    # doctest: +SKIP
    >>> pool.submit(spec).result().status                # doctest: +SKIP
    'finished'
    """
    if not isinstance(spec, str) or not spec.strip():
        raise InvalidInput("executor must be a name such as 'local' or an address such as 'tcp://host:8786', "
                           f"got {spec!r}")
    if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
        raise InvalidInput(f"max_workers must be a whole number >= 1, got {max_workers!r}")
    _load_entry_points()
    key = spec.split("://", 1)[0] if "://" in spec else spec
    factory = _FACTORIES.get(key)
    if factory is None:
        names = executor_names()
        raise InvalidInput(f"unknown executor {spec!r}{closest(key, list(_FACTORIES))}; executors: {', '.join(names)} "
                           "(add one with register_executor or the 'jupyter_mlops.executors' entry point)")
    if hasattr(factory, "load") and hasattr(factory, "group"):  # an entry point not loaded yet
        factory = _FACTORIES[key] = factory.load()
    return factory(spec, max_workers)


class InlineExecutor(Executor):
    """Runs ``execute_spec`` in threads of this process (at most ``max_workers`` at once)."""

    name = "inline"

    def __init__(self, address: str = "inline", max_workers: int = 2):
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix="mlops-pipeline")

    def submit(self, spec: PipelineSpec) -> "Future[PipelineResult]":
        from .execute import execute_spec

        return self._pool.submit(execute_spec, self._labelled(spec))

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)


def _libc_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl  # resolved here: dlopen after fork can deadlock
    except (OSError, AttributeError):
        return None


class LocalExecutor(Executor):
    """A pool of worker processes: each run is ``python -m jupyter_mlops.pipelines.worker``.

    At most ``max_workers`` run at once; a worker dies with this process (Linux: PDEATHSIG), and
    a worker that dies without a result resolves its future to a failed ``ExecutorDied`` result.
    """

    name = "local"

    def __init__(self, address: str = "local", max_workers: int = 2, spare: bool = True):
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix="mlops-pipeline-worker")
        self._prctl = _libc_prctl()
        self.processes: dict[str, subprocess.Popen] = {}  # pipeline_run_id -> its running worker
        # One worker started ahead, its imports done, waiting for a spec: a due run starts its
        # kernel at once instead of after ~1-2 s of imports. Each worker still runs one spec only.
        self._spare_wanted = spare
        self._spare: subprocess.Popen | None = None
        self._spare_lock = threading.Lock()
        if spare:
            # Workers are started from the pool's long-lived threads only: Linux delivers
            # PDEATHSIG when the *thread* that started a child exits, not just the process.
            self._pool.submit(self._refill_spare)

    def submit(self, spec: PipelineSpec) -> "Future[PipelineResult]":
        return self._pool.submit(self._run_worker, self._labelled(spec))

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
        with self._spare_lock:
            spare, self._spare, self._spare_wanted = self._spare, None, False
        if spare is not None:
            spare.communicate("")  # an empty spec: the spare exits

    def _start_worker(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "jupyter_mlops.pipelines.worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ), text=True,
            preexec_fn=self._preexec(os.getpid()) if os.name == "posix" else None,
        )

    def _refill_spare(self) -> None:
        with self._spare_lock:
            if self._spare_wanted and self._spare is None:
                self._spare = self._start_worker()

    def _take_worker(self) -> subprocess.Popen:
        with self._spare_lock:
            spare, self._spare = self._spare, None
        worker = spare if spare is not None and spare.poll() is None else self._start_worker()
        self._refill_spare()
        return worker

    def _preexec(self, parent: int):
        prctl = self._prctl

        def die_with_parent() -> None:
            if prctl is not None:
                prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)

        return die_with_parent

    def _run_worker(self, spec: PipelineSpec) -> PipelineResult:
        proc = self._take_worker()
        self.processes[spec.pipeline_run_id] = proc
        try:
            out, err = proc.communicate(json.dumps(spec.to_dict()))
        finally:
            self.processes.pop(spec.pipeline_run_id, None)
        for line in reversed(out.splitlines()):
            if line.startswith(RESULT_PREFIX):
                return PipelineResult.from_dict(json.loads(line[len(RESULT_PREFIX):]))
        if proc.returncode < 0:
            how = f"signal {signal.Signals(-proc.returncode).name}"
        else:
            how = f"exit code {proc.returncode}"
        last = next((ln.strip() for ln in reversed(err.splitlines()) if ln.strip()), "")
        detail = f" ({last[:300]})" if last and proc.returncode > 0 else ""
        return record_executor_died(
            spec, f"the worker process (pid {proc.pid}) ended with {how} before reporting a result{detail}",
            pid=proc.pid)


def record_executor_died(spec: PipelineSpec, message: str, pid: int | None = None) -> PipelineResult:
    """Record (from the submitting process) that ``spec``'s run died with its executor."""
    from ..store import open_store
    from ..tracking.runs import _USER, now_ms
    from .records import spec_fields, write_run_record

    ended = now_ms()
    fields = {**spec_fields(spec), "status": "failed", "queued_at": ended, "ended_at": ended,
              "error_name": "ExecutorDied", "error": message, "user_name": _USER, "host": socket.gethostname()}
    if pid is not None:
        fields["pid"] = pid
    write_run_record(open_store(spec.home), spec.pipeline_run_id, fields)
    return PipelineResult(spec.pipeline_run_id, "failed", error_name="ExecutorDied", error=message)


def _dask_factory(address: str, max_workers: int) -> Executor:
    from .dask_executor import DaskExecutor

    return DaskExecutor(address, max_workers)


register_executor("inline", InlineExecutor)
register_executor("local", LocalExecutor)
register_executor("tcp", _dask_factory)
register_executor("dask", _dask_factory)
