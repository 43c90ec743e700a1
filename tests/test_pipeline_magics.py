"""``%mlops pipeline`` and ``%mlops schedule`` in a real in-process IPython shell, real kernels via papermill."""

from __future__ import annotations

import nbformat
import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

import jupyter_mlops as ml


@pytest.fixture
def cell(shell, home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def run(source: str):
        with capture_output() as captured:
            result = shell.run_cell(source, store_history=True)
        return result, captured

    return run


@pytest.fixture
def notebook(tmp_path):
    """A two-cell notebook: a parameters cell and one that logs a run (or fails when asked)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("alpha = 0.5\nfail = False", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import jupyter_mlops as ml\n"
                                  "with ml.start_run('inner'):\n    ml.log_metric('alpha_seen', alpha)\n"
                                  "assert not fail, 'asked to fail'"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "job.ipynb"
    nbformat.write(nb, path)
    return path


def _one_line_error(result, out, message):
    shown = (out.stderr + out.stdout).strip()
    assert isinstance(result.error_in_exec, UsageError), shown
    assert message in shown and len(shown.splitlines()) == 1, shown


def test_pipeline_run_then_show_summarises_and_links_the_executed_notebook(cell, notebook, tmp_path):
    result, _ = cell(f"%mlops pipeline run {notebook} -p alpha=0.25")
    run = result.result
    assert run.status == "finished" and run.parameters == {"alpha": 0.25}
    inner = ml.sql("SELECT r.parent_run_id FROM runs r JOIN latest_metrics m USING (run_id) "
                   "WHERE m.key = 'alpha_seen' AND m.value = 0.25")
    assert inner["parent_run_id"].tolist() == [run.id]

    result, _ = cell(f"%mlops pipeline show {run.short_id}")
    summary = result.result
    assert summary.link == f"pipeline-outputs/job-{run.short_id}.ipynb"
    saved = nbformat.read(tmp_path / summary.link, as_version=4)
    assert "alpha = 0.25" in "".join(c.source for c in saved.cells)
    html = summary._repr_html_()
    assert summary.link in html and "finished" in html and "import jupyter_mlops as ml" in html

    result, _ = cell("%mlops pipeline list")
    assert result.result["pipeline_run_id"].tolist() == [run.id]


def test_a_failing_pipeline_is_one_line_naming_the_cell(cell, notebook):
    result, out = cell(f"%mlops pipeline run {notebook} -p fail=true")
    _one_line_error(result, out, "failed in cell 1")
    failed = ml.list_pipeline_runs(status="failed")
    assert len(failed) == 1 and failed["failed_cell"][0] == 1
    result, _ = cell(f"%mlops pipeline show {failed['pipeline_run_id'][0]}")
    assert "AssertionError: asked to fail" in result.result._repr_html_()


@pytest.mark.parametrize(
    "line,message",
    [
        ("%mlops pipeline run {nb} -p alpah=1", "did you mean 'alpha'"),
        ("%mlops pipeline run {nb} -p =1", "key=value"),
        ("%mlops pipeline run nowhere.ipynb", "nowhere.ipynb"),
        ("%mlops pipeline show feedbeef", "no pipeline run"),
        ("%mlops pipeline run", "usage: %mlops pipeline run NOTEBOOK"),
        ("%mlops schedule add nightly {nb} --cron '0 25 * * *'", "hour"),
        ("%mlops schedule add nightly {nb} --cron '0 6 * * *' --timezone Europe/Pariss", "Europe/Paris"),
        ("%mlops schedule pause nope", "no schedule 'nope'"),
        ("%mlops schedule add live {nb} --on-drift-dataset w --on-drift-predictions m@champion", "not both"),
        ("%mlops schedule add live {nb} --drift-threshold 0.5", "go with a drift source"),
        ("%mlops schedule frobnicate", "invalid choice"),
    ],
)
def test_bad_input_is_one_line(cell, notebook, line, message):
    result, out = cell(line.format(nb=notebook))
    _one_line_error(result, out, message)
    assert ml.list_pipeline_runs().empty


def test_schedule_add_list_pause_resume_run_remove(cell, notebook):
    from jupyter_mlops.store import open_store

    _, out = cell(f"%mlops schedule add nightly {notebook} --cron '0 6 * * *' -p alpha=2 --retries 1")
    assert "scheduled nightly" in out.stdout
    result, _ = cell("%mlops schedule list")
    row = result.result.set_index("name").loc["nightly"]
    assert "0 6 * * *" in row["triggers"] and bool(row["enabled"])
    cell("%mlops schedule pause nightly")
    assert not bool(ml.list_schedules().set_index("name").loc["nightly", "enabled"])
    cell("%mlops schedule resume nightly")
    assert bool(ml.list_schedules().set_index("name").loc["nightly", "enabled"])
    _, out = cell("%mlops schedule run nightly")
    assert "nightly" in out.stdout
    with open_store().connect() as con:
        assert con.execute("SELECT count(*) FROM schedule_requests WHERE schedule = 'nightly'").fetchone()[0] == 1
    result, _ = cell("%mlops schedule status")
    assert result.result["alive"] is False
    cell("%mlops schedule remove nightly")
    assert ml.list_schedules().empty
