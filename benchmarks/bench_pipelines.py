"""Pipeline benchmarks: ``run_pipeline`` beside bare papermill, and throughput of the executors.

* **overhead**: the same tiny parameterized notebook (3 code cells, no logging) executed by
  ``papermill.execute_notebook`` and by ``run_pipeline`` (inline: same process, same kernel
  spec), alternating sides in one process after one warm-up of each; the median of N each.
  ``run_pipeline`` adds the notebook check, spool records, a tracking run, storing the
  executed notebook and reading the run back from DuckDB. Target: at most 1.10x papermill.
* **throughput**: N short pipeline runs through the local process pool (2 workers, each run a
  fresh worker process) and through a Dask ``LocalCluster`` (2 worker processes, 1 thread
  each; cluster start excluded), reported as runs per minute. No target: the issue asks for both.

Run it:  python benchmarks/run.py --only pipelines [--quick]
One side alone (prints JSON):  python benchmarks/bench_pipelines.py overhead '{"dir": "/tmp/x", "reps": 3}'
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Row, run_side, side_main, temp_dir  # noqa: E402

SIZES = {"full": {"reps": 11, "runs": 20}, "quick": {"reps": 4, "runs": 4}}
WORKERS = 2


def _notebook(folder: str) -> str:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    parameters = new_code_cell("n = 10")
    parameters.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[parameters, new_code_cell("total = sum(range(n))"), new_code_cell("print(total)")],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = os.path.join(folder, "tiny.ipynb")
    nbformat.write(nb, path)
    return path


# --- child processes (MLOPS_HOME is set by the parent) ----------------------------------------


def overhead(sizes: dict) -> dict:
    import logging
    import warnings

    import papermill

    from jupyter_mlops.pipelines.runs import run_pipeline

    warnings.filterwarnings("ignore")
    logging.getLogger("papermill").setLevel(logging.ERROR)
    notebook = _notebook(sizes["dir"])
    output = os.path.join(sizes["dir"], "bare-out.ipynb")
    execute_notebook, inside = papermill.execute_notebook, []

    def timed_papermill(*args, **kwargs):  # what run_pipeline spends inside papermill
        start = time.perf_counter()
        try:
            return execute_notebook(*args, **kwargs)
        finally:
            inside.append(time.perf_counter() - start)

    papermill.execute_notebook = timed_papermill

    def bare():
        execute_notebook(notebook, output, parameters={"n": 20}, progress_bar=False)

    def ours():
        run = run_pipeline(notebook, {"n": 20})
        assert run.ok, run.error

    timings: dict = {"bare": [], "ours": []}
    bare(), ours()  # warm-up: imports, kernel spec cache, the store's first open
    for rep in range(sizes["reps"]):
        order = (("bare", bare), ("ours", ours)) if rep % 2 == 0 else (("ours", ours), ("bare", bare))
        for side, fn in order:
            start = time.perf_counter()
            fn()
            timings[side].append(time.perf_counter() - start)
    own = [total - papermill_s for total, papermill_s in zip(timings["ours"], inside[1:])]
    return {side: statistics.median(values) for side, values in timings.items()} | {
        "all": timings, "own_s": statistics.median(own)}


def _throughput(executor: str, sizes: dict) -> dict:
    from jupyter_mlops.pipelines.executors import get_executor
    from jupyter_mlops.pipelines.spec import PipelineSpec

    notebook = _notebook(sizes["dir"])
    home = os.environ["MLOPS_HOME"]
    specs = [PipelineSpec.new(notebook, {"n": i}, home=home, name="throughput") for i in range(sizes["runs"])]
    with get_executor(executor, max_workers=WORKERS) as pool:
        start = time.perf_counter()
        results = [f.result() for f in [pool.submit(spec) for spec in specs]]
        elapsed = time.perf_counter() - start
    failed = [r for r in results if not r.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} runs failed, e.g. {failed[0].error_name}: {failed[0].error}")
    return {"elapsed_s": elapsed, "runs_per_min": len(results) / elapsed * 60}


def local_pool(sizes: dict) -> dict:
    return _throughput("local", sizes)


def dask_cluster(sizes: dict) -> dict:
    import logging

    from distributed import LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)
    start = time.perf_counter()
    with LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        started = time.perf_counter() - start
        return _throughput(cluster.scheduler_address, sizes) | {"cluster_start_s": started}


SIDES = {f.__name__: f for f in (overhead, local_pool, dask_cluster)}


# --- parent -----------------------------------------------------------------------------------


def _side(name: str, sizes: dict) -> dict:
    with temp_dir(f"pipelines-{name}") as folder:
        env = {"MLOPS_HOME": os.path.join(folder, "store"), "MLOPS_CAPTURE": "0"}
        return run_side(os.path.abspath(__file__), name, {**sizes, "dir": folder}, env=env, cwd=folder)


def run(quick: bool = False) -> list[Row]:
    """Measure run_pipeline's overhead over papermill, then the local pool's and Dask's throughput."""
    sizes = SIZES["quick" if quick else "full"]
    over = _side("overhead", sizes)
    local = _side("local_pool", sizes)
    dask = _side("dask_cluster", sizes)
    ms = lambda values: ", ".join(f"{v * 1e3:.0f}" for v in values)  # noqa: E731
    return [
        Row("`run_pipeline` (inline) on a 3-cell notebook", over["ours"], "bare papermill", over["bare"],
            1.10 * over["bare"],
            note=(f"Median of {sizes['reps']} runs per side, alternating, in one process after a warm-up of each. "
                  f"run_pipeline (ms): {ms(over['all']['ours'])}; papermill.execute_notebook (ms): "
                  f"{ms(over['all']['bare'])}. Both start a fresh python3 kernel per run, so the machine's noise is "
                  f"in both; run_pipeline's own work outside papermill (check, records, storing the notebook) was "
                  f"{over['own_s'] * 1e3:.0f} ms per run (median). Target: at most 1.10x papermill.")),
        Row(f"throughput, {sizes['runs']} short pipeline runs: local pool ({WORKERS} workers)", local["runs_per_min"],
            "", None, None, unit="runs/min",
            note=(f"{sizes['runs']} runs of the same notebook submitted at once to get_executor('local', max_workers={WORKERS}); "
                  f"each run is its own worker process (a spare one is kept started, its imports done). {local['elapsed_s']:.1f} s in all.")),
        Row(f"throughput, {sizes['runs']} short pipeline runs: Dask LocalCluster ({WORKERS} workers)", dask["runs_per_min"],
            "", None, None, unit="runs/min",
            note=(f"The same {sizes['runs']} runs submitted to a LocalCluster(n_workers={WORKERS}, threads_per_worker=1, "
                  f"processes=True) on 127.0.0.1; workers stay up between runs, so imports (papermill: about 2-3 s "
                  f"here) are paid by each worker's first run only. "
                  f"{dask['elapsed_s']:.1f} s in all; starting the cluster ({dask['cluster_start_s']:.1f} s) is excluded.")),
    ]


if __name__ == "__main__":
    side_main(SIDES)
