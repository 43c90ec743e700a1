"""Datasets against a real store and real files: versions, profiles, loading, diff, bad input."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as ml
from jupyter_mlops.datasets import DataChanged
from jupyter_mlops.errors import InvalidInput, NotFound
from jupyter_mlops.store import open_store
from jupyter_mlops.store.maintenance import gc


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "age": rng.normal(40, 10, 2000).round(1),
        "plan": rng.choice(["basic", "pro", "team"], 2000, p=[0.6, 0.3, 0.1]),
        "charges": np.where(rng.random(2000) < 0.1, np.nan, rng.gamma(2, 30, 2000)),
        "signup": pd.date_range("2024-01-01", periods=2000, freq="h"),
        "churned": rng.random(2000) < 0.2,
    })


def test_register_profiles_every_column(home, frame):
    version = ml.register_dataset(frame, "churn", description="weekly", tags={"source": "crm"})
    assert (version.ref, version.rows, version.storage) == ("churn@1", 2000, "snapshot")
    assert version.schema == {"age": "DOUBLE", "plan": "VARCHAR", "charges": "DOUBLE", "signup": "TIMESTAMP_NS", "churned": "BOOLEAN"} or set(version.schema) == set(frame.columns)
    by_name = {c["column_name"]: c for c in version.columns}
    age = by_name["age"]
    assert age["kind"] == "numeric" and len(age["quantiles"]) == 101
    assert age["mean"] == pytest.approx(frame["age"].mean()) and age["std"] == pytest.approx(frame["age"].std())
    assert age["quantiles"][50] == pytest.approx(frame["age"].median(), abs=0.5)
    assert float(age["min"]) == frame["age"].min() and float(age["max"]) == frame["age"].max()
    assert by_name["charges"]["null_share"] == pytest.approx(frame["charges"].isna().mean())
    plan = by_name["plan"]
    assert plan["kind"] == "categorical" and dict(plan["categories"]) == frame["plan"].value_counts().to_dict()
    assert plan["distinct_count"] == 3 and plan["other_count"] == 0
    assert by_name["signup"]["kind"] == "temporal" and by_name["churned"]["kind"] == "boolean"
    assert ml.describe_dataset("churn").tags == {"source": "crm"}


def test_same_content_same_version_changed_content_next_version(home, frame):
    first = ml.register_dataset(frame, "churn")
    again = ml.register_dataset(frame.copy(), "churn")
    assert again.version == first.version == 1 and again.fingerprint == first.fingerprint
    changed = ml.register_dataset(frame.assign(age=frame["age"] + 1), "churn")
    assert changed.version == 2 and changed.fingerprint != first.fingerprint
    assert ml.sql("SELECT count(*) AS n FROM dataset_versions")["n"][0] == 2


def test_parquet_csv_and_sql_sources(home, frame, tmp_path):
    parquet, csv = tmp_path / "d.parquet", tmp_path / "d.csv"
    frame.to_parquet(parquet)
    frame[["age", "plan"]].to_csv(csv, index=False)
    from_parquet = ml.register_dataset(str(parquet), "from_parquet")
    from_csv = ml.register_dataset(csv, "from_csv")
    assert from_parquet.rows == from_csv.rows == 2000 and from_csv.source == f"csv:{csv}"
    with ml.start_run("r"):
        ml.log_metric("acc", 0.5)
    from_sql = ml.register_dataset("SELECT key, value FROM metrics", "metrics_snapshot")
    assert from_sql.rows == 1 and from_sql.source.startswith("sql:")
    loaded = ml.load_dataset("from_csv@latest")
    assert loaded["plan"].tolist() == frame["plan"].tolist()


def test_load_by_ref_and_path_for_duckdb(home, frame):
    ml.register_dataset(frame, "churn")
    ml.register_dataset(frame.head(10), "churn")
    assert len(ml.load_dataset("churn")) == 10 and len(ml.load_dataset("churn@latest")) == 10
    assert len(ml.load_dataset("churn@1")) == 2000
    path = ml.dataset_path("churn@1")
    assert duckdb.sql("SELECT count(*) FROM read_parquet(?)", params=[str(path)]).fetchone()[0] == 2000 if False else \
        duckdb.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0] == 2000
    listed = ml.list_datasets()
    assert listed[["name", "latest_version", "versions", "rows"]].values.tolist() == [["churn", 2, 2, 10]]


def test_referenced_file_is_verified_when_loaded(home, frame, tmp_path):
    path = tmp_path / "big.parquet"
    frame.to_parquet(path)
    version = ml.register_dataset(path, "big", snapshot=False)
    assert version.storage == "reference" and version.path == str(path)
    assert len(ml.load_dataset("big")) == 2000
    frame.head(5).to_parquet(path)
    with pytest.raises(DataChanged, match="changed since it was registered as big@1.*register_dataset"):
        ml.load_dataset("big@1")


def test_diff_reports_schema_rows_and_the_shifts_that_matter(home, frame):
    ml.register_dataset(frame, "churn")
    newer = frame.drop(columns=["churned"]).assign(age=frame["age"] + 15, region="eu").head(1800)
    ml.register_dataset(newer, "churn")
    diff = ml.diff_datasets("churn@1", "churn@2")
    assert diff.added == ["region"] and diff.removed == ["churned"] and diff.row_delta == -200
    shifted = set(diff.columns[diff.columns["shifted"]]["column"])
    assert shifted == {"age", "signup"}  # age moved 1.5 std; head(1800) cuts off the last signups
    assert "shifted: age, signup" in diff.summary()
    assert "mlops-diff" in diff._repr_html_()


def test_lineage_both_ways_explicit_and_automatic(home, frame):
    ml.register_dataset(frame, "churn")
    with ml.start_run("reader") as reader:
        ml.load_dataset("churn@1")
    with ml.start_run("producer") as producer:
        ml.register_dataset(frame.head(100), "sample")
        ml.log_input("churn@1")
    down = ml.lineage("churn@1").downstream
    assert sorted(down["run_name"]) == ["producer", "reader"]
    assert ml.lineage("sample@1").upstream["run_name"].tolist() == ["producer"]
    up = ml.lineage(reader.run_id)
    assert (up.kind, up.upstream["ref"].tolist(), up.downstream.empty) == ("run", ["churn@1"], True)
    assert ml.lineage("producer").downstream["ref"].tolist() == ["sample@1"]


def test_autolog_links_a_fit_on_a_loaded_frame_to_its_dataset(home, frame):
    from sklearn.linear_model import LogisticRegression

    ml.register_dataset(frame, "churn")
    data = ml.load_dataset("churn")
    ml.autolog(silent=True)
    try:
        with ml.start_run("fit") as run:
            LogisticRegression(max_iter=200).fit(data[["age"]], data["churned"])
    finally:
        ml.autolog(False)
    assert ml.lineage(run.run_id).upstream["ref"].tolist() == ["churn@1"]
    assert ml.get_run(run.run_id).tags["mlops.input.dataset"] == "churn@1"


def test_gc_keeps_dataset_snapshots(home, frame):
    version = ml.register_dataset(frame, "churn")
    gc(open_store())
    assert len(ml.load_dataset(version.ref)) == 2000


@pytest.mark.parametrize(
    "data,name,error,message",
    [
        (pd.DataFrame(), "empty", InvalidInput, "empty"),
        (pd.DataFrame({"a": pd.Series([], dtype=float)}), "empty", InvalidInput, "empty"),
        (pd.DataFrame({"a": [1, "two", 3.0]}), "mixed", InvalidInput, "mixes value types"),
        (pd.DataFrame([[1, 2]], columns=["a", "a"]), "dupes", InvalidInput, "duplicate column names \\['a'\\]"),
        (pd.DataFrame({"a": [1]}), "bad name!", InvalidInput, "not valid"),
        (pd.DataFrame({"a": [1]}), "", InvalidInput, "not valid"),
        ("no/such/file.parquet", "x", InvalidInput, "neither an existing"),
        ("SELECT * FROM no_such_table", "x", InvalidInput, "query failed"),
        (42, "x", InvalidInput, "takes a DataFrame"),
    ],
)
def test_bad_input_is_refused_clearly(home, data, name, error, message):
    with pytest.raises(error, match=message):
        ml.register_dataset(data, name)
    assert ml.sql("SELECT count(*) AS n FROM dataset_versions")["n"][0] == 0


def test_unknown_version_lists_the_versions_and_unknown_name_suggests(home, frame):
    ml.register_dataset(frame, "churn")
    ml.register_dataset(frame.head(3), "churn")
    with pytest.raises(NotFound, match="no version 7; versions are 1-2"):
        ml.load_dataset("churn@7")
    with pytest.raises(NotFound, match="did you mean 'churn'"):
        ml.describe_dataset("chrun")
    with pytest.raises(InvalidInput, match="positive number or 'latest'"):
        ml.describe_dataset("churn@first")
