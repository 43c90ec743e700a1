"""Scheduler benchmark: from a cron occurrence being due to its kernel starting.

A real ``jupyter-mlops scheduler`` process (``--interval 1``; the default ``local`` executor, one
worker process per run, and for comparison the ``inline`` executor, threads of the scheduler)
fires a ``* * * * *`` schedule of a two-cell notebook. Time is driven through the scheduler's
clock file: writing the occurrence's time into the file is the moment it becomes due
(``time.time()`` just after the write). A first occurrence warms up (disk caches; the inline
executor's imports) and is not counted. The figure is the median, over a few
occurrences, of ``pipeline_runs.kernel_started_at`` (recorded by the worker once the kernel
process is up) minus that moment; each run finishes before the next occurrence is made due. The
note splits it: due -> queued (the scheduler notices and claims it), queued -> started (the executor
starts the run), started -> kernel started (papermill set-up and the kernel process launch).

Run it:  python benchmarks/run.py --only scheduler [--quick]
One side alone (prints JSON):
    python benchmarks/bench_scheduler.py ours '{"occurrences": 2, "dir": "/tmp/x", "executor": "local"}'
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Row, run_side, side_main, temp_dir  # noqa: E402

SIZES = {"full": {"occurrences": 5}, "quick": {"occurrences": 2}}
TARGET_S = 1.0


def _notebook(path: str) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    params = new_code_cell("alpha = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, new_code_cell("result = alpha * 2")]
    nbformat.write(nb, path)


def _write_clock(path: str, moment) -> None:
    with open(path + ".tmp", "w") as f:
        f.write(moment.isoformat())
    os.replace(path + ".tmp", path)


def ours(sizes: dict) -> dict:
    """One scheduler process; ``occurrences`` cron times made due one after another."""
    from datetime import datetime, timedelta, timezone

    os.environ["MLOPS_LINGER"] = "0"  # this process shares the store file with the scheduler
    from jupyter_mlops.pipelines.schedules import schedule
    from jupyter_mlops.store import open_store

    folder = sizes["dir"]
    notebook, clock = os.path.join(folder, "tiny.ipynb"), os.path.join(folder, "now.txt")
    _notebook(notebook)
    schedule("bench", notebook, "* * * * *")
    start = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(minutes=1)
    _write_clock(clock, start - timedelta(seconds=20))
    env = {**os.environ, "MLOPS_LINGER": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "jupyter_mlops.cli", "scheduler", "--clock-file", clock,
                             "--executor", sizes["executor"]],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = open_store()
    rows = []
    try:
        time.sleep(3.0)  # the scheduler is up and beating
        for minute in range(sizes["occurrences"] + 1):  # the first is a warm-up, not counted
            _write_clock(clock, start + timedelta(minutes=minute))
            due = time.time()
            row = None
            deadline = time.monotonic() + 120
            time.sleep(0.5)  # reading the store takes its lock: stay out of the way while the run starts
            while row is None and time.monotonic() < deadline:
                time.sleep(0.5)
                with store.connect() as con:
                    row = con.execute(
                        "SELECT epoch_ms(queued_at), epoch_ms(started_at), epoch_ms(kernel_started_at) "
                        "FROM pipeline_runs "
                        "WHERE trigger_key = ? AND status IN ('finished', 'failed')",
                        [f"cron:{(start + timedelta(minutes=minute)).isoformat()}"]).fetchone()
                store.release()
            if row is None or row[2] is None:
                raise RuntimeError(f"occurrence {minute} did not run (row {row})")
            queued, started, kernel = (value / 1000 for value in row)
            if minute == 0:
                continue
            rows.append({"due_to_kernel": kernel - due, "due_to_queued": queued - due,
                         "queued_to_started": started - queued, "started_to_kernel": kernel - started})
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return {"occurrences": rows}


SIDES = {"ours": ours}


def _row(rows: list, executor: str, target) -> Row:
    def median(key):
        return statistics.median(r[key] for r in rows)

    each = ", ".join(f"{r['due_to_kernel'] * 1e3:.0f}" for r in rows)
    how = {"local": "local executor: one worker process per run, a spare kept ready with its imports done", "inline": "inline executor: threads of the "
           "scheduler process, papermill already imported after the first run"}[executor]
    note = (f"Median of {len(rows)} occurrences (after one warm-up) of a `* * * * *` schedule fired by a real "
            f"`jupyter-mlops scheduler` process ({how}; --interval 1), time driven by its clock file; "
            f"each: {each} ms. Split (medians): "
            f"due -> queued {median('due_to_queued') * 1e3:.0f} ms (the scheduler notices and claims it), queued -> "
            f"started {median('queued_to_started') * 1e3:.0f} ms (the executor starts the run), "
            f"started -> kernel started {median('started_to_kernel') * 1e3:.0f} ms (papermill set-up and the kernel "
            "process launch).")
    if target is not None:
        note += (" No peer: jupyter-scheduler (the closest tool) runs only inside a Jupyter server and is not "
                 "installed in this environment; installing it would change the project's dependency set.")
    figure = "from an occurrence being due to its kernel starting"
    figure += "" if executor == "local" else f" ({executor} executor)"
    return Row(figure, median("due_to_kernel"), "jupyter-scheduler", None, target, note=note)


def run(quick: bool = False) -> list[Row]:
    """Median time from an occurrence being due to its kernel starting, with the local and inline executors."""
    sizes = SIZES["quick" if quick else "full"]
    out = []
    for executor, target in (("local", TARGET_S), ("inline", None)):
        with temp_dir("scheduler") as folder:
            result = run_side(os.path.abspath(__file__), "ours", {**sizes, "dir": folder, "executor": executor},
                              env={"MLOPS_HOME": os.path.join(folder, "mlops")}, cwd=folder)
        out.append(_row(result["occurrences"], executor, target))
    return out


if __name__ == "__main__":
    side_main(SIDES)
