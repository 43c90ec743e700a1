"""Pipeline runs: real kernels through papermill on the tiny notebooks in pipeline_notebooks/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import nbformat
import pytest

from jupyter_mlops.errors import InvalidInput, NotFound, PipelineFailed
from jupyter_mlops.pipelines.execute import execute_spec
from jupyter_mlops.pipelines.executors import get_executor
from jupyter_mlops.pipelines.notebooks import cell_positions, check_notebook
from jupyter_mlops.pipelines.records import merge_fields
from jupyter_mlops.pipelines.runs import get_pipeline_run, list_pipeline_runs, run_pipeline
from jupyter_mlops.pipelines.spec import PipelineSpec
from jupyter_mlops.tracking.search import get_run, search_runs

from .conftest import forget_store

NOTEBOOKS = Path(__file__).parent / "pipeline_notebooks"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder whose store is found by the location rule (``.mlops`` in it, no MLOPS_HOME)."""

    folder = tmp_path / "project"
    (folder / ".mlops").mkdir(parents=True)
    monkeypatch.setenv("MLOPS_HOME", str(folder / ".mlops"))
    yield folder
    forget_store((folder / ".mlops").absolute())


def test_run_with_parameters_hands_the_store_to_the_kernel_and_links_child_runs(project, tmp_path):
    elsewhere = tmp_path / "elsewhere" / "notebooks"
    elsewhere.mkdir(parents=True)
    notebook = shutil.copy(NOTEBOOKS / "params.ipynb", elsewhere)
    code = f"""
        import asyncio, json
        from jupyter_mlops.pipelines.runs import run_pipeline

        async def main():  # an event loop is running here, as in a Jupyter kernel
            return run_pipeline({str(notebook)!r}, {{"alpha": 1.5, "label": "from-test"}}, name="retrain",
                                output="out.ipynb")

        print(json.dumps({{"id": asyncio.run(main()).id}}))
    """
    env = {k: v for k, v in os.environ.items() if k not in ("MLOPS_HOME", "MLOPS_PARENT_RUN_ID", "MLOPS_EXPERIMENT")}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=project, env={**env, "MLOPS_CAPTURE": "0"},
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = get_pipeline_run(json.loads(proc.stdout.strip().splitlines()[-1])["id"])

    assert (run.status, run.name, run.parameters, run.trigger, run.attempt) == (
        "finished", "retrain", {"alpha": 1.5, "label": "from-test"}, "manual", 1)
    assert run.started_at <= run.kernel_started_at <= run.ended_at
    assert run.failed_cell is None and run.error is None and run.warnings == []
    # The kernel ran in the notebook's folder, logged into the project's store, not a new one.
    children = run.runs()
    assert children["run_name"].tolist() == ["inner"]
    child = children.iloc[0]
    assert (child["params.label"], child["metrics.double_alpha"], child["experiment"]) == ("from-test", 3.0, "retrain")
    assert child["tags.store"] == str(project / ".mlops")
    assert child["tags.cwd"] == str(elsewhere)
    assert not (elsewhere / ".mlops").exists() and not (tmp_path / "elsewhere" / ".mlops").exists()
    # The pipeline's own tracking run shares its id and carries params, tags and the notebook.
    tracked = get_run(run.id)
    assert (tracked.status, tracked.experiment, tracked.params) == ("finished", "retrain", {"alpha": "1.5", "label": "from-test"})
    assert {k: tracked.tags[k] for k in ("mlops.pipeline", "mlops.trigger", "mlops.attempt")} == {
        "mlops.pipeline": "retrain", "mlops.trigger": "manual", "mlops.attempt": "1"}
    assert tracked.tags["mlops.notebook"] == str(Path(notebook).absolute())
    assert [(a["path"], a["sha256"]) for a in tracked.artifacts] == [("notebook.ipynb", run.output_sha256)]
    # The executed notebook: stored, and written to `output` (relative to the caller's folder).
    executed = run.output_notebook()
    assert nbformat.read(project / "out.ipynb", as_version=4) == executed
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert "label = \"from-test\"" in injected[0].source
    last = executed.cells[-1]
    assert last.outputs[0]["text"].strip() == children.iloc[0]["run_id"]


def test_failing_cell_is_recorded_with_its_executed_notebook(home):
    with pytest.warns(UserWarning, match='fails.ipynb has no cell tagged "parameters"'):
        with pytest.raises(PipelineFailed) as caught:
            run_pipeline(NOTEBOOKS / "fails.ipynb", {"threshold": 3})
    run = caught.value.run
    short = run.id[:8]
    assert str(caught.value) == (
        f"pipeline run {short} (fails) failed in cell 2: ZeroDivisionError: division by zero; "
        f"the executed notebook is kept: get_pipeline_run('{short}').output_notebook()")
    stored = get_pipeline_run(short)
    assert (stored.status, stored.failed_cell, stored.error_name, stored.error) == (
        "failed", 2, "ZeroDivisionError", "ZeroDivisionError: division by zero")
    assert stored == run  # the run returned at once is what the store holds once folded
    assert stored.warnings == ['notebook fails.ipynb has no cell tagged "parameters"; papermill will insert the values at the top']
    # Cell 2 of the input notebook is the failing one; the executed copy keeps papermill's marks.
    source = nbformat.read(NOTEBOOKS / "fails.ipynb", as_version=4)
    assert "x / 0" in source.cells[stored.failed_cell].source
    executed = stored.output_notebook()
    failing = next(c for c in executed.cells if "x / 0" in c.source)
    assert [o["output_type"] for o in failing.outputs] == ["stream", "error"]
    assert failing.outputs[1]["ename"] == "ZeroDivisionError"
    assert any("papermill-error-cell-tag" in c.metadata.get("tags", []) for c in executed.cells)
    assert next(c for c in executed.cells if "never reached" in c.source).outputs == []
    assert executed.cells[0].source and "threshold = 3" in executed.cells[1].source
    # The tracking run failed too; the listing shows the run, and a summary names the error.
    assert (get_run(run.id).status, get_run(run.id).error) == ("failed", "ZeroDivisionError: division by zero")
    listed = list_pipeline_runs(name="fails", status="failed")
    assert listed["pipeline_run_id"].tolist() == [run.id]
    assert listed.loc[0, "parameters"] == {"threshold": 3} and listed.loc[0, "failed_cell"] == 2
    assert "ZeroDivisionError: division by zero" in stored.summary()
    assert repr(stored).startswith(f"<PipelineRun {short} fails: failed in cell 2 (ZeroDivisionError)")


def test_timeout_kills_the_kernel_and_names_the_cell(home):
    spec = PipelineSpec.new(NOTEBOOKS / "sleeps.ipynb", {"seconds": 600}, home=home, timeout=12)
    with get_executor("inline") as pool:
        result = pool.submit(spec).result(timeout=120)
    assert (result.status, result.error_name, result.failed_cell) == ("failed", "Timeout", 2)
    assert result.error == "timed out after 12 s (in cell 2)"
    stored = get_pipeline_run(spec.pipeline_run_id)
    assert (stored.status, stored.error, stored.executor) == ("failed", "timed out after 12 s (in cell 2)", "inline")
    assert get_run(spec.pipeline_run_id).status == "failed"
    assert stored.output_sha256 == result.output_sha256 is not None


def test_kernel_that_dies_is_a_failed_run(home):
    run = run_pipeline(NOTEBOOKS / "kills_kernel.ipynb", executor="local", raise_on_error=False)
    assert (run.status, run.error_name, run.failed_cell, run.executor) == ("failed", "KernelDied", 1, "local")
    assert run.error.startswith("the kernel died in cell 1")
    assert run.pid != os.getpid()  # it ran in a worker process
    assert get_run(run.id).status == "failed"


def test_unknown_parameter_is_refused_before_anything_is_recorded(home):
    with pytest.raises(InvalidInput) as caught:
        run_pipeline(NOTEBOOKS / "params.ipynb", {"alhpa": 0.1})
    assert str(caught.value) == ("params.ipynb has no parameter 'alhpa'; did you mean 'alpha'?; "
                                 "its parameters cell assigns: alpha, label")
    assert list_pipeline_runs().empty
    assert search_runs().empty


def test_missing_notebook_is_not_found_with_a_suggestion(home, tmp_path):
    with pytest.raises(NotFound, match=r"notebook '.*param\.ipynb' does not exist; did you mean 'params\.ipynb'\?"):
        run_pipeline(NOTEBOOKS / "param.ipynb")
    with pytest.raises(NotFound, match="there is no folder"):
        check_notebook(tmp_path / "nowhere" / "x.ipynb")
    assert list_pipeline_runs().empty


@pytest.mark.parametrize("kwargs, match", [
    ({"parameters": [1, 2]}, "parameters must be a dict"),
    ({"parameters": {"not an identifier": 1}}, "parameter names must be Python identifiers"),
    ({"parameters": {"alpha": {1, 2}}}, "parameter 'alpha' is a set; pipeline parameters are JSON values"),
    ({"timeout": 0}, "timeout is in seconds and must be a number > 0"),
    ({"timeout": True}, "timeout is in seconds"),
    ({"name": ""}, "pipeline name must be 1-250 characters"),
    ({"experiment": "a\nb"}, "experiment must be 1-250 characters"),
    ({"output": "no/such/folder/out.ipynb"}, "there is no folder"),
    ({"kernel": "pyhton3"}, "kernel 'pyhton3' is not installed; did you mean 'python3'\\?; installed kernels: .*python3"),
    ({"executor": "lcoal"}, "unknown executor 'lcoal'; did you mean 'local'\\?"),
])
def test_bad_options_are_refused(home, kwargs, match):
    parameters = kwargs.pop("parameters", None)
    with pytest.raises(InvalidInput, match=match):
        run_pipeline(NOTEBOOKS / "params.ipynb", parameters, **kwargs)
    assert list_pipeline_runs().empty


def test_files_that_are_not_runnable_notebooks(home, tmp_path):
    (tmp_path / "script.py").write_text("print(1)\n")
    (tmp_path / "broken.ipynb").write_text("{not json")
    bare = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    nbformat.write(bare, tmp_path / "no_kernel.ipynb")
    with pytest.raises(InvalidInput, match="is not a Jupyter notebook"):
        check_notebook(tmp_path / "script.py")
    with pytest.raises(InvalidInput, match="is a folder"):
        check_notebook(tmp_path)
    with pytest.raises(InvalidInput, match="cannot read notebook .*broken.ipynb"):
        check_notebook(tmp_path / "broken.ipynb")
    with pytest.raises(InvalidInput, match="no_kernel.ipynb names no kernel; pass kernel= one of: .*python3"):
        check_notebook(tmp_path / "no_kernel.ipynb")
    assert check_notebook(tmp_path / "no_kernel.ipynb", kernel="python3") == []


def test_check_notebook_warns_when_there_is_no_parameters_cell(home):
    with pytest.warns(UserWarning, match='kills_kernel.ipynb has no cell tagged "parameters"'):
        found = check_notebook(NOTEBOOKS / "kills_kernel.ipynb", {"anything": 1})
    assert found == ['notebook kills_kernel.ipynb has no cell tagged "parameters"; papermill will insert the values at the top']
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_notebook(NOTEBOOKS / "params.ipynb", {"alpha": 2}) == []


def test_notebook_gone_at_execution_time_is_a_recorded_failure(home, tmp_path):
    notebook = shutil.copy(NOTEBOOKS / "params.ipynb", tmp_path / "soon_gone.ipynb")
    spec = PipelineSpec.new(notebook, {"alpha": 1}, home=home)
    os.unlink(notebook)
    result = execute_spec(spec)
    assert (result.status, result.error_name, result.output_sha256) == ("failed", "NotebookNotFound", None)
    stored = get_pipeline_run(spec.pipeline_run_id[:6])
    assert stored.error_name == "NotebookNotFound" and "soon_gone.ipynb' does not exist" in stored.error
    assert get_run(spec.pipeline_run_id).status == "failed"
    with pytest.raises(NotFound, match="has no executed notebook: it never got to run it"):
        stored.output_notebook()
    assert get_pipeline_run("soon_gone").id == spec.pipeline_run_id  # a name finds its latest run


def test_reading_pipeline_runs_refuses_bad_queries(home, tmp_path):
    notebook = shutil.copy(NOTEBOOKS / "params.ipynb", tmp_path / "retrain.ipynb")
    spec = PipelineSpec.new(notebook, home=home)
    os.unlink(notebook)
    execute_spec(spec)
    with pytest.raises(NotFound, match="no pipeline run 'retrian'; did you mean 'retrain'\\?"):
        get_pipeline_run("retrian")
    with pytest.raises(InvalidInput, match="a pipeline run is named by its id"):
        get_pipeline_run("")
    with pytest.raises(NotFound, match="no pipeline runs named 'retrian'; did you mean 'retrain'\\?; pipelines: retrain"):
        list_pipeline_runs(name="retrian")
    with pytest.raises(InvalidInput, match="status must be one of queued, running, finished, failed, got 'faild'"):
        list_pipeline_runs(status="faild")
    with pytest.raises(InvalidInput, match="limit must be a whole number"):
        list_pipeline_runs(limit=0)
    assert list_pipeline_runs(status="finished").empty
    html = get_pipeline_run("retrain")._repr_html_()
    assert "<table>" in html and "&#x27;" in html and "<script" not in html


def test_records_merge_the_same_whatever_order_they_fold_in():
    from itertools import permutations

    queued = {"name": "n", "status": "queued", "queued_at": 100, "writer": "scheduler", "scheduler_id": "s1"}
    running = {"name": "n", "status": "running", "queued_at": 150, "started_at": 150, "writer": "worker", "pid": 7}
    kernel = {"kernel_started_at": 160}
    worker_end = {"status": "failed", "ended_at": 300, "error_name": "KernelDied", "error": "died", "failed_cell": 1}
    pool_end = {"status": "failed", "ended_at": 310, "error_name": "ExecutorDied", "error": "worker gone", "queued_at": 310}
    results = []
    for order in permutations([queued, running, worker_end, pool_end]):
        row: dict = {}
        for fields in order:
            merge_fields(row, dict(fields))
            if fields is running:  # the same process writes it next
                merge_fields(row, dict(kernel))
        results.append(row)
    for row in results:
        assert (row["status"], row["error_name"], row["failed_cell"], row["queued_at"]) == ("failed", "KernelDied", 1, 100)
        assert (row["writer"], row["pid"], row["scheduler_id"], row["kernel_started_at"]) == ("worker", 7, "s1", 160)


def test_cell_positions_map_executed_cells_to_the_input_notebook():
    nb = nbformat.read(NOTEBOOKS / "params.ipynb", as_version=4)
    assert cell_positions(nb, {}) == [0, 1, 2]
    assert cell_positions(nb, {"alpha": 1}) == [0, 1, None, 2]  # injected after the parameters cell
    plain = nbformat.read(NOTEBOOKS / "fails.ipynb", as_version=4)
    assert cell_positions(plain, {"x": 1}) == [None, 0, 1, 2, 3]  # no parameters cell: injected on top
