"""Access to the database file: fair turns between processes, a read-only sql(), a sandboxed
dataset SQL source, and a damaged file named in one line. Real processes, real files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jupyter_mlops as ml
from jupyter_mlops.errors import InvalidInput, StoreBusy, StoreCorrupt
from jupyter_mlops.store import open_store

from .conftest import python_code

POLLER = """
import sys, time, jupyter_mlops as ml
print("polling", flush=True)
while True:
    ml.search_runs(max_results=5)
    time.sleep(0.05)
"""


def test_a_process_polling_every_50_ms_still_lets_another_process_in(home):
    with ml.start_run("seed"):
        ml.log_metric("x", 1.0)
    open_store().release()
    pollers = [python_code(POLLER, home, wait=False) for _ in range(2)]
    try:
        for poller in pollers:
            assert poller.stdout.readline().strip() == "polling", poller.stderr.read()
        # The busy timeout bounds a broken turn-taking so the test fails instead of hanging.
        reader = python_code("""
            import jupyter_mlops as ml
            for _ in range(5):
                print(ml.sql("SELECT count(*) AS n FROM metrics")["n"][0], flush=True)
        """, home, env={"MLOPS_BUSY_TIMEOUT": "10"})
        assert reader.returncode == 0, reader.stderr
        assert reader.stdout.split() == ["1"] * 5
        assert all(p.poll() is None for p in pollers), "the pollers kept running throughout"
    finally:
        for poller in pollers:
            poller.kill()
            poller.wait(timeout=30)


RAW_HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(120)
"""


def test_store_busy_names_the_holding_process_and_the_fix(home, monkeypatch):
    store = open_store()
    store.sql("SELECT 1")
    store.release()
    holder = subprocess.Popen([sys.executable, "-c", RAW_HOLDER, str(store.db_path), "marker-arg"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    monkeypatch.setenv("MLOPS_BUSY_TIMEOUT", "0.3")
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(StoreBusy) as caught:
            ml.sql("SELECT 1")
    finally:
        holder.kill()
        holder.wait(timeout=30)
    message = str(caught.value)
    assert f"PID {holder.pid}" in message and "marker-arg" in message
    assert f"kill {holder.pid}" in message and "MLOPS_BUSY_TIMEOUT" in message
    assert "\n" not in message and "jupyter-mlops process" not in message
    assert not list((home / "turns").glob("waiting.*")), "the waiter withdrew its marker"


def test_store_busy_says_when_the_holder_is_a_jupyter_mlops_process(home, monkeypatch):
    holder = python_code("""
        import time
        from jupyter_mlops.store import open_store
        with open_store().connect():
            print("holding", flush=True)
            time.sleep(120)
    """, home, wait=False)
    monkeypatch.setenv("MLOPS_BUSY_TIMEOUT", "0.3")
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(StoreBusy, match=rf"jupyter-mlops process PID {holder.pid} .*kill {holder.pid}"):
            ml.sql("SELECT 1")
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_a_dead_waiters_marker_stalls_nobody(home):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=30)
    (home / "turns").mkdir(parents=True)
    (home / "turns" / f"waiting.{dead.pid}").write_text("1")
    store = open_store()
    assert store.turns.waiters() == set()
    assert not (home / "turns" / f"waiting.{dead.pid}").exists()


def _state(home):
    """Everything sql() must not change: row counts of a few tables and the files around the store."""
    counts = ml.sql("SELECT (SELECT count(*) FROM params) p, (SELECT count(*) FROM metrics) m, "
                    "(SELECT count(*) FROM runs) r").iloc[0].tolist()
    open_store().release()
    files = sorted(str(p.relative_to(home)) for p in home.rglob("*") if "turns" not in p.parts)
    return counts, files, sorted(os.listdir(home.parent))


@pytest.fixture
def filled(home):
    with ml.start_run("filled"):
        ml.log_param("lr", 0.1)
        ml.log_metric("acc", 0.9)
    return home


ESCAPES = [
    "COMMIT; DELETE FROM params",
    "DELETE FROM params",
    "DROP TABLE metrics",
    "COPY runs TO '{tmp}/x.csv'",
    "ATTACH '{tmp}/y.db'",
    "EXPORT DATABASE '{tmp}/export'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "PRAGMA enable_profiling = 'json'",
    "PRAGMA profiling_output = '{tmp}/profile.json'",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('{tmp}/store/mlops.duckdb')",
    "SELECT * FROM glob('/etc/*')",
    "CALL force_checkpoint()",
    "CALL enable_profiling()",
    "COMMIT",
    "BEGIN TRANSACTION",
    "UPDATE runs SET status = 'x'",
    "INSERT INTO params VALUES ('a', 'b', 'c')",
    "CREATE TABLE evil AS SELECT 1",
    "SELECT 1; DROP TABLE runs",
    "DETACH mlops",
    "UPDATE EXTENSIONS",
    "VACUUM",
    "SELECT * FROM query('DELETE FROM params')",
]


@pytest.mark.parametrize("escape", ESCAPES)
def test_sql_refuses_every_way_out_and_changes_nothing(filled, escape):
    tmp = filled.parent
    before = _state(filled)
    with pytest.raises(InvalidInput) as caught:
        ml.sql(escape.format(tmp=tmp))
    assert "\n" not in str(caught.value)
    assert _state(filled) == before


def test_sql_still_reads_everything_users_read(filled):
    assert ml.sql("SELECT key, value FROM params")["value"].tolist() == ["0.1"]
    assert ml.sql("SELECT value FROM metrics WHERE key = ?", ["acc"])["value"].tolist() == [0.9]
    assert "status" in ml.sql("DESCRIBE runs")["column_name"].tolist()
    assert len(ml.sql("PRAGMA table_info('runs')")) > 3
    assert len(ml.sql("SUMMARIZE metrics")) > 0
    assert ml.sql("WITH a AS (SELECT 1 AS one) SELECT * FROM a")["one"][0] == 1
    assert len(ml.sql("EXPLAIN SELECT * FROM runs")) == 1


def test_sql_after_logging_in_the_same_process_sees_the_new_values(filled):
    ml.sql("SELECT 1")  # leaves a read-only connection lingering
    with ml.start_run("later"):
        ml.log_metric("acc", 0.5)
    assert sorted(ml.sql("SELECT value FROM metrics")["value"]) == [0.5, 0.9]
    with ml.start_run("after-that"):  # a write right after a read-only query reopens writable
        ml.log_metric("acc", 0.7)
    assert len(ml.search_runs()) == 3


def test_cli_sql_refuses_escapes_with_one_line_and_exit_2(filled):
    jupyter_mlops = os.path.join(os.path.dirname(sys.executable), "jupyter-mlops")
    before = _state(filled)
    for escape in ("COMMIT; DROP TABLE metrics", f"COPY runs TO '{filled.parent}/x.csv'", "DELETE FROM params"):
        result = subprocess.run([jupyter_mlops, "sql", escape], env={**os.environ, "MLOPS_HOME": str(filled)},
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr
    assert _state(filled) == before


_WORDS = st.sampled_from(["SELECT", "DELETE", "FROM", "params", "metrics", "runs", "DROP", "TABLE", "COPY", "TO",
                          "'/tmp/hyp.csv'", "ATTACH", "COMMIT", "BEGIN", ";", "*", "1", "SET", "=", "true",
                          "INSERT", "INTO", "VALUES", "(", ")", "PRAGMA", "CALL", "LOAD", "--", "'", "WHERE"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.one_of(st.text(max_size=60), st.lists(_WORDS, max_size=10).map(" ".join)))
def test_sql_fuzz_never_a_traceback_never_a_change(filled, query):
    before = _state(filled)
    try:
        ml.sql(query)
    except InvalidInput as error:
        assert "\n" not in str(error)
    assert _state(filled) == before
    assert not os.path.exists("/tmp/hyp.csv")


def test_dataset_sql_source_that_writes_is_refused_and_changes_nothing(filled):
    before = _state(filled)
    tmp = filled.parent
    for source in ("SELECT 1; DELETE FROM runs", "SELECT * FROM runs); DELETE FROM runs; COPY (SELECT 1",
                   f"SELECT * FROM read_csv('/etc/passwd')", "WITH x AS (DELETE FROM runs RETURNING *) SELECT * FROM x",
                   f"FROM runs); COPY runs TO '{tmp}/leak.csv' --"):
        with pytest.raises(InvalidInput):
            ml.register_dataset(source, "evil")
    assert _state(filled) == before
    assert ml.sql("SELECT count(*) AS n FROM dataset_versions")["n"][0] == 0


def test_dataset_sql_source_reading_the_store_still_works(filled):
    version = ml.register_dataset("SELECT key, value FROM metrics", "metrics_snapshot")
    assert version.rows == 1 and version.source == "sql:SELECT key, value FROM metrics"
    assert ml.load_dataset("metrics_snapshot@1").to_dict("records") == [{"key": "acc", "value": 0.9}]
    again = ml.register_dataset("SELECT key, value FROM metrics", "metrics_snapshot")
    assert again.version == 1  # same content, same version


def _damage(path, how):
    size = path.stat().st_size
    if how == "truncated":
        os.truncate(path, size // 2)
    elif how == "emptied":
        os.truncate(path, 0)
    else:
        with open(path, "r+b") as f:
            f.seek(0 if how == "header" else 4096)
            f.write(os.urandom(8192))


@pytest.mark.parametrize("how", ["truncated", "emptied", "header", "scribbled"])
def test_a_damaged_database_is_one_line_store_corrupt_from_api_and_cli(filled, how):
    assert len(ml.search_runs()) == 1  # the spool is folded: the database file holds the run
    store = open_store()
    store.release()
    _damage(store.db_path, how)
    store._migrated = False
    with pytest.raises(StoreCorrupt) as caught:
        ml.search_runs()
    message = str(caught.value)
    assert "\n" not in message and str(store.db_path) in message
    assert "jupyter-mlops restore" in message and "jupyter-mlops doctor" in message
    with pytest.raises(StoreCorrupt):
        ml.sql("SELECT * FROM runs")
    cli = subprocess.run([os.path.join(os.path.dirname(sys.executable), "jupyter-mlops"), "runs"],
                         env={**os.environ, "MLOPS_HOME": str(filled)}, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 2, cli.stderr
    assert cli.stderr.startswith("Error: the store database") and cli.stderr.count("\n") == 1, cli.stderr
    assert "Traceback" not in cli.stderr


def test_killed_holder_leaves_no_stall(home):
    holder = python_code("""
        import time
        from jupyter_mlops.store import open_store
        with open_store().connect():
            print("holding", flush=True)
            time.sleep(120)
    """, home, wait=False)
    assert holder.stdout.readline().strip() == "holding"
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    assert ml.sql("SELECT 1 AS one")["one"][0] == 1


def test_a_forked_child_can_query_read_only(filled):
    assert len(ml.search_runs()) == 1  # the parent holds (lingers on) a writable connection
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(write, str(ml.sql("SELECT count(*) AS n FROM runs")["n"][0]).encode())
        except BaseException as error:  # noqa: BLE001 - reported to the parent, which asserts
            os.write(write, f"{type(error).__name__}: {error}".encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 1000).decode() == "1"
    os.close(read)
