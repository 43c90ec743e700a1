"""Notebook overheads: `%load_ext jupyter_mlops` and `%%mlops run` on an empty cell.

Each side runs in its own child process with a real in-process IPython shell:

- load: ours times ``%load_ext jupyter_mlops`` in a fresh interpreter (IPython already
  imported, as in a kernel); the peer times ``import mlflow``, MLflow's first step in a notebook.
- cell overhead: median wall time of running an empty cell inside a run minus the same empty
  cell without one. Ours: ``%%mlops run`` (with reproducibility capture on, as users get it);
  MLflow: ``with mlflow.start_run(): pass`` against a sqlite store.

    python benchmarks/run.py --only notebook
"""

from __future__ import annotations

import statistics
import time

from _common import Row, run_side, side_main, temp_dir


def _shell():
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


def _cell_overhead(shell, cell: str, repeat: int) -> float:
    def median(source):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            result = shell.run_cell(source, store_history=True)
            times.append(time.perf_counter() - start)
            assert result.success, result.error_in_exec
        return statistics.median(times)

    median("pass")  # warm-up
    median(cell)
    return median(cell) - median("pass")


def ours(sizes: dict) -> dict:
    shell = _shell()
    start = time.perf_counter()
    shell.run_line_magic("load_ext", "jupyter_mlops")
    load = time.perf_counter() - start
    return {"load": load, "cell": _cell_overhead(shell, "%%mlops run\npass", sizes["repeat"])}


def peer(sizes: dict) -> dict:
    shell = _shell()
    start = time.perf_counter()
    import mlflow

    load = time.perf_counter() - start
    mlflow.set_tracking_uri(f"sqlite:///{sizes['folder']}/mlflow.db")
    mlflow.set_experiment("bench")
    return {"load": load, "cell": _cell_overhead(shell, "import mlflow\nwith mlflow.start_run():\n    pass", sizes["repeat"])}


def run(quick: bool = False) -> list[Row]:
    repeat = 20 if quick else 100
    with temp_dir("notebook") as folder:
        sizes = {"repeat": repeat, "folder": folder}
        mine = run_side(__file__, "ours", sizes, env={"MLOPS_HOME": f"{folder}/store"}, cwd=folder)
        theirs = run_side(__file__, "peer", sizes, cwd=folder)
    return [
        Row("`%load_ext jupyter_mlops`", mine["load"], "MLflow 3.x", theirs["load"], 0.300,
            note="Fresh interpreter with IPython loaded; MLflow's figure is `import mlflow`, its first step in a notebook."),
        Row("`%%mlops run` on an empty cell (overhead)", mine["cell"], "MLflow 3.x", theirs["cell"], 0.030,
            note=f"Median of {repeat} runs of the cell minus the same empty cell without tracking; capture on. "
                 "MLflow: `with mlflow.start_run(): pass` in the cell, sqlite store."),
    ]


if __name__ == "__main__":
    side_main({"ours": ours, "peer": peer})
