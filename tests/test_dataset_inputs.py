"""Inputs resolved in one datasets module: frames, files, name@version, and schemes other packages declare."""

import json
import os
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from jupyter_mlops.datasets.inputs import INPUT_SCHEMES, input_scheme, is_frame, open_source
from jupyter_mlops.errors import InvalidInput, NotFound


def test_datasets_inputs_import_neither_drift_nor_serving_until_a_scheme_is_used(tmp_path):
    code = """
import json, sys
from jupyter_mlops.datasets.inputs import INPUT_SCHEMES
before = sorted(m for m in sys.modules if m.startswith(("jupyter_mlops.drift", "jupyter_mlops.serving")))
known = "predictions" in INPUT_SCHEMES
print(json.dumps({"before": before, "known": known, "reader": "jupyter_mlops.serving.read_log" in sys.modules}))
"""
    env = {**os.environ, "MLOPS_HOME": str(tmp_path / ".mlops")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == {"before": [], "known": True, "reader": True}


def test_frames_files_and_registered_versions_resolve_alike(home, tmp_path):
    import jupyter_mlops as ml

    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "a"]})
    frame.to_parquet(tmp_path / "d.parquet")
    frame.to_csv(tmp_path / "d.csv", index=False)
    ml.register_dataset(frame, "inputs")
    con = duckdb.connect()
    sources = [
        open_source(data, "current", con)
        for data in (
            frame,
            tmp_path / "d.parquet",
            str(tmp_path / "d.csv"),
            "inputs@1",
            ml.describe_dataset("inputs@1"),
        )
    ]
    assert [s.label for s in sources] == ["DataFrame (3 rows)", "d.parquet", "d.csv", "inputs@1", "inputs@1"]
    assert {s.rows for s in sources} == {3}
    for source in sources:
        assert sorted(con.execute(f"SELECT x FROM ({source.relation}) t", source.params).fetchall()) == [
            (1.0,),
            (2.0,),
            (3.0,),
        ]
    assert sources[3].dataset == ("inputs", 1) and sources[0].dataset == (None, None)


def test_bad_inputs_fail_with_the_fix(home, tmp_path):
    con = duckdb.connect()
    with pytest.raises(NotFound, match="current file .*missing.parquet.* does not exist"):
        open_source(str(tmp_path / "missing.parquet"), "current", con)
    with pytest.raises(
        InvalidInput, match="reference must be a dataset like 'churn@1', a DataFrame or a Parquet/CSV path; got int"
    ):
        open_source(42, "reference", con)
    assert not is_frame({"x": [1]}) and is_frame(pd.DataFrame())


def test_a_declared_scheme_reads_its_inputs(home):
    @input_scheme("constant")
    def constant(text):
        return pd.DataFrame({"v": [float(text.split(":", 1)[1])] * 4}), f"{text} (4 rows)"

    try:
        source = open_source("constant:2.5", "current", duckdb.connect())
        assert (source.label, source.rows, source.schema) == ("constant:2.5 (4 rows)", 4, {"v": "DOUBLE"})
    finally:
        INPUT_SCHEMES.unregister("constant")


def test_one_frame_check_for_registration_and_drift(home):
    import jupyter_mlops as ml

    mixed = pd.DataFrame({"a": [1, "two", 3]})
    with pytest.raises(
        InvalidInput,
        match=r"^column 'a' of the current data mixes value types \(int, str\); "
        r"make it one type, e\.g\. df\['a'\] = df\['a'\]\.astype\(str\)$",
    ):
        open_source(mixed, "current", duckdb.connect())
    with pytest.raises(InvalidInput, match=r"^column 'a' mixes value types \(int, str\); make it one type"):
        ml.register_dataset(mixed, "mixed")
    with pytest.raises(InvalidInput, match=r"^the reference frame has duplicate column names \['a'\]"):
        open_source(pd.DataFrame([[1, 2]], columns=["a", "a"]), "reference", duckdb.connect())
    with pytest.raises(InvalidInput, match="the frame is empty"):
        ml.register_dataset(pd.DataFrame({"a": []}), "empty")
