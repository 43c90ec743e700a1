"""The fold and the spool under faults: hostile records, SIGKILL mid-fold, torn writes, a full disk.

Everything is real: spool segments written byte by byte into a real store, child processes
killed with SIGKILL, and a real tmpfs mounted small enough to fill (the tests run as root; a
refused mount fails the test, it never skips).
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import uuid
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jupyter_mlops as ml
from jupyter_mlops.errors import StoreFull, StoreNotWritable
from jupyter_mlops.store import fold, open_store
from jupyter_mlops.store.set_aside import RAW_LIMIT, TORN_WRITE
from jupyter_mlops.store.transaction import transaction

from .conftest import forget_store, python_code
from .spool_faults_helpers import dead_writer_id, hostile_lines, line, metric, run_start, write_segment

SMALL_CHUNK = 64 * 1024  # so a modest spool takes many chunks, and a 300 KB line spans several


def _quarantine(store, segment: str | None = None) -> list[tuple]:
    store.release()  # a fresh open folds again, as another process would
    with store.connect() as con:
        where, params = ("WHERE segment = ?", [segment]) if segment else ("", [])
        return con.execute(f'SELECT "offset", kind, raw, error FROM quarantine {where} ORDER BY "offset"',
                           params).fetchall()


def _metric_steps(store, run_id: str) -> list[int]:
    store.release()
    with store.connect() as con:
        return [s for (s,) in con.execute("SELECT step FROM metrics WHERE run_id = ? ORDER BY step",
                                          [run_id]).fetchall()]


@contextmanager
def _alive(spool_dir: Path, writer: str):
    """Hold ``writer``'s lock as its process would: the fold keeps its segment and may revisit it."""
    fd = os.open(spool_dir / f"{writer}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        os.close(fd)


# -- hostile records ---------------------------------------------------------------------------
def test_hostile_records_of_every_kind_are_set_aside_while_good_ones_land_once(home, monkeypatch):
    monkeypatch.setattr(fold, "CHUNK_BYTES", SMALL_CHUNK)
    store = open_store()
    run_id = uuid.uuid4().hex
    hostile = hostile_lines(run_id)
    big_tag = "t" * 300_000  # a good record longer than a chunk: it must land, not be cut
    lines, bad = list(run_start(run_id)), {}
    for step, (name, data) in enumerate(hostile.items()):
        bad[len(lines)] = name
        lines += [data, metric(run_id, step)]
    lines.append(line(["tag", run_id, "big", big_tag]))
    writer = dead_writer_id()
    segment = f"{writer}.000000.jsonl"
    with _alive(store.spool_dir, writer):
        offsets = write_segment(store.spool_dir, writer, lines)
        by_index = list(offsets)
        expected = {by_index[i]: hostile[name] for i, name in bad.items()}

        assert _metric_steps(store, run_id) == list(range(len(hostile)))
        assert ml.get_run(run_id).tags["big"] == big_tag
        rows = _quarantine(store, segment)
        assert [offset for offset, *_ in rows] == sorted(expected)
        for offset, kind, raw, error in rows:
            assert raw == expected[offset][:RAW_LIMIT].decode("utf-8", errors="replace")
            assert error and "\n" not in error
        kinds = {expected[o]: k for o, k, *_ in rows}
        assert kinds[hostile["metric step 2**63"]] == "m"
        assert kinds[hostile["prun queued_at in ns"]] == "prun"
        assert kinds[hostile["not JSON"]] is None
        # A second (and third) fold of the same, still-live segment adds nothing.
        assert _metric_steps(store, run_id) == list(range(len(hostile)))
        assert len(_quarantine(store, segment)) == len(hostile)
    assert len(_quarantine(store, segment)) == len(hostile)  # the writer is gone: segment finished
    assert not (store.spool_dir / segment).exists()
    assert len(ml.sql("SELECT * FROM metrics WHERE run_id = ?", [run_id])) == len(hostile)


def test_the_timestamp_in_nanoseconds_from_the_issue_no_longer_breaks_every_read(home):
    import time

    with ml.start_run("ns") as run:
        ml.log_metric("x", 1.0)
        run._write(["m", run.run_id, "x", 2.0, 1, time.time_ns()])  # past the call-time check, as in the issue
        run._write(["m", run.run_id, "y", 3.0, 2**63, 1])
        ml.log_metric("z", 4.0)
    assert ml.get_run(run.run_id).metrics == {"x": 1.0, "z": 4.0}
    assert ml.get_run(run.run_id).status == "finished"
    errors = ml.sql("SELECT error FROM quarantine ORDER BY quarantine_id")["error"].tolist()
    assert len(errors) == 2 and errors[0].startswith("ConversionException") and errors[1].startswith("OverflowError")


def _fold_and_look(store, run_id: str, writer: str):
    """One fold (through one connect): the run's metric steps, its segment's quarantine, its run rows."""
    with store.connect() as con:
        steps = [s for (s,) in con.execute("SELECT step FROM metrics WHERE run_id = ? ORDER BY step", [run_id]).fetchall()]
        quarantined = con.execute('SELECT "offset", raw FROM quarantine WHERE segment = ? ORDER BY "offset"',
                                  [f"{writer}.000000.jsonl"]).fetchall()
        runs = con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [run_id]).fetchone()[0]
    return steps, quarantined, runs


_KNOWN = [k for k in ("exp", "run", "param", "tag", "m", "art", "end", "dsrun", "pred", "fb", "srv", "prun")]
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(_KNOWN), st.lists(_json_values, max_size=14)), min_size=1, max_size=6))
def test_random_records_of_every_kind_never_block_or_swallow_good_ones(home, records):
    store = open_store()
    run_id = uuid.uuid4().hex
    lines, hostile = list(run_start(run_id)), set()
    for step, (kind, fields) in enumerate(records):
        hostile.add(len(lines))
        lines += [line([kind, *fields]), metric(run_id, step)]
    writer = dead_writer_id()
    offsets = list(write_segment(store.spool_dir, writer, lines))
    steps, quarantined, runs = _fold_and_look(store, run_id, writer)
    assert steps == list(range(len(records)))
    assert {offset for offset, _ in quarantined} <= {offsets[i] for i in hostile}  # only random lines are refused
    assert runs == 1


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=300).filter(lambda b: b"\n" not in b), min_size=1, max_size=8))
def test_any_garbage_line_is_set_aside_exactly_where_it_was(home, garbage):
    def is_record(data: bytes) -> bool:
        try:
            value = json.loads(data)
        except (ValueError, RecursionError):
            return False
        return isinstance(value, list) and bool(value) and value[0] in _KNOWN

    garbage = [g for g in garbage if not is_record(g)]
    store = open_store()
    run_id = uuid.uuid4().hex
    lines, bad = list(run_start(run_id)), []
    for step, data in enumerate(garbage):
        bad.append(len(lines))
        lines += [data, metric(run_id, step)]
    writer = dead_writer_id()
    offsets = list(write_segment(store.spool_dir, writer, lines))
    steps, quarantined, _ = _fold_and_look(store, run_id, writer)
    assert steps == list(range(len(garbage)))
    assert quarantined == [(offsets[i], g.decode("utf-8", errors="replace")) for i, g in zip(bad, garbage)]


# -- SIGKILL in the middle of a fold -------------------------------------------------------------
FOLDER = """
import sys
from jupyter_mlops.store import fold, open_store
fold.CHUNK_BYTES = CHUNK_SIZE
store = open_store()
print("folding", flush=True)
with store.connect():
    pass
print("done", flush=True)
"""


def test_sigkill_at_random_points_of_a_large_fold_applies_every_record_exactly_once(home):
    rng = random.Random(14)
    store = open_store()
    writers, per_writer = 4, 25_000
    expected, bad_offsets = {}, {}
    for w in range(writers):
        run_id, writer = uuid.uuid4().hex, dead_writer_id()
        lines = list(run_start(run_id))
        bad_at = set(rng.sample(range(100, per_writer), 6)) if w % 2 else set()  # slow path in half the segments
        bad_index = []
        for step in range(per_writer):
            if step in bad_at:
                bad_index.append(len(lines))
                lines.append(line(["m", run_id, "v", 1.0, step, 10**18]))  # a timestamp in ns
            lines.append(metric(run_id, step))
        offsets = list(write_segment(store.spool_dir, writer, lines))
        expected[run_id] = per_writer
        bad_offsets[f"{writer}.000000.jsonl"] = [offsets[i] for i in bad_index]
    code = FOLDER.replace("CHUNK_SIZE", str(SMALL_CHUNK))
    interrupted = 0
    for _ in range(10):
        child = python_code(code, home, wait=False)
        started = child.stdout.readline().strip()
        assert started == "folding", child.communicate(timeout=60)[1]
        try:
            child.wait(timeout=rng.uniform(0.0, 1.5))
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            interrupted += 1
        child.communicate(timeout=60)
    assert interrupted >= 1  # the kills did land in the middle of folds
    store.release()
    with store.connect() as con:
        for run_id, count in expected.items():
            n, steps, total = con.execute(
                "SELECT count(*), count(DISTINCT step), sum(step) FROM metrics WHERE run_id = ?", [run_id]).fetchone()
            assert (n, steps, total) == (count, count, count * (count - 1) // 2)
            values = con.execute("SELECT count(*) FROM metrics WHERE run_id = ? AND value <> step", [run_id]).fetchone()
            assert values == (0,)
        rows = con.execute('SELECT segment, "offset" FROM quarantine ORDER BY segment, "offset"').fetchall()
    assert rows == sorted((seg, o) for seg, offs in bad_offsets.items() for o in offs)
    assert not list(store.spool_dir.glob("*.jsonl"))


# -- torn writes ---------------------------------------------------------------------------------
TORN = """
import os, time, jupyter_mlops as ml
from jupyter_mlops.store import open_store
run = ml.start_run("torn")
for i in range(10):
    ml.log_metric("v", float(i), step=i)
store = open_store()
os.write(store.writer._fd, PIECE)  # half a record, then the process dies
print(run.run_id, store.writer.writer_id, flush=True)
time.sleep(600)
"""


def test_a_writer_killed_mid_record_leaves_its_records_intact_and_the_piece_in_quarantine(home):
    piece = b'["m","someone","v",99.0,99,17333'
    child = python_code(TORN.replace("PIECE", repr(piece)), home, wait=False)
    run_id, writer = child.stdout.readline().split()
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    with ml.start_run("after") as after:  # another writer keeps going meanwhile
        ml.log_metric("v", 1.0)
    store = open_store()
    assert _metric_steps(store, run_id) == list(range(10))
    assert _metric_steps(store, after.run_id) == [0]
    rows = _quarantine(store)
    assert len(rows) == 1
    offset, kind, raw, error = rows[0]
    assert raw == piece.decode() and kind is None and error == TORN_WRITE
    assert ml.get_run(run_id).status == "crashed"
    assert not list(store.spool_dir.glob(f"{writer}.*"))


def test_a_torn_last_line_and_a_torn_piece_inside_a_segment_are_never_merged(home):
    store = open_store()
    run_id = uuid.uuid4().hex
    piece = b'["m","' + run_id.encode() + b'","v",5.0'
    # a torn piece the writer could not cut off, then its next record on a fresh line, then a torn end
    lines = [*run_start(run_id), metric(run_id, 0), piece, metric(run_id, 1), metric(run_id, 2)[:-7]]
    writer = dead_writer_id()
    offsets = list(write_segment(store.spool_dir, writer, lines, end=b""))
    assert _metric_steps(store, run_id) == [0, 1]
    rows = _quarantine(store)
    assert [(o, raw) for o, _, raw, _ in rows] == [(offsets[3], piece.decode()), (offsets[5], lines[5].decode())]
    assert rows[1][3] == TORN_WRITE and rows[0][3].startswith("not valid JSON")


def test_a_failed_rollback_never_hides_the_error_that_caused_it(tmp_path):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    con.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(KeyError, match="the real cause"):
        with transaction(con):
            con.execute("INSERT INTO t VALUES (1)")
            con.execute("COMMIT")  # the transaction ends early, so the ROLLBACK after the error fails
            raise KeyError("the real cause")


def test_a_spool_write_that_fails_for_another_reason_is_one_clear_line(home):
    store = open_store()
    writer = store.writer
    os.close(writer._fd)  # a real EBADF from the operating system
    with pytest.raises(StoreNotWritable) as caught:
        writer.write(["tag", "r", "k", "v"])
    message = str(caught.value)
    assert "\n" not in message and str(store.spool_dir) in message and "MLOPS_HOME" in message
    assert isinstance(caught.value.__cause__, OSError)
    writer._fd = -1  # already closed above: keep the fixture's close from closing a reused number


# -- a full disk ---------------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    """A real 3 MB tmpfs holding the store (MLOPS_HOME); unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs for the disk-full tests (they need root): {done.stderr.strip()}")
    home = mount / "store"
    monkeypatch.setenv("MLOPS_HOME", str(home))
    monkeypatch.setenv("MLOPS_CAPTURE", "0")
    try:
        yield mount, home
    finally:
        from jupyter_mlops.tracking import runs

        while runs._stack:  # a failed test may leave its run open: end it while the store is there
            run = runs._stack[-1]
            try:
                run.end("failed")
            except Exception:
                pass
            if runs._stack and runs._stack[-1] is run:
                runs._stack.pop()
        runs._experiment = None
        forget_store(home)
        for path in mount.rglob("*.jsonl"):
            subprocess.run(["chattr", "-a", str(path)], capture_output=True)
        subprocess.run(["umount", str(mount)], check=True)


def _fill(mount: Path, leave: int) -> Path:
    """A filler file taking all but ``leave`` bytes of the disk."""
    stat = os.statvfs(mount)
    filler = mount / "filler"
    with open(filler, "wb") as f:
        f.write(b"\0" * max(stat.f_bavail * stat.f_frsize - leave, 0))
    return filler


def _all_lines_parse(spool_dir: Path) -> None:
    for path in spool_dir.glob("*.jsonl"):
        data = path.read_bytes()
        assert data.endswith(b"\n"), path
        for raw in data.splitlines():
            json.loads(raw)


def test_a_full_disk_is_store_full_and_every_call_that_returned_lands(small_disk):
    mount, home = small_disk
    ml.sql("SELECT 1")  # create the database while there is room
    filler = _fill(mount, leave=200_000)
    run = ml.start_run("full")
    returned = 0
    with pytest.raises(StoreFull) as caught:
        while True:
            ml.log_metric("v", float(returned), step=returned)
            returned += 1
    message = str(caught.value)
    assert str(home) in message and "free space" in message and "\n" not in message
    _all_lines_parse(home / "spool")  # the failed record left nothing behind
    with pytest.raises(StoreFull):
        ml.sql("SELECT count(*) FROM metrics")  # a read while full names the cause too
    filler.unlink()
    ml.log_metric("v", -1.0, step=10**6)  # the one after
    run.end()
    steps = ml.sql(f"SELECT step FROM metrics WHERE run_id = '{run.run_id}' ORDER BY step")["step"].tolist()
    assert steps == list(range(returned)) + [10**6]  # the failed one (step == returned) is not there
    assert ml.sql("SELECT count(*) AS n FROM quarantine")["n"][0] == 0


def test_a_torn_piece_that_cannot_be_cut_off_becomes_its_own_line(small_disk):
    mount, home = small_disk
    ml.sql("SELECT 1")
    run = ml.start_run("append-only")
    ml.log_metric("v", 0.0, step=0)
    segment = next((home / "spool").glob("*.jsonl"))
    subprocess.run(["chattr", "+a", str(segment)], check=True)  # truncating it now fails (EPERM)
    good_size = segment.stat().st_size
    filler = _fill(mount, leave=6000)
    with pytest.raises(StoreFull):
        for i in range(100):
            run.set_tag(f"t{i}", "x" * 20_000)  # five pages a record: the append stops part-way
    tags_before = i
    complete = good_size + sum(len(line(["tag", run.run_id, f"t{k}", "x" * 20_000])) + 1 for k in range(tags_before))
    assert segment.stat().st_size > complete  # a piece of the failed record is there, and stays
    filler.unlink()
    ml.log_metric("v", 1.0, step=1)
    run.end()
    subprocess.run(["chattr", "-a", str(segment)], check=True)
    assert ml.get_run(run.run_id).metrics == {"v": 1.0}
    assert _metric_steps(open_store(), run.run_id) == [0, 1]
    assert len(ml.get_run(run.run_id).tags.keys() & {f"t{k}" for k in range(100)}) == tags_before
    rows = ml.sql("SELECT kind, error FROM quarantine")
    assert len(rows) == 1 and rows["error"][0].startswith("not valid JSON")


def test_an_artifact_on_a_full_disk_is_store_full_and_leaves_no_partial_blob(small_disk):
    mount, home = small_disk
    ml.sql("SELECT 1")
    blobs = open_store().blobs
    filler = _fill(mount, leave=300_000)
    data = os.urandom(1_000_000)
    with pytest.raises(StoreFull) as caught:
        blobs.put_bytes(data)
    assert str(home) in str(caught.value)
    assert [p for p in (blobs.root / "sha256").rglob("*") if p.is_file()] == []
    filler.unlink()
    digest, size = blobs.put_bytes(data)
    assert blobs.path(digest).read_bytes() == data and size == len(data)


def test_folding_in_a_child_process_reports_a_full_disk_as_one_line(small_disk):
    mount, home = small_disk
    ml.sql("SELECT 1")
    with ml.start_run("pending") as run:
        for i in range(3000):
            ml.log_metric("v", float(i), step=i)
    open_store().release()
    filler = _fill(mount, leave=0)
    code = textwrap.dedent("""
        import jupyter_mlops as ml
        from jupyter_mlops.errors import StoreFull
        try:
            ml.sql("SELECT count(*) FROM metrics")
        except StoreFull as e:
            print("StoreFull:", e)
    """)
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "MLOPS_HOME": str(home)},
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.startswith("StoreFull: no space left on the device holding"), done.stdout + done.stderr
    assert "cannot rollback" not in done.stdout + done.stderr
    filler.unlink()
    assert _metric_steps(open_store(), run.run_id) == list(range(3000))
