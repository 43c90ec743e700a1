"""Many real processes sharing one store: nothing lost, no lock error, crashes detected."""

from __future__ import annotations

import os
import signal

import pytest

import jupyter_mlops as ml
from jupyter_mlops.errors import StoreBusy
from jupyter_mlops.store import open_store

from .conftest import python_code

WRITER = """
import jupyter_mlops as ml
with ml.start_run("writer-NAME", experiment="stress") as run:
    for i in range(COUNT):
        ml.log_metric("value", float(i), step=i)
print("ok")
"""

READER = """
import time, jupyter_mlops as ml
deadline = time.time() + 120
while time.time() < deadline:
    frame = ml.search_runs("stress", max_results=None) if ml.list_experiments()["name"].eq("stress").any() else None
    if frame is not None and len(frame) == PROCS and (frame["status"] == "finished").all():
        break
print("ok")
"""


def test_eight_processes_times_5000_metrics_all_land(home):
    procs, n = 8, 5000
    readers = [python_code(READER.replace("PROCS", str(procs)), home, wait=False) for _ in range(2)]
    writers = [
        python_code(WRITER.replace("NAME", str(k)).replace("COUNT", str(n)), home, wait=False, env={"MLOPS_CAPTURE": "1"}) for k in range(procs)
    ]
    results = [p.communicate(timeout=240) for p in writers + readers]
    for (out, err), proc in zip(results, writers + readers):
        assert proc.returncode == 0, err
        assert out.strip() == "ok", err
        assert "Could not set lock" not in err and "Traceback" not in err, err
    counts = ml.sql(
        "SELECT run_id, count(*) AS n, count(DISTINCT step) AS steps, sum(value) AS total "
        "FROM metrics GROUP BY run_id"
    )
    assert len(counts) == procs
    assert counts["n"].tolist() == [n] * procs
    assert counts["steps"].tolist() == [n] * procs
    assert counts["total"].tolist() == [float(sum(range(n)))] * procs
    statuses = ml.search_runs("stress", max_results=None)["status"]
    assert statuses.tolist() == ["finished"] * procs


KILLED = """
import sys, jupyter_mlops as ml
run = ml.start_run("victim")
print(run.run_id, flush=True)
i = 0
while True:
    ml.log_metric("step", float(i), step=i)
    print(i, flush=True)
    i += 1
"""


def test_sigkill_mid_loop_loses_nothing_returned_and_run_shows_crashed(home):
    proc = python_code(KILLED, home, wait=False)
    run_id = proc.stdout.readline().strip()
    acknowledged = -1
    while acknowledged < 3000:
        acknowledged = int(proc.stdout.readline())
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    history = ml.metric_history(run_id, "step")
    steps = history["step"].tolist()
    assert steps[: acknowledged + 1] == list(range(acknowledged + 1))
    assert steps == list(range(len(steps)))  # whatever landed after is complete and in order too
    got = ml.get_run(run_id)
    assert got.status == "crashed"
    assert "ended without finishing" in got.error
    assert not list(open_store().spool_dir.glob("*")), "the dead writer's spool was folded and removed"


HOLDER = """
import sys, time
from jupyter_mlops.store import open_store
with open_store().connect() as con:
    print("holding", flush=True)
    time.sleep(120)
"""


def test_logging_never_waits_while_another_process_holds_the_database(home):
    holder = python_code(HOLDER, home, wait=False)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with ml.start_run("while-locked") as run:  # would hang here if logging touched the database
            for i in range(1000):
                ml.log_metric("x", i)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    # The killed holder lost nothing and blocks nothing: the next reader gets everything.
    assert len(ml.metric_history(run.run_id, "x")) == 1000
    assert ml.get_run(run.run_id).status == "finished"


def test_a_lock_held_too_long_is_a_clear_store_busy_error(home, monkeypatch):
    monkeypatch.setenv("MLOPS_BUSY_TIMEOUT", "0.3")
    holder = python_code(HOLDER, home, wait=False)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(StoreBusy, match=r"stayed locked .*MLOPS_BUSY_TIMEOUT"):
            ml.sql("SELECT 1")
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert ml.sql("SELECT 1 AS one")["one"][0] == 1


LIVE = """
import sys, jupyter_mlops as ml
run = ml.start_run("live")
ml.log_metric("acc", 0.75)
print(run.run_id, flush=True)
sys.stdin.readline()          # stay alive, run open, until the test says stop
"""


def test_another_process_sees_values_as_soon_as_logged_and_running_is_not_crashed(home):
    proc = python_code(LIVE, home, wait=False, stdin=__import__("subprocess").PIPE)
    run_id = proc.stdout.readline().strip()
    got = ml.get_run(run_id)  # one read, right after the call returned in the other process
    assert got.metrics == {"acc": 0.75}
    assert got.status == "running"
    proc.stdin.write("\n")
    proc.stdin.flush()
    assert proc.wait(timeout=30) == 0
    assert ml.get_run(run_id).status == "finished"  # ended at interpreter exit


def test_reopening_after_a_crash_keeps_working(home):
    proc = python_code(KILLED, home, wait=False)
    run_id = proc.stdout.readline().strip()
    proc.stdout.readline()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    with ml.start_run("after") as run:
        ml.log_metric("ok", 1)
    assert ml.get_run(run.run_id).metrics == {"ok": 1.0}
    assert ml.get_run(run_id).status == "crashed"


def test_torn_last_line_of_a_dead_writer_is_skipped(home):
    with ml.start_run("before") as run:
        ml.log_metric("ok", 1)
    spool = open_store().spool_dir
    (spool / "99999-deadbeef0000.000000.jsonl").write_text('["m","x","k",1,0,1]\n["m","x","k",')
    assert ml.get_run(run.run_id).metrics == {"ok": 1.0}
    assert ml.sql("SELECT count(*) AS n FROM metrics WHERE run_id = 'x'")["n"][0] == 1
    assert not (spool / "99999-deadbeef0000.000000.jsonl").exists()
