"""The scheduler: real scheduler processes sharing one store, driven through minutes of cron by a clock file.

Most tests drive ``Scheduler.tick()`` in-process with an injected clock and the inline executor.
Where a test is about claiming (not about what a run does), the schedule's notebook is deleted
after the schedule is created, so each run fails at once (NotebookNotFound) without a kernel.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import jupyter_mlops as ml
from jupyter_mlops.pipelines.records import record_queued, write_run_record
from jupyter_mlops.pipelines.scheduler import Scheduler, scheduler_status
from jupyter_mlops.pipelines.schedules import (
    get_schedule, list_schedules, pause_schedule, request_run, resume_schedule, schedule,
)
from jupyter_mlops.pipelines.spec import PipelineSpec
from jupyter_mlops.store import open_store

from .conftest import ROOT, wait_for

NOTEBOOKS = ROOT / "tests" / "scheduler_notebooks"


@pytest.fixture
def store(home, monkeypatch):
    monkeypatch.setenv("MLOPS_LINGER", "0")  # this process shares the file with scheduler processes
    return open_store()


def sql(query, params=None):
    return open_store().sql(query, params)


def minute_after_now(offset_minutes: int = 1) -> datetime:
    return datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(minutes=offset_minutes)


def vanishing_notebook(tmp_path, name="gone.ipynb") -> str:
    """A copy of the echo notebook: valid when the schedule is made, deleted before anything runs."""
    path = tmp_path / name
    shutil.copy(NOTEBOOKS / "echo.ipynb", path)
    return str(path)


def fires(name: str):
    return sql("SELECT fire_key, \"trigger\", scheduler_id, pipeline_run_id, parameters::VARCHAR AS parameters, "
               "detail::VARCHAR AS detail FROM schedule_fires WHERE schedule = ? ORDER BY fire_key", [name])


def runs_of(name: str):
    return sql("SELECT pipeline_run_id, status, \"trigger\", trigger_key, attempt, error_name, "
               "parameters::VARCHAR AS parameters FROM pipeline_runs WHERE schedule = ? ORDER BY queued_at", [name])


class Clock:
    """An injectable clock the test moves by hand."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def drain(scheduler: Scheduler) -> None:
    """Wait for the runs this in-process scheduler handed to its executor."""
    for future, _ in list(scheduler._inflight.values()):
        future.result(timeout=120)


# --- real processes: lease, takeover, clean stop ---------------------------------------------


def write_clock(path: Path, moment: datetime) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(moment.isoformat())
    os.replace(tmp, path)


def start_scheduler(home, clock_file, scheduler_id, log_dir):
    env = {**os.environ, "MLOPS_HOME": str(home), "MLOPS_LINGER": "0"}
    log = open(log_dir / f"{scheduler_id}.log", "w")
    return subprocess.Popen([sys.executable, "-m", "jupyter_mlops.cli", "scheduler", "--executor", "inline",
                             "--interval", "0.2", "--clock-file", str(clock_file), "--id", scheduler_id],
                            env=env, stdout=log, stderr=subprocess.STDOUT)


def test_two_scheduler_processes_fire_every_minute_exactly_once_and_one_takes_over(store, tmp_path):
    notebook = vanishing_notebook(tmp_path)
    schedule("every-minute", notebook, "* * * * *", max_concurrent=50)
    os.remove(notebook)
    clock_file = tmp_path / "now.txt"
    start = minute_after_now(1)
    write_clock(clock_file, start - timedelta(seconds=30))
    procs = {sid: start_scheduler(store.home, clock_file, sid, tmp_path) for sid in ("A", "B")}
    try:
        wait_for(lambda: len(sql("SELECT * FROM scheduler_heartbeats")) == 2, what="both schedulers beating")
        for minute in range(10):
            write_clock(clock_file, start + timedelta(minutes=minute, seconds=0.5))
            wait_for(lambda: len(fires("every-minute")) == minute + 1, what=f"fire of minute {minute}")
        write_clock(clock_file, start + timedelta(minutes=9, seconds=40))  # no occurrence: nothing more fires
        time.sleep(1.0)
        fired = fires("every-minute")
        expected = [f"cron:{(start + timedelta(minutes=m)).isoformat()}" for m in range(10)]
        assert fired["fire_key"].tolist() == expected
        assert set(fired["scheduler_id"]) <= {"A", "B"}
        wait_for(lambda: len(runs_of("every-minute")) == 10, what="ten pipeline runs")
        runs = runs_of("every-minute")
        assert sorted(runs["pipeline_run_id"]) == sorted(fired["pipeline_run_id"])
        assert set(runs["trigger"]) == {"cron"} and set(runs["trigger_key"]) == set(expected)

        leader = sql("SELECT holder FROM scheduler_lease")["holder"][0]
        survivor = "B" if leader == "A" else "A"
        procs[leader].send_signal(signal.SIGKILL)
        procs[leader].wait(timeout=30)
        lapse = start + timedelta(minutes=9, seconds=42)  # the dead leader's lease (5 s) still holds
        write_clock(clock_file, lapse)
        time.sleep(1.0)
        assert sql("SELECT holder FROM scheduler_lease")["holder"][0] == leader
        write_clock(clock_file, start + timedelta(minutes=10, seconds=0.5))
        wait_for(lambda: len(fires("every-minute")) == 11, what="the survivor's fire")
        assert fires("every-minute")["scheduler_id"].tolist()[-1] == survivor
        assert sql("SELECT holder FROM scheduler_lease")["holder"][0] == survivor
        status = scheduler_status(clock=lambda: start + timedelta(minutes=10, seconds=1))
        assert status["alive"] and status["leader"] == survivor

        procs[survivor].send_signal(signal.SIGTERM)
        assert procs[survivor].wait(timeout=30) == 0
        stopped = sql("SELECT scheduler_id, stopped_at FROM scheduler_heartbeats ORDER BY scheduler_id")
        assert stopped.set_index("scheduler_id")["stopped_at"].notna().to_dict() == {leader: False, survivor: True}
        after = scheduler_status(clock=lambda: start + timedelta(minutes=10, seconds=1))
        assert not after["alive"] and after["start_command"] == "jupyter-mlops scheduler"
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()


# --- in-process: cron catch-up, pause/resume, max_concurrent --------------------------------


def test_catch_up_skip_fires_nothing_missed_and_once_fires_one_run_for_them(store, tmp_path):
    notebook = vanishing_notebook(tmp_path)
    schedule("skipper", notebook, "* * * * *", catch_up="skip", max_concurrent=10)
    schedule("catcher", notebook, "* * * * *", catch_up="once", max_concurrent=10)
    os.remove(notebook)
    start = minute_after_now(1)
    clock = Clock(start + timedelta(seconds=0.5))
    first = Scheduler(executor="inline", clock=clock, scheduler_id="first")
    assert len(first.tick()) == 2
    drain(first)
    first.shutdown()

    clock.now = start + timedelta(minutes=5, seconds=30)  # down 5 minutes; the latest time is 30 s late
    second = Scheduler(executor="inline", clock=clock, scheduler_id="second")
    second.tick()
    assert fires("skipper")["fire_key"].tolist() == [f"cron:{start.isoformat()}"]
    caught = fires("catcher")
    assert caught["fire_key"].tolist() == [f"cron:{start.isoformat()}",
                                           f"cron:{(start + timedelta(minutes=5)).isoformat()}"]
    assert json.loads(caught["detail"][1])["missed"] == 5
    assert caught["scheduler_id"].tolist() == ["first", "second"]

    clock.now = start + timedelta(minutes=6, seconds=0.5)  # back on time: both fire again
    assert len(second.tick()) == 2
    assert len(fires("skipper")) == 2 and len(fires("catcher")) == 3
    drain(second)
    second.shutdown()


def test_pause_stops_firing_and_resume_skips_what_came_due_while_paused(store, tmp_path):
    notebook = vanishing_notebook(tmp_path)
    schedule("pausable", notebook, "* * * * *", max_concurrent=10)
    os.remove(notebook)
    start = minute_after_now(1)
    clock = Clock(start + timedelta(seconds=0.5))
    scheduler = Scheduler(executor="inline", clock=clock)
    assert len(scheduler.tick()) == 1
    assert not pause_schedule("pausable").enabled
    clock.advance(minutes=1)
    assert scheduler.tick() == []
    assert list_schedules().set_index("name").loc["pausable", "enabled"] == False  # noqa: E712
    assert resume_schedule("pausable").enabled
    assert scheduler.tick() == []  # minute 1 came due while paused
    clock.advance(minutes=1)
    assert len(scheduler.tick()) == 1
    assert fires("pausable")["fire_key"].tolist() == [f"cron:{start.isoformat()}",
                                                      f"cron:{(start + timedelta(minutes=2)).isoformat()}"]
    drain(scheduler)
    scheduler.shutdown()


def test_max_concurrent_defers_cron_and_requests_until_a_run_ends(store, tmp_path):
    notebook = vanishing_notebook(tmp_path)
    schedule("limited", notebook, "* * * * *", max_concurrent=1)
    request = request_run("limited")
    os.remove(notebook)
    active = PipelineSpec.new(notebook, {}, home=store.home, name="limited", schedule="limited")
    record_queued(active)  # a run of the schedule still queued: the one slot is taken
    start = minute_after_now(1)
    clock = Clock(start + timedelta(seconds=0.5))
    scheduler = Scheduler(executor="inline", clock=clock)
    for minute in range(3):
        clock.now = start + timedelta(minutes=minute, seconds=0.5)
        assert scheduler.tick() == []
    assert get_schedule("limited").state["cron"]["waiting"] == (start + timedelta(minutes=2)).isoformat()
    assert sql("SELECT claimed_at FROM schedule_requests")["claimed_at"].isna().all()

    from jupyter_mlops.pipelines.records import spec_fields
    from jupyter_mlops.tracking.runs import now_ms

    write_run_record(store, active.pipeline_run_id, {**spec_fields(active), "status": "finished",
                                                     "queued_at": now_ms(), "ended_at": now_ms()})
    assert len(scheduler.tick()) == 1  # one slot: the waiting cron times, coalesced into one run
    cron_fire = fires("limited")
    assert cron_fire["fire_key"].tolist() == [f"cron:{(start + timedelta(minutes=2)).isoformat()}"]
    assert json.loads(cron_fire["detail"][0])["missed"] == 3
    drain(scheduler)  # that run fails at once (its notebook is gone): the slot frees
    assert len(scheduler.tick()) == 1
    assert fires("limited")["fire_key"].tolist()[-1] == f"request:{request.request_id}"
    drain(scheduler)
    scheduler.shutdown()


# --- in-process: dataset and drift triggers --------------------------------------------------


def _frame(seed: int, shift: float = 0.0, rows: int = 400):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"x{i}": rng.normal(shift, 1.0, rows) for i in range(3)})
    frame["y"] = (rng.random(rows) > 0.5).astype(int)
    return frame


def test_dataset_trigger_fires_once_per_new_version_with_the_version_as_parameter(store, tmp_path):
    ml.register_dataset(_frame(0), "churn")
    notebook = vanishing_notebook(tmp_path)
    schedule("on-churn", notebook, on_dataset="churn", parameters={"alpha": 3}, max_concurrent=5)
    os.remove(notebook)
    scheduler = Scheduler(executor="inline")
    assert scheduler.tick() == []  # version 1 was there before the schedule
    ml.register_dataset(_frame(1), "churn")
    ml.register_dataset(_frame(2), "churn")
    assert len(scheduler.tick()) == 2
    assert scheduler.tick() == []
    fired = fires("on-churn")
    assert fired["fire_key"].tolist() == ["dataset:churn@2", "dataset:churn@3"]
    assert [json.loads(p) for p in fired["parameters"]] == [{"alpha": 3, "dataset": "churn@2"},
                                                            {"alpha": 3, "dataset": "churn@3"}]
    drain(scheduler)
    runs = runs_of("on-churn")
    assert len(runs) == 2 and set(runs["trigger"]) == {"dataset"}
    scheduler.shutdown()


def test_drift_trigger_fires_on_drifted_data_and_not_on_the_same_distribution(store, tmp_path):
    from sklearn.linear_model import LogisticRegression

    ml.register_dataset(_frame(0), "churn")
    with ml.start_run("train"):
        train = ml.load_dataset("churn@1")
        features = ["x0", "x1", "x2"]
        version = ml.register_model(LogisticRegression().fit(train[features], train["y"]), "churn",
                                    input_example=train[features].head())
    ml.set_alias("churn", "champion", version.version)
    assert ml.get_model_version("churn@champion").datasets == ["churn@1"]
    notebook = vanishing_notebook(tmp_path)
    schedule("drift-retrain", notebook, on_drift={"dataset": "churn", "model": "churn@champion", "threshold": 0.3,
                                                  "multivariate": False})
    os.remove(notebook)
    scheduler = Scheduler(executor="inline")
    ml.register_dataset(_frame(1), "churn")  # same distribution
    assert scheduler.tick() == []
    checked = get_schedule("drift-retrain").state["drift"]
    assert checked["seen"] == 2 and checked["last_check"]["drift_share"] < 0.3
    ml.register_dataset(_frame(2, shift=1.5), "churn")  # every feature moved 1.5 sd
    assert len(scheduler.tick()) == 1
    fired = fires("drift-retrain")
    assert fired["fire_key"].tolist() == ["drift:churn@3"]
    assert json.loads(fired["parameters"][0]) == {"dataset": "churn@3"}
    detail = json.loads(fired["detail"][0])
    assert detail["drift_share"] >= 0.3 and detail["reference"] == "churn@1" and detail["model"] == "churn/1"
    report = sql("SELECT current, reference, model_name, model_version, drift_share FROM drift_reports "
                 "WHERE report_id = ?", [detail["report_id"]])
    assert report["current"][0] == "churn@3" and report["model_version"][0] == 1
    assert report["drift_share"][0] == pytest.approx(detail["drift_share"])
    drain(scheduler)
    scheduler.shutdown()


# --- in-process with real kernels: requests, retries -----------------------------------------


def test_request_run_executes_with_its_parameters_even_while_paused(store):
    schedule("echo", NOTEBOOKS / "echo.ipynb", parameters={"alpha": 2}, enabled=False)
    request = request_run("echo", {"alpha": 5})
    scheduler = Scheduler(executor="inline")
    fired = scheduler.tick()
    assert len(fired) == 1
    assert scheduler.tick() == []  # claimed once
    drain(scheduler)
    run = ml.sql("SELECT status, \"trigger\", trigger_key, parameters::VARCHAR AS p, kernel_started_at "
                 "FROM pipeline_runs WHERE pipeline_run_id = ?", [fired[0]])
    assert run["status"][0] == "finished" and run["trigger"][0] == "request"
    assert run["trigger_key"][0] == f"request:{request.request_id}"
    assert json.loads(run["p"][0]) == {"alpha": 5} and run["kernel_started_at"].notna()[0]
    assert sql("SELECT claimed_at FROM schedule_requests")["claimed_at"].notna().all()
    scheduler.shutdown()


def test_a_failing_run_is_retried_until_its_retries_are_used(store):
    schedule("flaky", NOTEBOOKS / "fails.ipynb", retries=1)
    request_run("flaky")
    scheduler = Scheduler(executor="inline")
    first = scheduler.tick()
    drain(scheduler)
    retry = scheduler.tick()
    assert len(first) == 1 and len(retry) == 1
    drain(scheduler)
    assert scheduler.tick() == []  # attempt 2 > retries 1: no more
    runs = runs_of("flaky")
    assert runs["attempt"].tolist() == [1, 2] and runs["trigger"].tolist() == ["request", "retry"]
    assert set(runs["status"]) == {"failed"} and set(runs["error_name"]) == {"ValueError"}
    assert runs["trigger_key"][0] == runs["trigger_key"][1]
    assert fires("flaky")["fire_key"].tolist()[-1] == f"retry:{first[0]}"
    scheduler.shutdown()


# --- start-up: orphans; heartbeat and status -------------------------------------------------


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_runs_a_dead_scheduler_left_behind_are_marked_orphaned_at_start_up(store, tmp_path):
    import socket

    from jupyter_mlops.tracking.runs import now_ms

    host, dead = socket.gethostname(), _dead_pid()
    with store.connect() as con:
        for sid, pid in (("dead-one", dead), ("live-one", os.getpid())):
            con.execute("INSERT INTO scheduler_heartbeats VALUES (?, ?, ?, 'local', now(), now(), 1.0, false, NULL, 0)",
                        [sid, host, pid])
    notebook = str(NOTEBOOKS / "echo.ipynb")

    def queued(sid):
        spec = PipelineSpec.new(notebook, {}, home=store.home, name="nightly", schedule="nightly", scheduler_id=sid)
        record_queued(spec)
        return spec.pipeline_run_id

    left_queued, still_running, worker_died, live_queued = queued("dead-one"), queued("dead-one"), \
        queued("dead-one"), queued("live-one")
    write_run_record(store, still_running, {"status": "running", "started_at": now_ms(), "pid": os.getpid()})
    write_run_record(store, worker_died, {"status": "running", "started_at": now_ms(), "pid": dead})
    Scheduler(executor="inline").tick()
    found = sql("SELECT pipeline_run_id, status, error_name FROM pipeline_runs").set_index("pipeline_run_id")
    assert found.loc[left_queued].tolist() == ["failed", "Orphaned"]
    assert found.loc[worker_died].tolist() == ["failed", "Orphaned"]
    assert found.loc[still_running, "status"] == "running"  # its worker (this process) is alive
    assert found.loc[live_queued, "status"] == "queued"  # its scheduler is alive


def test_heartbeat_makes_the_scheduler_alive_until_it_goes_quiet_or_stops(store):
    clock = Clock(datetime.now(timezone.utc))
    assert scheduler_status(clock=clock)["alive"] is False
    scheduler = Scheduler(executor="inline", interval=1.0, clock=clock, scheduler_id="s1")
    scheduler.tick()
    status = scheduler_status(clock=clock)
    assert status["alive"] and status["leader"] == "s1" and status["pid"] == os.getpid()
    other = Scheduler(executor="inline", interval=1.0, clock=clock, scheduler_id="s2")
    other.tick()
    assert not other.leader and scheduler_status(clock=clock)["leader"] == "s1"
    clock.advance(seconds=10)  # no beat for 10 s (> 3 intervals, > 5 s)
    quiet = scheduler_status(clock=clock)
    assert not quiet["alive"] and quiet["start_command"] == "jupyter-mlops scheduler"
    scheduler.tick()
    assert scheduler_status(clock=clock)["alive"]
    scheduler.shutdown()
    other.shutdown()
    stopped = scheduler_status(clock=clock)
    assert not stopped["alive"] and all(s["stopped_at"] for s in stopped["schedulers"])


# --- hosted by the Jupyter server ----------------------------------------------------------------

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def jp_server_config(home):
    return {"ServerApp": {"jpserver_extensions": {"jupyter_mlops": True}}, "JupyterMlops": {"run_scheduler": True}}


def test_the_jupyter_server_hosts_a_scheduler_when_configured(store, jp_serverapp):
    hosted = jp_serverapp.web_app.settings["mlops_scheduler"]
    try:
        status = wait_for(lambda: (found := scheduler_status())["alive"] and found, what="the hosted scheduler")
        assert status["pid"] == os.getpid() and status["leader"] == hosted.scheduler_id
    finally:
        hosted.stop()
        hosted.thread.join(timeout=30)
    assert not scheduler_status()["alive"]
