"""Schedules: creation and validation (each bad input a one-line typed error), cron and time zones,
listing, a registered trigger kind, and the schedule / scheduler / pipeline commands of the CLI."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from click.testing import CliRunner

import jupyter_mlops as ml
from jupyter_mlops.cli import main
from jupyter_mlops.errors import AlreadyExists, InvalidInput, NotFound
from jupyter_mlops.pipelines.cron import check_cron, check_timezone, count_between, latest_at_or_before, next_after
from jupyter_mlops.pipelines.scheduler import Scheduler
from jupyter_mlops.pipelines.schedules import (
    get_schedule, list_schedules, pause_schedule, remove_schedule, request_run, resume_schedule, schedule,
)
from jupyter_mlops.pipelines.triggers import Occurrence, TriggerKind, get_trigger, register_trigger

from .conftest import ROOT

NOTEBOOKS = ROOT / "tests" / "scheduler_notebooks"
ECHO = str(NOTEBOOKS / "echo.ipynb")
UTC = timezone.utc


def one_line(error) -> str:
    text = str(error.value)
    assert "\n" not in text
    return text


# --- cron and time zones ---------------------------------------------------------------------


@pytest.mark.parametrize("expr, message", [
    ("0 25 * * *", "cron '0 25 * * *': the hour field '25' is out of range 0-23"),
    ("61 * * * *", "the minute field '61' is out of range 0-59"),
    ("0 0 32 * *", "the day-of-month field '32' is out of range 1-31"),
    ("0 0 * 13 *", "the month field '13' is out of range 1-12"),
    ("0 0 * * 8", "the day-of-week field '8' is out of range 0-7"),
    ("0 0 * foo *", "the month field 'foo' is not a number 1-12 or a name jan-dec"),
    ("*/0 * * * *", "the minute field '*/0' needs a step of 1 or more"),
    ("0 1-x * * *", "the hour field '1-x' is not a number 0-23"),
    ("0 0 * * 1#6", "needs a week number 1-5 after '#'"),
    ("0 0 * *", "has 4 fields; write 5: minute hour day-of-month month day-of-week"),
    ("0 0 * * * *", "has 6 fields (seconds are not supported)"),
    ("0 0 31 2 *", "never fires"),
    ("@dialy", "did you mean '@daily'?"),
    ("", "cron must be text with 5 fields"),
])
def test_an_invalid_cron_names_the_field_at_fault(expr, message):
    with pytest.raises(InvalidInput) as error:
        check_cron(expr)
    assert message in one_line(error)


def test_valid_cron_forms_are_accepted():
    for expr in ("* * * * *", "*/15 9-17 * * mon-fri", "0 3 L * *", "0 0 1,15 jan-jun *", "0 0 * * 1#2", "@hourly",
                 "0 22-2 * * *"):
        assert check_cron(expr) == expr


def test_cron_times_are_computed_in_the_schedule_time_zone():
    winter, summer = datetime(2030, 1, 10, 12, tzinfo=UTC), datetime(2030, 7, 10, 12, tzinfo=UTC)
    assert next_after("0 9 * * *", winter, "America/New_York") == datetime(2030, 1, 10, 14, tzinfo=UTC)
    assert next_after("0 9 * * *", summer, "America/New_York") == datetime(2030, 7, 10, 13, tzinfo=UTC)
    assert latest_at_or_before("0 * * * *", datetime(2030, 1, 1, 5, tzinfo=UTC)) == datetime(2030, 1, 1, 5, tzinfo=UTC)
    assert count_between("*/10 * * * *", winter, winter + timedelta(hours=1)) == 6


def test_an_unknown_time_zone_suggests_the_closest():
    with pytest.raises(InvalidInput) as error:
        check_timezone("Europe/Pariss")
    assert "did you mean 'Europe/Paris'?" in one_line(error)
    with pytest.raises(InvalidInput) as error:
        check_timezone("utc")
    assert "did you mean 'UTC'?" in one_line(error)


# --- creating, reading, changing schedules ---------------------------------------------------


def test_schedule_stores_an_absolute_notebook_path_and_its_settings(home, tmp_path, monkeypatch):
    monkeypatch.chdir(NOTEBOOKS)
    created = schedule("nightly", "echo.ipynb", "0 9 * * *", parameters={"alpha": 0.5}, timezone="America/New_York",
                       timeout=60, retries=2, max_concurrent=3, catch_up="once")
    assert created.notebook == ECHO
    again = get_schedule("nightly")
    assert (again.cron, again.timezone, again.parameters, again.timeout, again.retries, again.max_concurrent,
            again.catch_up, again.enabled, again.executor) == \
        ("0 9 * * *", "America/New_York", {"alpha": 0.5}, 60, 2, 3, "once", True, "local")
    assert again.next_run(datetime(2030, 1, 10, 12, tzinfo=UTC)) == datetime(2030, 1, 10, 14, tzinfo=UTC)
    assert "cron 0 9 * * * (America/New_York)" in repr(again)


def test_an_existing_name_needs_replace(home):
    schedule("nightly", ECHO, "0 3 * * *")
    with pytest.raises(AlreadyExists) as error:
        schedule("nightly", ECHO, "0 4 * * *")
    assert "pass replace=True" in one_line(error)
    assert schedule("nightly", ECHO, "0 4 * * *", replace=True).cron == "0 4 * * *"
    assert len(list_schedules()) == 1


def test_list_schedules_shows_next_run_and_the_last_run(home):
    from jupyter_mlops.pipelines.records import record_queued
    from jupyter_mlops.pipelines.spec import PipelineSpec
    from jupyter_mlops.store import open_store

    schedule("hourly", ECHO, "0 * * * *")
    schedule("on-request", ECHO, enabled=False)
    record_queued(PipelineSpec.new(ECHO, {}, home=open_store().home, name="hourly", schedule="hourly"))
    frame = list_schedules().set_index("name")
    assert frame.loc["hourly", "next_run"] > datetime.now(UTC)
    assert frame.loc["hourly", "last_status"] == "queued" and frame.loc["hourly", "triggers"] == "cron 0 * * * * (UTC)"
    assert frame.loc["on-request", "triggers"] == "on request only"
    assert not frame.loc["on-request", "enabled"]
    assert pd.isna(frame.loc["on-request", "last_status"])


def test_pause_resume_remove_and_requests(home):
    schedule("nightly", ECHO, "0 3 * * *")
    assert not pause_schedule("nightly").enabled
    assert resume_schedule("nightly").enabled
    request = request_run("nightly", {"alpha": 7})
    assert ml.sql("SELECT schedule, parameters::VARCHAR AS p FROM schedule_requests").values.tolist() == \
        [["nightly", '{"alpha": 7}']]
    remove_schedule("nightly")
    assert list_schedules().empty
    assert ml.sql("SELECT count(*) AS n FROM schedule_requests")["n"][0] == 0
    assert request.schedule == "nightly"


@pytest.mark.parametrize("verb", [get_schedule, pause_schedule, resume_schedule, remove_schedule, request_run])
def test_an_unknown_schedule_names_the_closest(home, verb):
    schedule("nightly", ECHO, "0 3 * * *")
    with pytest.raises(NotFound) as error:
        verb("nigthly")
    assert one_line(error) == "no schedule 'nigthly'; did you mean 'nightly'? schedules: nightly"


def _with_datasets():
    import pandas as pd

    ml.register_dataset(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), "churn")


BAD_INPUTS = [
    (dict(name="bad name!"), InvalidInput, "schedule name 'bad name!' is not valid"),
    (dict(notebook="missing.ipynb"), NotFound, "does not exist"),
    (dict(parameters={"alhpa": 1}), InvalidInput, "has no parameter 'alhpa'; did you mean 'alpha'?"),
    (dict(parameters=[1]), InvalidInput, "parameters must be a dict"),
    (dict(cron="0 25 * * *"), InvalidInput, "the hour field '25' is out of range 0-23"),
    (dict(timezone="Europe/Pariss"), InvalidInput, "did you mean 'Europe/Paris'?"),
    (dict(catch_up="always"), InvalidInput, "catch_up must be 'skip'"),
    (dict(retries=-1), InvalidInput, "retries must be a whole number from 0 to 10"),
    (dict(retries=11), InvalidInput, "retries must be a whole number from 0 to 10"),
    (dict(retries=True), InvalidInput, "retries must be a whole number"),
    (dict(max_concurrent=0), InvalidInput, "max_concurrent must be a whole number from 1 to 100"),
    (dict(timeout=0), InvalidInput, "timeout must be a number of seconds above 0"),
    (dict(timeout="soon"), InvalidInput, "timeout must be a number"),
    (dict(enabled="yes"), InvalidInput, "enabled must be True or False"),
    (dict(executor="lcoal"), InvalidInput, "unknown executor 'lcoal'; did you mean 'local'?"),
    (dict(kernel="pyhton3"), InvalidInput, "kernel 'pyhton3' is not installed; did you mean 'python3'?"),
    (dict(on_dataset="chrun"), NotFound, "on_dataset: no dataset 'chrun'; did you mean 'churn'?"),
    (dict(on_dataset="churn", data_parameter="data"), InvalidInput, "has no parameter 'data'"),
    (dict(on_dataset="churn", data_parameter="not a name"), InvalidInput, "must be a Python name"),
    (dict(on_drift="churn"), InvalidInput, "on_drift must be a dict"),
    (dict(on_drift={"dataset": "churn"}), InvalidInput, "on_drift needs exactly one of 'model'"),
    (dict(on_drift={"dataset": "churn", "model": "m", "reference": "churn@1"}), InvalidInput, "exactly one of"),
    (dict(on_drift={"dataset": "churn", "reference": "churn@1", "treshold": 0.3}), InvalidInput,
     "unknown key(s) 'treshold'"),
    (dict(on_drift={"dataset": "churn", "reference": "churn@1", "threshold": 1.5}), InvalidInput,
     "threshold is the share of drifted columns"),
    (dict(on_drift={"dataset": "churn", "reference": "churn@9"}), InvalidInput,
     "reference 'churn@9' does not exist; dataset 'churn' has versions 1-1"),
    (dict(on_drift={"dataset": "churn", "reference": "churn"}), InvalidInput, "must pin a version"),
    (dict(on_drift={"dataset": "churn", "model": "nomodel@champion"}), NotFound, "nomodel"),
    (dict(on_drift={"dataset": "churn", "reference": "churn@1", "correction": "holm"}), InvalidInput,
     "correction must be one of"),
    (dict(triggers={"hourly": {}}), InvalidInput, "unknown trigger 'hourly'"),
    (dict(triggers={"request": {}}), InvalidInput, "trigger 'request' is active on every schedule"),
]


@pytest.mark.parametrize("overrides, error_type, message", BAD_INPUTS, ids=[m for *_, m in BAD_INPUTS])
def test_each_bad_input_is_a_one_line_typed_error(home, overrides, error_type, message):
    _with_datasets()
    arguments = {"name": "nightly", "notebook": ECHO, "cron": "0 3 * * *", **overrides}
    with pytest.raises(error_type) as error:
        schedule(arguments.pop("name"), arguments.pop("notebook"), **arguments)
    assert message in one_line(error)
    assert list_schedules().empty


def test_a_request_with_an_unknown_parameter_is_refused(home):
    schedule("nightly", ECHO)
    with pytest.raises(InvalidInput) as error:
        request_run("nightly", {"alhpa": 1})
    assert "did you mean 'alpha'?" in one_line(error)


@pytest.mark.parametrize("options, message", [
    (dict(interval=0), "interval is the seconds between ticks"),
    (dict(max_workers=0), "max_workers must be a whole number from 1 to 256"),
    (dict(executor="nope"), "unknown executor 'nope'"),
])
def test_bad_scheduler_options(home, options, message):
    with pytest.raises(InvalidInput) as error:
        Scheduler(**options)
    assert message in one_line(error)


# --- a trigger kind added by registration ----------------------------------------------------


class FlagFileTrigger(TriggerKind):
    """Fires once each time the flag file's content changes (a stand-in for e.g. prediction logs)."""

    name = "flag-file"

    def configure(self, config, con):
        if not isinstance(config.get("path"), str):
            raise InvalidInput("flag-file needs {'path': '...'}")
        return {"path": config["path"]}

    def poll(self, ctx, config, state):
        try:
            text = open(config["path"]).read()
        except OSError:
            return []
        if text == state.get("seen") or ctx.slots <= 0:
            return []
        return [Occurrence(self.name, f"flag:{text}", ctx.now, {"seen": text}, parameters={"alpha": len(text)})]


def test_a_registered_trigger_kind_fires_through_the_scheduler(home, tmp_path, monkeypatch):
    monkeypatch.setenv("MLOPS_LINGER", "0")
    register_trigger(FlagFileTrigger())
    assert get_trigger("flag-file").name == "flag-file"
    flag = tmp_path / "flag.txt"
    notebook = tmp_path / "gone.ipynb"
    notebook.write_bytes(open(ECHO, "rb").read())
    created = schedule("flagged", str(notebook), triggers={"flag-file": {"path": str(flag)}})
    assert created.describe() == "flag-file"
    os.remove(notebook)  # runs fail at once: this test is about firing
    scheduler = Scheduler(executor="inline")
    assert scheduler.tick() == []
    flag.write_text("abc")
    assert len(scheduler.tick()) == 1 and scheduler.tick() == []
    fired = ml.sql("SELECT fire_key, \"trigger\", parameters::VARCHAR AS p FROM schedule_fires")
    assert fired.values.tolist() == [["flag:abc", "flag-file", '{"alpha": 3}']]
    from jupyter_mlops.pipelines import triggers

    triggers._KINDS.pop("flag-file")  # e.g. a scheduler on a machine without the plug-in
    assert list_schedules()["triggers"].tolist() == ["flag-file (trigger kind not installed here)"]
    flag.write_text("abcd")
    assert scheduler.tick() == []  # logged, and the other schedules and triggers go on
    scheduler.shutdown()


# --- CLI -------------------------------------------------------------------------------------


@pytest.fixture
def cli(home):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_cli_schedule_commands(cli):
    added = cli("schedule", "add", "nightly", ECHO, "--cron", "0 3 * * *", "-p", "alpha=0.5", "-p", "dataset=churn@3",
                "--retries", "1", "--timezone", "Europe/Paris")
    assert added.exit_code == 0, added.output
    assert "scheduled nightly: cron 0 3 * * * (Europe/Paris)" in added.output
    assert "no scheduler is running" in added.output  # the note on stderr (mixed into output here)
    assert get_schedule("nightly").parameters == {"alpha": 0.5, "dataset": "churn@3"}
    listed = cli("schedule", "list")
    assert listed.exit_code == 0 and "nightly" in listed.output and "Europe/Paris" in listed.output
    assert json.loads(cli("schedule", "list", "--format", "json").output)[0]["retries"] == 1
    assert cli("schedule", "pause", "nightly").output.strip() == "paused nightly"
    assert cli("schedule", "resume", "nightly").output.strip() == "resumed nightly"
    ran = cli("schedule", "run", "nightly", "-p", "alpha=true")
    assert ran.exit_code == 0 and ran.output.startswith("requested a run of nightly")
    assert json.loads(ml.sql("SELECT parameters::VARCHAR AS p FROM schedule_requests")["p"][0]) == {"alpha": True}
    assert cli("schedule", "remove", "nightly").output.strip() == "removed nightly"
    status = cli("schedule", "status")
    assert status.exit_code == 1 and "jupyter-mlops scheduler" in status.output


@pytest.mark.parametrize("args, message", [
    (["schedule", "add", "nightly", ECHO, "--cron", "0 25 * * *"], "the hour field '25' is out of range 0-23"),
    (["schedule", "add", "nightly", "missing.ipynb", "--cron", "@daily"], "does not exist"),
    (["schedule", "add", "nightly", ECHO, "--drift-model", "churn@champion"], "go with a drift source"),
    (["schedule", "add", "nightly", ECHO, "-p", "noequals"], "a parameter is key=value"),
    (["schedule", "add", "nightly", ECHO, "--timezone", "Mars/Base"], "unknown timezone 'Mars/Base'"),
    (["schedule", "pause", "nigthly"], "did you mean 'nightly'?"),
    (["schedule", "run", "nigthly"], "did you mean 'nightly'?"),
    (["pipeline", "run", "missing.ipynb"], "does not exist"),
    (["pipeline", "show", "zzzzzzzz"], "zzzzzzzz"),
    (["scheduler", "--once", "--clock-file", "/nonexistent/now.txt"], "cannot read an ISO time"),
    (["scheduler", "--once", "--executor", "lcoal"], "did you mean 'local'?"),
])
def test_cli_bad_input_exits_2_with_one_line(cli, args, message):
    if args[:2] == ["schedule", "pause"] or args[:2] == ["schedule", "run"]:
        schedule("nightly", ECHO, "0 3 * * *")
    result = cli(*args)
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.startswith("Error:")]
    assert len(lines) == 1 and message in lines[0]


def test_cli_scheduler_once_fires_what_is_due_by_the_clock_file(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("MLOPS_LINGER", "0")
    notebook = tmp_path / "gone.ipynb"
    notebook.write_bytes(open(ECHO, "rb").read())
    schedule("every-minute", str(notebook), "* * * * *")
    os.remove(notebook)
    due = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    clock = tmp_path / "now.txt"
    clock.write_text((due + timedelta(seconds=1)).isoformat())
    result = cli("scheduler", "--once", "--executor", "inline", "--clock-file", clock)
    assert result.exit_code == 0 and "fired 1 run(s)" in result.output
    assert ml.sql("SELECT fire_key FROM schedule_fires")["fire_key"].tolist() == [f"cron:{due.isoformat()}"]
    assert cli("scheduler", "--once", "--executor", "inline", "--clock-file", clock).output.count("fired 0 run(s)") == 1


def test_cli_pipeline_run_list_and_show(cli):
    ran = cli("pipeline", "run", ECHO, "-p", "alpha=3", "--name", "echo")
    assert ran.exit_code == 0 and "finished" in ran.output
    listed = cli("pipeline", "list", "--format", "json")
    (row,) = json.loads(listed.output)
    assert row["name"] == "echo" and row["parameters"] == {"alpha": 3} and row["status"] == "finished"
    shown = cli("pipeline", "show", row["pipeline_run_id"][:8])
    assert shown.exit_code == 0 and "alpha=3" in shown.output
    failed = cli("pipeline", "run", NOTEBOOKS / "fails.ipynb")
    assert failed.exit_code == 1
    assert "ValueError: boom 1" in failed.output and "failed in cell 1" in failed.output
