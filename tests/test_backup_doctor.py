"""Backup, restore and doctor against real stores, real child processes and the real CLI.

Loggers, writers and the CLI run as subprocesses, because the store's rules (one process holds
the database, each writer owns a spool lock) only show between processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_mlops.errors import InvalidInput, MlopsError, StoreFull
from jupyter_mlops.store import open_store
from jupyter_mlops.store.artifacts import ArtifactStore
from jupyter_mlops.store.backup import backup_store, verify_backup

from .conftest import python_code, wait_for

pytest_plugins = ["pytest_jupyter.jupyter_server"]

CLI = str(Path(sys.executable).parent / "jupyter-mlops")


@pytest.fixture(autouse=True)
def no_linger(monkeypatch):
    """This process closes the database after each read, so the CLI children never wait for it."""
    monkeypatch.setenv("MLOPS_LINGER", "0")


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MLOPS_HOME": str(home)}
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=240)


def rows(database: Path, query: str) -> list:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def live_rows(query: str) -> list:
    store = open_store()
    with store.connect() as con:
        result = con.execute(query).fetchall()
    store.release()
    return result


FILL = """
import jupyter_mlops as ml
ml.set_experiment("kept")
with ml.start_run("kept"):
    ml.log_metric("acc", 0.9)
    ml.log_text("payload", "notes.txt")
"""


@pytest.fixture
def filled(home):
    """A store with one run and one artifact blob, written by a child process that has exited."""
    done = python_code(FILL, home)
    assert done.returncode == 0, done.stderr
    [(digest,)] = live_rows("SELECT sha256 FROM artifacts")
    return digest


def write_bad_spool_line(home: Path, line: bytes = b"this is not json\n") -> None:
    """A spool segment of a writer that is gone (no lock file), holding one line no kind can apply."""
    (home / "spool").mkdir(parents=True, exist_ok=True)
    (home / "spool" / "4194000-feedfacecafe.000000.jsonl").write_bytes(line)


LOGGER = """
import os, time, jupyter_mlops as ml
ml.set_experiment("backup")
with ml.start_run("loop") as run:
    print(run.run_id, flush=True)
    i = 0
    while not os.path.exists({stop!r}):
        ml.log_metric("i", float(i), step=i)
        i += 1
        if i % 50 == 0:
            time.sleep(0.002)
print(i, flush=True)
"""


def test_backup_while_another_process_keeps_logging(home, tmp_path):
    stop = tmp_path / "stop"
    logger = python_code(LOGGER.format(stop=str(stop)), home, wait=False)
    try:
        run_id = logger.stdout.readline().strip()
        count = f"SELECT count(*) FROM metrics WHERE run_id = '{run_id}'"
        wait_for(lambda: live_rows(count)[0][0] >= 300, "the logger's first 300 metrics")
        dest = tmp_path / "backup"
        done = cli(home, "backup", str(dest))
        assert done.returncode == 0, done.stderr
        assert str(dest) in done.stdout
        manifest = verify_backup(dest)
        steps = [s for (s,) in rows(dest / "mlops.duckdb",
                                    f"SELECT step FROM metrics WHERE run_id = '{run_id}' ORDER BY step")]
        assert len(steps) >= 300
        assert steps == list(range(len(steps)))  # a prefix of what was logged: no gap, no torn state
        assert rows(dest / "mlops.duckdb", f"SELECT step FROM latest_metrics WHERE run_id = '{run_id}'") == [(len(steps) - 1,)]
        assert manifest["tables"]["metrics"] == len(steps)
        assert rows(dest / "mlops.duckdb", f"SELECT status FROM runs WHERE run_id = '{run_id}'") == [("running",)]
        wait_for(lambda: live_rows(count)[0][0] > len(steps), "metrics logged after the backup")
    finally:
        stop.touch()
        out, err = logger.communicate(timeout=120)
    assert logger.returncode == 0, err
    assert "Error" not in err and "Traceback" not in err
    logged = int(out.split()[-1])
    live = [s for (s,) in live_rows(f"SELECT step FROM metrics WHERE run_id = '{run_id}' ORDER BY step")]
    assert live == list(range(logged))  # the live store kept everything, before, during and after


def test_backup_refuses_a_non_empty_or_inner_destination_and_defaults_beside_the_store(filled, home, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(InvalidInput, match="not empty"):
        backup_store(open_store(), busy)
    assert (busy / "keep.txt").read_text() == "mine"
    with pytest.raises(InvalidInput, match="inside the store"):
        backup_store(open_store(), home / "backups")
    done = cli(home, "backup", str(busy))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    result = backup_store(open_store())
    assert result.path.parent == home.parent and result.path.name.startswith("mlops-backup-")
    assert verify_backup(result.path)["blobs"]["count"] == 1


def test_backup_onto_a_full_disk_raises_store_full_and_leaves_nothing_behind(filled, home, tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], check=True)
    try:
        with pytest.raises(StoreFull, match="backup folder"):
            backup_store(open_store(), mount / "backup")
        assert list(mount.iterdir()) == []
    finally:
        subprocess.run(["umount", str(mount)], check=True)
    assert cli(home, "doctor").returncode == 0  # the live store is untouched


def test_restore_into_an_emptied_store_and_over_a_damaged_one(filled, home, tmp_path):
    backup = tmp_path / "backup"
    backup_store(open_store(), backup)
    open_store().release()
    os.unlink(home / "mlops.duckdb")
    for path in (home / "artifacts" / "sha256").glob("*/*"):
        os.unlink(path)

    done = cli(home, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert live_rows("SELECT run_name FROM runs") == [("kept",)]
    with open_store().blobs.open_blob(filled) as f:
        assert f.read() == b"payload"

    damaged = (home / "mlops.duckdb").read_bytes()[:5000]
    (home / "mlops.duckdb").write_bytes(damaged)
    done = cli(home, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    [aside] = [Path(p) for p in done.stdout.split() if "replaced-" in p]
    assert (aside / "mlops.duckdb").read_bytes() == damaged  # moved aside, never deleted
    assert live_rows("SELECT run_name FROM runs") == [("kept",)]
    assert cli(home, "doctor").returncode == 0


WRITER = """
import os, time, jupyter_mlops as ml
ml.set_experiment("later")
with ml.start_run("later"):
    ml.log_metric("acc", 0.1)
    print("ready", flush=True)
    while not os.path.exists({stop!r}):
        time.sleep(0.05)
"""


def test_restore_refuses_live_writers_and_data_without_force(filled, home, tmp_path):
    backup = tmp_path / "backup"
    assert cli(home, "backup", str(backup)).returncode == 0
    stop = tmp_path / "stop"
    writer = python_code(WRITER.format(stop=str(stop)), home, wait=False)
    try:
        assert writer.stdout.readline().strip() == "ready"
        refused = cli(home, "restore", str(backup))
        assert refused.returncode == 2
        assert str(writer.pid) in refused.stderr and "stop them" in refused.stderr
        assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    finally:
        stop.touch()
        writer.communicate(timeout=120)
    assert writer.returncode == 0

    refused = cli(home, "restore", str(backup))
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert not list(home.glob("replaced-*"))
    assert sorted(live_rows("SELECT run_name FROM runs")) == [("kept",), ("later",)]

    done = cli(home, "restore", str(backup), "--force")
    assert done.returncode == 0, done.stderr
    [aside] = home.glob("replaced-*/mlops.duckdb")
    assert sorted(rows(aside, "SELECT run_name FROM runs")) == [("kept",), ("later",)]  # the replaced data is kept
    assert live_rows("SELECT run_name FROM runs") == [("kept",)]


def test_restore_refuses_a_damaged_backup_and_a_folder_that_is_not_one(filled, home, tmp_path):
    backup = tmp_path / "backup"
    backup_store(open_store(), backup)
    [blob] = (backup / "artifacts" / "sha256").glob("*/*")
    os.chmod(blob, 0o644)
    blob.write_bytes(b"tampered")
    done = cli(home, "restore", str(backup), "--force")
    assert done.returncode == 2 and "does not match its sha256" in done.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    done = cli(home, "restore", str(plain))
    assert done.returncode == 2 and "not a finished jupyter-mlops backup" in done.stderr
    assert live_rows("SELECT run_name FROM runs") == [("kept",)]
    assert not list(home.glob("replaced-*"))


def test_doctor_says_a_healthy_store_is_healthy(filled, home):
    done = cli(home, "doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("store is healthy")
    report = json.loads(cli(home, "doctor", "--json").stdout)
    assert report["healthy"] and report["blobs_checked"] == 1 and report["findings"] == []


def _flip_a_byte(home, digest):
    path = home / "artifacts" / "sha256" / digest[:2] / digest
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[0] ^= 0xFF
    path.write_bytes(bytes(data))
    return digest[:12]


def _remove_blob(home, digest):
    os.unlink(home / "artifacts" / "sha256" / digest[:2] / digest)
    return "artifacts.sha256"


def _orphan_blob(home, digest):
    return ArtifactStore(home / "artifacts").put_bytes(b"nobody refers to this")[0][:12]


def _quarantined_record(home, digest):
    write_bad_spool_line(home)
    return "1 spool record could not be applied (1 unreadable)"


def _truncated_database(home, digest):
    path = home / "mlops.duckdb"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return str(path)


@pytest.mark.parametrize("damage,check", [
    (_flip_a_byte, "corrupt-blobs"),
    (_remove_blob, "missing-blobs"),
    (_orphan_blob, "orphan-blobs"),
    (_quarantined_record, "quarantine"),
    (_truncated_database, "database"),
])
def test_doctor_finds_each_kind_of_damage_in_one_line(filled, home, damage, check):
    open_store().release()
    named = damage(home, filled)
    done = cli(home, "doctor")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    findings = [line for line in done.stdout.splitlines() if not line.startswith(" ")][:-1]
    assert [line.split(":", 1)[0] for line in findings] == [check]
    assert named in findings[0]
    assert done.stdout.splitlines()[-1] == f"1 problem found in {home}"
    report = json.loads(cli(home, "doctor", "--json").stdout)
    assert not report["healthy"] and [f["check"] for f in report["findings"]] == [check]


def test_doctor_lists_quarantined_records_by_kind_and_newest(filled, home):
    write_bad_spool_line(home, b'this is not json\n["no-such-kind", 1]\n')
    report = json.loads(cli(home, "doctor", "--json").stdout)
    assert report["quarantine"]["count"] == 2
    assert sorted(g["kind"] or "" for g in report["quarantine"]["groups"]) == ["", "no-such-kind"]
    assert [r["raw"] for r in report["quarantine"]["newest"]] == ['["no-such-kind", 1]', "this is not json"]
    text = cli(home, "doctor").stdout
    assert text.count("  quarantined #") == 2


async def test_info_and_health_show_the_quarantine_count(filled, home, api):
    assert (await api("/health"))["quarantined"] == 0
    assert "quarantine" not in cli(home, "info").stdout.split("rows:")[0]
    write_bad_spool_line(home)
    assert (await api("/health"))["quarantined"] == 1
    open_store().release()
    text = cli(home, "info").stdout
    assert "quarantine: 1 spool record could not be applied; run `jupyter-mlops doctor`" in text
    assert json.loads(cli(home, "info", "--json").stdout)["quarantined"] == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["format", "format_version", "schema_version", "database", "tables", "file", "sha256",
                            "table-name", "whole"]),
       value=json_values)
def test_a_hostile_manifest_is_refused_with_a_typed_error_never_a_crash(filled, tmp_path, key, value):
    backup = tmp_path / "fuzz-backup"
    if not backup.exists():
        backup_store(open_store(), backup)
        (backup / "original.json").write_text((backup / "manifest.json").read_text())
    manifest = json.loads((backup / "original.json").read_text())
    if key in ("file", "sha256"):
        manifest["database"][key] = value
    elif key == "table-name":
        manifest["tables"][str(value)] = 1  # e.g. SQL in a table name
    elif key == "whole":
        manifest = value
    else:
        manifest[key] = value
    (backup / "manifest.json").write_text(json.dumps(manifest))
    try:
        accepted = verify_backup(backup)
    except MlopsError as error:
        assert "\n" not in str(error)
        return
    # Accepted only when it still describes this backup exactly.
    assert accepted["database"]["file"] == "mlops.duckdb"
    for table, count in accepted["tables"].items():
        assert rows(backup / "mlops.duckdb", f'SELECT count(*) FROM "{table}"') == [(count,)]
