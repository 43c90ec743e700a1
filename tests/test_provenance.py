"""The one provenance and clock module: who writes, and when."""

import getpass
import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone

from jupyter_mlops.provenance import now_ms, utc_now, who


def test_who_names_this_process():
    me = who()
    assert me == {"user": getpass.getuser(), "host": socket.gethostname(), "pid": os.getpid()}


def test_who_names_a_forked_child_by_its_own_pid(tmp_path):
    out = tmp_path / "child"
    pid = os.fork()
    if pid == 0:
        out.write_text(str(who()["pid"]))
        os._exit(0)
    os.waitpid(pid, 0)
    assert int(out.read_text()) == pid


def test_now_ms_is_the_wall_clock_in_milliseconds():
    before = time.time_ns() // 1_000_000
    value = now_ms()
    after = time.time_ns() // 1_000_000
    assert isinstance(value, int) and before <= value <= after


def test_utc_now_is_naive_utc():
    before = datetime.now(timezone.utc).replace(tzinfo=None)
    value = utc_now()
    after = datetime.now(timezone.utc).replace(tzinfo=None)
    assert value.tzinfo is None and before <= value <= after


def test_no_module_keeps_its_own_clock_or_identity():
    # The private copies this module replaced must not come back.
    root = os.path.join(os.path.dirname(__file__), "..", "jupyter_mlops")
    found = subprocess.run(
        ["grep", "-rnE", r"_USER\b|_HOST\b|def now_ms|datetime\.now\(timezone\.utc\)\.replace", root, "--include=*.py"],
        capture_output=True,
        text=True,
    ).stdout
    offenders = [line for line in found.splitlines() if "provenance.py" not in line]
    assert offenders == []


def test_a_run_records_who_started_it(tmp_path):
    code = (
        "import jupyter_mlops as ml\n"
        "with ml.start_run() as run: pass\n"
        "record = ml.get_run(run.run_id)\n"
        "print(record.user, record.host)\n"
    )
    env = {**os.environ, "MLOPS_HOME": str(tmp_path / ".mlops")}
    done = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    assert done.stdout.split() == [getpass.getuser(), socket.gethostname()]
