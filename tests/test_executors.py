"""Executors: the local process pool, Dask on a real LocalCluster, the registry, dead workers."""

from __future__ import annotations

import os
import signal
import sys
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

from .conftest import python_code
from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.pipelines import executors
from jupyter_mlops.pipelines.executors import Executor, get_executor, register_executor
from jupyter_mlops.pipelines.runs import get_pipeline_run, list_pipeline_runs
from jupyter_mlops.pipelines.spec import PipelineResult, PipelineSpec
from jupyter_mlops.tracking.search import get_run, search_runs

NOTEBOOKS = Path(__file__).parent / "pipeline_notebooks"


def _wait_until_running(pipeline_run_id: str, seconds: float = 120):
    """Poll the store (each read folds the spools) until the run's kernel has started."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        runs = list_pipeline_runs()
        if pipeline_run_id in runs["pipeline_run_id"].tolist():
            run = get_pipeline_run(pipeline_run_id)
            if run.kernel_started_at is not None:
                return run
        time.sleep(0.2)
    raise AssertionError(f"pipeline run {pipeline_run_id} never got a kernel")


def test_local_pool_runs_two_specs_at_once(home, tmp_path):
    # Each notebook waits for the other's flag file: both finish only if they run concurrently.
    specs = [
        PipelineSpec.new(NOTEBOOKS / "rendezvous.ipynb", {"me": me, "other": other, "folder": str(tmp_path), "wait_s": 90},
                         home=home, name=f"meet-{me}")
        for me, other in (("a", "b"), ("b", "a"))
    ]
    with get_executor("local", max_workers=2) as pool:
        futures = [pool.submit(spec) for spec in specs]
        results = [f.result(timeout=240) for f in futures]
    assert [(r.status, r.error) for r in results] == [("finished", None), ("finished", None)]
    stored = [get_pipeline_run(s.pipeline_run_id) for s in specs]
    assert [(r.status, r.executor) for r in stored] == [("finished", "local"), ("finished", "local")]
    pids = {r.pid for r in stored}
    assert len(pids) == 2 and os.getpid() not in pids  # two worker processes
    assert all("met" in r.output_notebook().cells[-1].outputs[0]["text"] for r in stored)


def test_worker_killed_mid_run_is_executor_died(home):
    spec = PipelineSpec.new(NOTEBOOKS / "sleeps.ipynb", {"seconds": 600}, home=home)
    with get_executor("local", max_workers=1) as pool:
        future = pool.submit(spec)
        running = _wait_until_running(spec.pipeline_run_id)
        assert running.status == "running" and running.pid != os.getpid()
        os.kill(running.pid, signal.SIGKILL)
        result = future.result(timeout=120)
    assert (result.status, result.error_name) == ("failed", "ExecutorDied")
    assert result.error == f"the worker process (pid {running.pid}) ended with signal SIGKILL before reporting a result"
    stored = get_pipeline_run(spec.pipeline_run_id)  # the next read folds both processes' records
    assert (stored.status, stored.error_name, stored.error, stored.pid) == ("failed", "ExecutorDied", result.error, running.pid)
    assert get_run(spec.pipeline_run_id).status == "crashed"  # its tracking run died with the worker


def test_runs_of_a_process_that_died_become_executor_died(home):
    # A process records a running pipeline run, then is SIGKILLed before it can end it.
    code = """
        import os, signal
        from jupyter_mlops.pipelines.records import record_queued, write_run_record, process_fields, spec_fields
        from jupyter_mlops.pipelines.spec import PipelineSpec
        from jupyter_mlops.store import open_store
        from jupyter_mlops.tracking.runs import now_ms
        store = open_store()
        spec = PipelineSpec.new("/nowhere/job.ipynb", home=store.home)
        spec.pipeline_run_id = "deadbeef" * 4
        record_queued(spec)
        write_run_record(store, spec.pipeline_run_id, {**spec_fields(spec), **process_fields(store), "status": "running",
                         "queued_at": now_ms(), "started_at": now_ms()})
        print(os.getpid(), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """
    proc = python_code(code, home)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    pid = int(proc.stdout.split()[0])
    run = get_pipeline_run("deadbeef")
    assert (run.status, run.error_name, run.pid) == ("failed", "ExecutorDied", pid)
    assert run.error.startswith(f"the process running it (pid {pid} on host ")
    assert run.ended_at is not None


def test_dask_executor_on_a_local_cluster(home):
    from distributed import LocalCluster

    spec = PipelineSpec.new(NOTEBOOKS / "params.ipynb", {"alpha": 4.0, "label": "dask"}, home=home, name="on-dask")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        with get_executor(address.replace("tcp://", "dask://")) as pool:
            assert pool.name == address
            result = pool.submit(spec).result(timeout=240)
            worker_pids = set(pool.client.run(os.getpid).values())
    assert (result.status, result.error) == ("finished", None)
    stored = get_pipeline_run(spec.pipeline_run_id)
    assert (stored.status, stored.executor, stored.name) == ("finished", address, "on-dask")
    assert stored.pid in worker_pids and stored.pid != os.getpid()  # it ran on a Dask worker
    children = search_runs(where=f"parent_run_id = '{spec.pipeline_run_id}'")
    assert children[["run_name", "params.label", "metrics.double_alpha"]].values.tolist() == [["inner", "dask", 8.0]]


def test_unreachable_dask_scheduler_names_the_fix():
    from jupyter_mlops.pipelines.dask_executor import DaskExecutor

    with pytest.raises(InvalidInput, match="cannot reach a Dask scheduler at tcp://127.0.0.1:1 .*start one with `dask scheduler`"):
        DaskExecutor("dask://127.0.0.1:1", connect_timeout="1s")


def test_unknown_executor_lists_the_known_ones():
    with pytest.raises(InvalidInput) as caught:
        get_executor("lcoal")
    message = str(caught.value)
    assert message.startswith("unknown executor 'lcoal'; did you mean 'local'?; executors: inline, local, tcp://host:port, dask://host:port")
    with pytest.raises(InvalidInput, match="max_workers must be a whole number >= 1"):
        get_executor("local", max_workers=0)
    with pytest.raises(InvalidInput, match="executor must be a name such as 'local'"):
        get_executor("")
    with pytest.raises(InvalidInput, match="an executor name is a word"):
        register_executor("tcp://x", lambda address, max_workers: None)


class _Recorder(Executor):
    """An executor that runs nothing: it answers every spec with a finished result."""

    name = "recorder"

    def __init__(self, address: str, max_workers: int):
        self.address, self.max_workers = address, max_workers

    def submit(self, spec):
        future: Future = Future()
        future.set_result(PipelineResult(spec.pipeline_run_id, "finished"))
        return future


def test_executors_register_by_name_and_by_entry_point(tmp_path, monkeypatch):
    register_executor("recorder", _Recorder)
    try:
        pool = get_executor("recorder", max_workers=3)
        assert (pool.address, pool.max_workers) == ("recorder", 3)
        assert pool.submit(PipelineSpec.new("x.ipynb", home=tmp_path)).result().status == "finished"
    finally:
        executors._FACTORIES.pop("recorder")
    # A plug-in package declares `[jupyter_mlops.executors] slurm = module:factory` in its metadata.
    (tmp_path / "slurm_plugin.py").write_text(
        "from jupyter_mlops.pipelines.executors import Executor\n\n"
        "class Slurm(Executor):\n"
        "    def __init__(self, address, max_workers):\n"
        "        self.name, self.max_workers = address, max_workers\n")
    dist = tmp_path / "slurm_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: slurm-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[jupyter_mlops.executors]\nslurm = slurm_plugin:Slurm\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(executors, "_entry_points_loaded", False)
    try:
        pool = get_executor("slurm://cluster:6817", max_workers=4)
        assert (type(pool).__name__, pool.name, pool.max_workers) == ("Slurm", "slurm://cluster:6817", 4)
        assert "slurm" in executors.executor_names()
    finally:
        executors._FACTORIES.pop("slurm", None)


def test_worker_module_prints_the_result_for_a_spec_on_stdin(home, tmp_path):
    import json
    import subprocess

    spec = PipelineSpec.new(tmp_path / "missing.ipynb", home=home)
    proc = subprocess.run([sys.executable, "-m", "jupyter_mlops.pipelines.worker"], input=json.dumps(spec.to_dict()),
                          capture_output=True, text=True, timeout=120, env={**os.environ, "MLOPS_HOME": str(home)})
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith(executors.RESULT_PREFIX)
    result = PipelineResult.from_dict(json.loads(last[len(executors.RESULT_PREFIX):]))
    assert (result.pipeline_run_id, result.status, result.error_name) == (spec.pipeline_run_id, "failed", "NotebookNotFound")
    assert get_pipeline_run(spec.pipeline_run_id).error_name == "NotebookNotFound"
