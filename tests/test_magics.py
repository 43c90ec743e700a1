"""The magics in a real in-process IPython shell against a real store."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

import jupyter_mlops as ml
from jupyter_mlops.store import open_store


@pytest.fixture
def cell(shell, home):
    """Run a cell as a user would; return (result, captured output)."""

    def run(source: str):
        with capture_output() as captured:
            result = shell.run_cell(source, store_history=True)
        return result, captured

    return run


def _only_run(experiment=None):
    frame = ml.search_runs(experiment)
    assert len(frame) == 1
    return ml.get_run(frame["run_id"][0])


def _artifact(run, path):
    sha = next(a["sha256"] for a in run.artifacts if a["path"] == path)
    return open_store().blobs.path(sha).read_text()


def test_help_lists_every_subcommand_and_explains_each(shell, cell):
    _, out = cell("%mlops")
    from jupyter_mlops.notebook.commands import COMMANDS

    for name, fn in COMMANDS.items():
        summary = fn.parser.description.strip().splitlines()[0]
        assert f"  {name:<11} {summary}" in out.stdout.splitlines(), (name, out.stdout)
    _, out = cell("%mlops help run")
    assert "--param" in out.stdout and "--autolog" in out.stdout
    doc = shell.find_magic("mlops").__doc__
    assert "%mlops runs" in doc and "--where" in doc


CELL = """%%mlops run --name trained --param lr=0.1 --param depth=3 --experiment cells
import jupyter_mlops as ml
for step in range(4):
    ml.log_metric("loss", 1 / (step + 1))
ml.set_tag("kind", "demo")
"""


def test_cell_run_records_source_count_duration_params_and_logs(cell):
    result, _ = cell(CELL)
    assert result.success
    run = _only_run("cells")
    assert (run.name, run.status) == ("trained", "finished")
    assert run.params == {"lr": "0.1", "depth": "3"}
    assert run.metrics["loss"] == 0.25 and run.metrics["cell.duration_s"] >= 0
    assert run.tags["kind"] == "demo"
    assert run.tags["mlops.cell.execution_count"] == str(result.execution_count)
    assert _artifact(run, "code/cell.py") == CELL.split("\n", 1)[1]
    assert len(ml.metric_history(run.run_id, "loss")) == 4


def test_cell_value_is_displayed_as_output(cell):
    result, _ = cell("%%mlops run\n40 + 2")
    assert result.result == 42


def test_rerunning_an_erroring_cell_starts_fresh_runs_and_never_errors_itself(cell):
    failing = "%%mlops run --name flaky --experiment retry\nraise ValueError('bad data')"
    for _ in range(2):
        result, _ = cell(failing)
        assert isinstance(result.error_in_exec, ValueError)  # the user's own error, shown as usual
    result, _ = cell("%%mlops run --name flaky --experiment retry\nx = 1")
    assert result.success
    frame = ml.search_runs("retry", order_by="start_time")
    assert frame["status"].tolist() == ["failed", "failed", "finished"]
    failed = ml.get_run(frame["run_id"][0])
    assert failed.error == "ValueError: bad data"
    assert "ValueError: bad data" in _artifact(failed, "error/traceback.txt")
    assert ml.active_run() is None


def test_live_chart_appears_only_when_the_cell_logs_metrics(cell):
    _, out = cell("%%mlops run\npass")
    assert out.outputs == []
    _, out = cell("%%mlops run\nimport jupyter_mlops as ml\nfor i in range(3): ml.log_metric('acc', i / 3)")
    bundles = [o.data for o in out.outputs]
    assert any("application/vnd.jupyter.widget-view+json" in b and "<svg" in b.get("text/html", "") for b in bundles)


def test_experiment_runs_compare_sql_info(cell):
    cell("%mlops experiment magic-exp")
    for name in ("a", "b"):
        cell(f"%%mlops run --name {name} --param model={name}\nimport jupyter_mlops as ml\nml.log_metric('acc', {0.5 if name == 'a' else 0.9})")
    assert set(ml.search_runs("magic-exp")["run_name"]) == {"a", "b"}
    table, _ = cell("%mlops runs --where \"metrics.acc > 0.6\"")
    assert "b" in table.result.to_html() and ">a<" not in table.result.to_html()
    view, _ = cell("%mlops compare a b")
    assert type(view.result).__name__ == "CompareView"
    frame, _ = cell("%mlops sql SELECT run_name FROM runs WHERE run_name = 'b'")
    assert frame.result["run_name"].tolist() == ["b"]
    frame, _ = cell("%%mlops sql\nSELECT count(*) AS n FROM runs")
    assert frame.result["n"][0] == 2
    _, out = cell("%mlops info")
    assert str(open_store().home) in out.stdout


def test_notebook_context_and_code_history_are_captured(cell, shell, monkeypatch):
    monkeypatch.setenv("MLOPS_CAPTURE", "1")
    shell.user_ns["__session__"] = "/work/analysis/churn.ipynb"
    try:
        cell("prepared = 'step one'")
        cell("%%mlops run --name with-context\nx = prepared")
    finally:
        del shell.user_ns["__session__"]
    run = _only_run()
    assert run.tags["mlops.source.type"] == "notebook"
    assert run.tags["mlops.source.notebook"] == "/work/analysis/churn.ipynb"
    history = _artifact(run, "code/history.py")
    assert history.index("prepared = 'step one'") < history.index("%%mlops run --name with-context")


@pytest.mark.parametrize(
    "source,message",
    [
        ("%mlops experimnt", "did you mean 'experiment'"),
        ("%mlops runs --whre x", "did you mean --where"),
        ("%mlops runs --where \"metrics.a >> 1\"", "unexpected token '>>'"),
        ("%mlops runs -e nope-exp", "no experiment 'nope-exp'"),
        ("%mlops runs --max many", "invalid int value"),
        ("%mlops compare", "required"),
        ("%mlops compare nope1 nope2", "no run 'nope1'"),
        ("%mlops autolog maybe", "invalid choice"),
        ("%mlops experiment ''", "experiment name"),
        ("%mlops sql SELECT * FROM nope", "SQL error"),
        ("%mlops info extra", "unrecognized arguments"),
        ("%mlops help nope", "no subcommand 'nope'"),
        ("%mlops run", "cell magic"),
        ("%%mlops info\nx", "not a cell magic"),
        ("%%mlops run --param lr\nx = 1", "key=value"),
        ("%%mlops run --bogus\nx = 1", "unrecognized arguments"),
    ],
)
def test_bad_input_is_one_line_usage_error_naming_the_fix(cell, capsys, source, message):
    result, out = cell(source)
    assert isinstance(result.error_in_exec or result.error_before_exec, UsageError)
    shown = (out.stderr + out.stdout).strip()
    assert message in shown
    assert "Traceback" not in shown and len(shown.splitlines()) == 1, shown
    assert ml.active_run() is None


def test_export_rebuilds_a_notebook_of_the_run_code_with_its_environment(cell, monkeypatch, tmp_path):
    import nbformat
    from click.testing import CliRunner

    from jupyter_mlops.cli import main

    monkeypatch.setenv("MLOPS_CAPTURE", "1")
    cell("base = 10")
    cell("%%mlops run --name exported\nresult = base * 2")
    from jupyter_mlops.tracking import environment

    environment.wait_for_capture()
    target = tmp_path / "rebuilt.ipynb"
    outcome = CliRunner().invoke(main, ["export", "exported", "--notebook", str(target)])
    assert outcome.exit_code == 0, outcome.output
    nb = nbformat.read(str(target), as_version=4)
    sources = [c.source for c in nb.cells]
    assert "# Environment recorded for run 'exported'" in sources[1]
    assert "duckdb==" in sources[1].lower()
    assert sources.index("base = 10") < sources.index("%%mlops run --name exported\nresult = base * 2")
    bad = CliRunner().invoke(main, ["export", "exported", "--notebook", str(tmp_path / "x.txt")])
    assert bad.exit_code == 2 and ".ipynb" in bad.output


def test_export_of_a_run_without_code_says_why(home, tmp_path):
    from click.testing import CliRunner

    from jupyter_mlops.cli import main

    with ml.start_run("scripted"):
        pass
    outcome = CliRunner().invoke(main, ["export", "scripted", "--notebook", str(tmp_path / "x.ipynb")])
    assert outcome.exit_code == 2 and "recorded no code" in outcome.output


def test_dataset_magics_register_list_show_diff_lineage(cell, shell):
    import pandas as pd

    shell.user_ns["churn_df"] = pd.DataFrame({"age": [30, 40, 50, 60], "plan": ["a", "b", "a", "<img src=x onerror=alert(1)>"]})
    result, out = cell("%mlops dataset register churn_df --name churn --description first")
    assert "registered churn@1: 4 rows x 2 columns" in out.stdout
    assert "<svg" in result.result.to_html()
    shell.user_ns["churn_df2"] = shell.user_ns["churn_df"].assign(age=[70, 80, 90, 99])
    cell("%mlops dataset register churn_df2 --name churn")
    listed, _ = cell("%mlops dataset list")
    assert listed.result[["name", "latest_version"]].values.tolist() == [["churn", 2]]
    shown, _ = cell("%mlops dataset show churn@1")
    html = shown.result.to_html()
    assert "&lt;img src=x" in html and "<img" not in html
    diff, _ = cell("%mlops dataset diff churn@1 churn@2")
    assert diff.result.columns.set_index("column").loc["age", "shifted"]
    _, out = cell("%mlops dataset lineage churn@2")
    assert "dataset churn@2" in out.stdout


@pytest.mark.parametrize(
    "source,message",
    [
        ("%mlops dataset register churn_missing", "give the dataset a name"),
        ("%mlops dataset register nothing_here --name x", "neither an existing"),
        ("%mlops dataset show", "takes 1 argument"),
        ("%mlops dataset show nope@1", "no dataset 'nope'"),
        ("%mlops dataset frobnicate", "invalid choice"),
    ],
)
def test_dataset_magic_bad_input_is_one_line(cell, source, message):
    result, out = cell(source)
    shown = (out.stderr + out.stdout).strip()
    assert isinstance(result.error_in_exec, UsageError) and message in shown and len(shown.splitlines()) == 1, shown


def test_drift_magic_checks_a_dataset_against_a_frame(shell, cell):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"age": rng.normal(40, 10, 800), "plan": rng.choice(["basic", "pro"], 800),
                              "<b>x</b>": rng.random(800)})
    ml.register_dataset(reference, "churn")
    shell.user_ns["df_new"] = reference.assign(age=reference["age"] + 8)
    result, _ = cell("%mlops drift churn@1 df_new --columns age plan --method plan=chisquare")
    view = result.result
    assert view.report.drifted_columns == ["age"] and {c.method for c in view.report.columns} == {"ks", "chisquare"}
    assert "age" in view.to_html() and ml.drift_history("churn")["report_id"].tolist() == [view.report.report_id]
    result, _ = cell("%mlops drift churn@1 df_new --method psi --no-save")
    assert {c.method for c in result.result.report.columns} == {"psi"} and len(ml.drift_history("churn")) == 1
    assert "&lt;b&gt;x&lt;/b&gt;" in result.result.to_html()
    _, out = cell("%mlops help drift")
    assert "--columns" in out.stdout and "--method" in out.stdout


@pytest.mark.parametrize(
    "source,message",
    [
        ("%mlops drift churn@1", "the following arguments are required: current"),
        ("%mlops drift churn@1 df_new --method kss", "no drift method 'kss'; did you mean 'ks'?"),
        ("%mlops drift churn@1 df_new --columns tenure", "column 'tenure' is not in the reference data"),
        ("%mlops drift churn@1 empty_df", "has no rows"),
    ],
)
def test_drift_magic_bad_input_is_one_line(shell, cell, source, message):
    import pandas as pd

    ml.register_dataset(pd.DataFrame({"age": [1.0, 2.0, 3.0, 4.0]}), "churn")
    shell.user_ns["df_new"] = pd.DataFrame({"age": [2.0, 3.0]})
    shell.user_ns["empty_df"] = pd.DataFrame({"age": pd.Series([], dtype=float)})
    result, out = cell(source)
    shown = (out.stderr + out.stdout).strip()
    assert isinstance(result.error_in_exec, UsageError) and message in shown and len(shown.splitlines()) == 1, shown


# -- %mlops model ---------------------------------------------------------------------------------
def _cancer():
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X, y


def test_model_magics_register_show_promote_rollback_compare_evaluate(cell, shell):
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _cancer()
    shell.user_ns.update(X=X, holdout=X.assign(target=y),
                         weak=DummyClassifier().fit(X, y),
                         strong=make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y))
    cell("%%mlops run --name fit\nimport jupyter_mlops as ml\nml.log_metric('val_acc', 0.9)\n"
         "_ = ml.register_model(weak, 'cancer')")
    _, out = cell("%mlops model register strong --name cancer --example X --description 'second try'")
    assert "registered cancer/2 (sklearn, no run)" in out.stdout
    _, out = cell("%mlops model promote cancer 1 --alias champion --reason 'first <b>model</b>'")
    assert "cancer@champion (new) -> v1 (promote by" in out.stdout
    cell("%mlops model promote cancer 2 -a challenger")
    result, _ = cell("%mlops model compare cancer --data holdout --target target --primary accuracy "
                     "--min-improvement 0.1 --guard f1:0.01 --promote --reason nightly")
    decision = result.result
    assert decision.passed and decision.promoted and [c["metric"] for c in decision.checks] == ["accuracy", "f1"]
    assert ml.get_model_version("cancer@champion").version == 2
    _, out = cell("%mlops model rollback cancer --reason 'too slow'")
    assert "cancer@champion v2 -> v1 (rollback by" in out.stdout and "too slow" in out.stdout
    history, _ = cell("%mlops model history cancer --alias champion")
    assert history.result["action"].tolist() == ["promote", "promote", "rollback"]
    assert history.result["reason"][1].startswith("nightly; decision ")
    evaluated, _ = cell("%mlops model evaluate cancer@challenger --data holdout --target target --metric roc_auc")
    assert list(evaluated.result.metrics) == ["roc_auc"]
    listed, _ = cell("%mlops model list")
    assert listed.result[["name", "latest_version", "aliases"]].values.tolist() == [["cancer", 2, "challenger=2, champion=1"]]
    shown, _ = cell("%mlops model show cancer")
    html = shown.result.to_html()
    assert "mlops-alias-timeline" in html and "first &lt;b&gt;model&lt;/b&gt;" in html and "<b>model" not in html
    assert ml.get_model_version("cancer/1").run_id == _only_run().run_id
    _, out = cell("%mlops help model")
    assert "--min-improvement" in out.stdout and "--guard" in out.stdout


@pytest.mark.parametrize(
    "source,message",
    [
        ("%mlops model register not_a_model --name m", "a dict is not a model"),
        ("%mlops model register nowhere --name m", "no variable 'nowhere'"),
        ("%mlops model register not_a_model", "give the model a name"),
        ("%mlops model show chrun", "no model 'chrun'"),
        ("%mlops model promote", "takes 2 argument(s), got 0"),
        ("%mlops model compare m --target y", "give the data"),
        ("%mlops model frobnicate", "invalid choice"),
        ("%mlops model register fitted --name m --flavor pickle", "no model flavour 'pickle'; known flavours: sklearn, joblib"),
    ],
)
def test_model_magic_bad_input_is_one_line(shell, cell, source, message):
    from sklearn.dummy import DummyClassifier

    shell.user_ns["not_a_model"] = {"w": 1}
    shell.user_ns["fitted"] = DummyClassifier().fit([[0], [1]], [0, 1])
    result, out = cell(source)
    shown = (out.stderr + out.stdout).strip()
    assert isinstance(result.error_in_exec, UsageError) and message in shown and len(shown.splitlines()) == 1, shown
