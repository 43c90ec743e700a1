"""Datasets announce new versions; drift subscribes (datasets never imports drift)."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from jupyter_mlops.datasets.events import VERSION_REGISTERED, on_version_registered


def _fresh(code: str, home) -> dict:
    env = {**os.environ, "MLOPS_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_version_registered_without_importing_drift_still_gets_its_reference_sketch(tmp_path):
    code = """
import json, sys
import pandas as pd
import jupyter_mlops as ml
before = "jupyter_mlops.drift" in sys.modules
version = ml.register_dataset(pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "a"]}), "churn")
from jupyter_mlops.store import open_store
with open_store().connect() as con:
    rows = con.execute("SELECT column_name FROM dataset_sketches WHERE name = 'churn' AND version = 1 "
                       "ORDER BY column_name").fetchall()
print(json.dumps({"drift_before": before, "sketched": [r[0] for r in rows], "version": version.version}))
"""
    result = _fresh(code, tmp_path / ".mlops")
    assert result == {"drift_before": False, "sketched": ["c", "x"], "version": 1}


def test_datasets_alone_loads_no_drift(tmp_path):
    code = """
import json, sys
import jupyter_mlops.datasets.registry, jupyter_mlops.datasets.events
print(json.dumps(sorted(m for m in sys.modules if m.startswith("jupyter_mlops.drift"))))
"""
    assert _fresh(code, tmp_path / ".mlops") == []


def test_subscribers_hear_each_new_version_once_and_their_errors_reach_the_caller(home):
    import jupyter_mlops as ml
    from jupyter_mlops.errors import InvalidInput

    heard = []
    on_version_registered(
        "test.listener", lambda store, version, relation, params, profile: heard.append((version.ref, profile.rows))
    )
    try:
        frame = pd.DataFrame({"x": [1, 2, 3]})
        ml.register_dataset(frame, "events")
        ml.register_dataset(frame, "events")  # same content: the existing version, no announcement
        assert heard == [("events@1", 3)]

        def refuse(*args):
            raise InvalidInput("refused by a subscriber")

        on_version_registered("test.refuse", refuse)
        with pytest.raises(InvalidInput, match="refused by a subscriber"):
            ml.register_dataset(pd.DataFrame({"x": [4, 5]}), "events")
    finally:
        VERSION_REGISTERED.unregister("test.listener")
        VERSION_REGISTERED.unregister("test.refuse")
