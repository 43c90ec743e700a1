"""The jupyter-mlops CLI: each command against a real store; errors exit 2 with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import jupyter_mlops as ml
from jupyter_mlops.cli import main


@pytest.fixture
def cli(home):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def two_runs(home):
    ml.set_experiment("cli")
    for name, acc in (("low", 0.5), ("high", 0.9)):
        with ml.start_run(name):
            ml.log_param("model", "rf")
            ml.log_metric("acc", acc)
            ml.log_text("x" * 100, f"{name}.txt")


def test_info_reports_path_schema_counts_and_sizes(cli, two_runs, home):
    result = cli("info", "--json")
    assert result.exit_code == 0
    summary = json.loads(result.output)
    assert summary["home"] == str(home)
    assert summary["tables"]["runs"] == 2
    assert summary["bytes"]["artifacts"] == 100  # identical content is stored once
    text = cli("info").output
    assert str(home) in text and "runs" in text


def test_runs_filters_and_orders(cli, two_runs):
    result = cli("runs", "--where", "metrics.acc > 0.6", "--format", "json")
    assert [r["run_name"] for r in json.loads(result.output)] == ["high"]
    result = cli("runs", "-e", "cli", "--order-by", "metrics.acc", "--format", "csv")
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("run_id,experiment,run_name")
    assert [line.split(",")[2] for line in lines[1:]] == ["low", "high"]
    assert "high" in cli("runs").output


def test_sql_prints_query_results(cli, two_runs):
    result = cli("sql", "SELECT run_name FROM runs ORDER BY run_name", "--format", "json")
    assert json.loads(result.output) == [{"run_name": "high"}, {"run_name": "low"}]


def test_delete_restore_and_gc_report_space_freed(cli, two_runs):
    run_id = ml.search_runs(where="run_name = 'low'")["run_id"][0]
    assert cli("delete", run_id[:8]).exit_code == 0
    assert "low" not in cli("runs").output
    assert cli("restore", run_id[:8]).exit_code == 0
    assert "low" in cli("runs").output
    cli("delete", run_id)
    ml.get_run(run_id)  # still there until gc
    result = cli("gc")
    assert result.output.strip() == "purged 1 deleted runs, removed 0 blobs, freed 0 B"  # blob shared with 'high'


@pytest.mark.parametrize(
    "args,message",
    [
        (["runs", "--where", "metrics.acc >> 1"], "unexpected token '>>'"),
        (["runs", "-e", "nope"], "no experiment 'nope'"),
        (["sql", "SELECT * FROM nope"], "SQL error"),
        (["delete", "zzzzzzzz"], "no run 'zzzzzzzz'"),
        (["restore", ""], "a run is named by"),
    ],
)
def test_bad_input_exits_2_with_a_message_not_a_traceback(cli, two_runs, args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_unknown_command_and_option_exit_2(cli):
    assert CliRunner().invoke(main, ["nope"]).exit_code == 2
    assert CliRunner().invoke(main, ["runs", "--bogus"]).exit_code == 2


def test_every_command_has_help(cli):
    for name, command in main.commands.items():
        assert command.help, f"command {name} has no help text"
        assert cli(name, "--help").exit_code == 0


def test_jupyter_subcommand_runs_as_a_real_process(home, two_runs):
    jupyter = Path(sys.executable).with_name("jupyter")
    env = {**os.environ, "MLOPS_HOME": str(home)}
    result = subprocess.run([str(jupyter), "mlops", "runs", "--format", "json"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert sorted(r["run_name"] for r in json.loads(result.stdout)) == ["high", "low"]
    bad = subprocess.run([str(jupyter), "mlops", "sql", "SELEC"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("Error: SQL error") and "Traceback" not in bad.stderr
