"""The store itself: where it lives, migrations, artifacts, and the folder failing."""

from __future__ import annotations

import duckdb
import pytest

import jupyter_mlops as ml
from jupyter_mlops.errors import StoreNotWritable, StoreTooNew
from jupyter_mlops.store import LATEST_VERSION, TABLES, open_store, resolve_home
from jupyter_mlops.store.artifacts import ArtifactStore
from jupyter_mlops.store.schema import MIGRATIONS, apply_migrations, schema_version


def test_home_comes_from_env_first(tmp_path, monkeypatch):
    monkeypatch.setenv("MLOPS_HOME", str(tmp_path / "explicit"))
    assert resolve_home(tmp_path) == tmp_path / "explicit"


def test_home_is_nearest_mlops_folder_above(tmp_path, monkeypatch):
    monkeypatch.delenv("MLOPS_HOME", raising=False)
    (tmp_path / ".mlops").mkdir()
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert resolve_home(deep) == tmp_path / ".mlops"


def test_home_defaults_to_dot_mlops_in_working_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("MLOPS_HOME", raising=False)
    assert resolve_home(tmp_path) == tmp_path / ".mlops"


def test_fresh_store_reaches_latest_schema_and_documents_every_table(home):
    store = open_store()
    with store.connect() as con:
        assert schema_version(con) == LATEST_VERSION
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == set(TABLES)


def test_rerunning_migrations_changes_nothing(tmp_path):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    assert apply_migrations(con) == LATEST_VERSION
    assert apply_migrations(con) == LATEST_VERSION
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)


def test_old_store_is_migrated_forward(tmp_path):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    apply_migrations(con)
    con.execute("INSERT INTO experiments (name, created_at) VALUES ('kept', now())")
    newer = MIGRATIONS + [(LATEST_VERSION + 1, "test: add a column", "ALTER TABLE runs ADD COLUMN note VARCHAR")]
    assert apply_migrations(con, newer) == LATEST_VERSION + 1
    assert "note" in [r[0] for r in con.execute("DESCRIBE runs").fetchall()]
    assert con.execute("SELECT name FROM experiments").fetchall() == [("kept",)]


def test_failing_migration_rolls_back_whole(tmp_path):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    apply_migrations(con)
    broken = MIGRATIONS + [(LATEST_VERSION + 1, "broken", "CREATE TABLE half (a INT); SELECT * FROM no_such_table")]
    with pytest.raises(duckdb.Error):
        apply_migrations(con, broken)
    assert schema_version(con) == LATEST_VERSION
    assert "half" not in {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def test_store_from_newer_version_is_refused_with_the_fix(home):
    store = open_store()
    with store.connect() as con:
        con.execute("INSERT INTO schema_migrations VALUES (999, 'future', now())")
    store._migrated = False
    with pytest.raises(StoreTooNew, match="schema version 999.*pip install -U jupyter-mlops"):
        with store.connect():
            pass


def test_unwritable_store_folder_names_the_fix(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MLOPS_HOME", str(blocker / "store"))
    with pytest.raises(StoreNotWritable, match="MLOPS_HOME"):
        ml.log_metric("x", 1)


def test_artifacts_are_content_addressed(tmp_path):
    blobs = ArtifactStore(tmp_path)
    a = blobs.put_bytes(b"same bytes")
    src = tmp_path / "f.bin"
    src.write_bytes(b"same bytes")
    assert blobs.put_file(src) == a
    assert blobs.sizes() == (1, len(b"same bytes"))
    assert blobs.path(a[0]).read_bytes() == b"same bytes"
