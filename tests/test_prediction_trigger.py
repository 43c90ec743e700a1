"""The prediction_drift trigger: windows of a real model server's prediction log, checked against
the champion's training data, fire a schedule only when they drift (real server, real HTTP,
in-process scheduler ticks, a real kernel for the one run that fires)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

import jupyter_mlops as ml
from jupyter_mlops.errors import InvalidInput, NotFound
from jupyter_mlops.pipelines.scheduler import Scheduler
from tests.conftest import wait_for

ECHO = Path(__file__).parent / "scheduler_notebooks" / "echo.ipynb"


@pytest.fixture
def champion(home):
    """A classifier trained on the smaller half of the breast-cancer tumours (lineage recorded)."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    frame = load_breast_cancer(as_frame=True).frame.sort_values("mean radius", kind="stable").reset_index(drop=True)
    ml.register_dataset(frame.iloc[:300], "cancer")
    with ml.start_run("train"):
        train = ml.load_dataset("cancer@1")
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        model.fit(train.drop(columns="target"), train["target"])
        version = ml.register_model(model, "tumour", input_example=train.drop(columns="target").head(3))
    ml.set_alias("tumour", "champion", version.version)
    return frame


def _send(server, rows):
    features = rows.drop(columns="target")
    with httpx.Client(base_url=server.url, trust_env=False, timeout=30) as client:
        answer = client.post("/predict", json={"records": json.loads(features.to_json(orient="records"))})
        answer.raise_for_status()
        request_id = answer.json()["request_id"]
        client.post("/feedback", json={"request_id": request_id, "labels": rows["target"].tolist()}).raise_for_status()


def test_a_drifting_window_of_served_predictions_fires_with_its_labelled_data(champion, home):
    ml.schedule("watch", ECHO, on_drift={"predictions": "tumour@champion", "threshold": 0.3, "min_rows": 40,
                                         "target": "target"}, executor="inline")
    server = ml.serve("tumour", port=0)
    scheduler = Scheduler(executor="inline", interval=0.2)
    try:
        _send(server, champion.iloc[:25])
        assert scheduler.tick() == [] and not ml.list_datasets()["name"].eq("tumour-live").any()  # 25 < min_rows

        _send(server, champion.iloc[100:140])  # like the training data: a window, checked, no drift
        scheduler.tick()
        quiet = ml.load_dataset("tumour-live@1")
        assert len(quiet) == 65 and quiet["target"].tolist() == champion["target"].iloc[list(range(25)) + list(range(100, 140))].tolist()
        assert ml.sql("SELECT count(*) AS n FROM schedule_fires")["n"][0] == 0

        _send(server, champion.iloc[-60:])  # the largest tumours: drifted
        scheduler.tick()
        wait_for(lambda: set(ml.list_pipeline_runs(schedule="watch")["status"]) == {"finished"}, what="the first run")
        _send(server, champion.iloc[-60:])  # the same rows again: the same dataset version, a new window
        scheduler.tick()
        scheduler.shutdown()
    finally:
        server.stop()
    fires = ml.sql("SELECT \"trigger\", fire_key, detail FROM schedule_fires WHERE schedule = 'watch' ORDER BY fired_at")
    assert fires["trigger"].tolist() == ["prediction_drift"] * 2 and fires["fire_key"].nunique() == 2
    assert [json.loads(d)["current"] for d in fires["detail"]] == ["tumour-live@2", "tumour-live@2"]
    detail = json.loads(fires["detail"][0])
    assert detail["drift_share"] >= 0.3 and detail["reference"] == "cancer@1" and detail["current"] == "tumour-live@2"
    drifted = ml.load_dataset("tumour-live@2")
    assert len(drifted) == 60 and drifted["target"].tolist() == champion["target"].iloc[-60:].tolist()
    runs = [ml.get_pipeline_run(i) for i in ml.list_pipeline_runs(schedule="watch")["pipeline_run_id"]]
    assert [(r.status, r.trigger, r.parameters["dataset"]) for r in runs] == [("finished", "prediction_drift", "tumour-live@2")] * 2


@pytest.mark.parametrize("on_drift,error,message", [
    ({"predictions": "nobody@champion"}, NotFound, "nobody"),
    ({"predictions": "tumour@champion", "min_rows": 3}, InvalidInput, "at least 10"),
    ({"predictions": "tumour@champion", "threshold": 2}, InvalidInput, "between 0 and 1"),
    ({"predictions": "tumour@champion", "minrows": 50}, InvalidInput, "unknown key"),
])
def test_bad_prediction_drift_settings_are_one_line_errors(champion, on_drift, error, message):
    with pytest.raises(error, match=message):
        ml.schedule("watch", ECHO, on_drift=on_drift)
    assert ml.list_schedules().empty


def test_the_cli_and_the_magic_create_a_prediction_drift_schedule(champion):
    from click.testing import CliRunner
    from IPython.core.interactiveshell import InteractiveShell

    from jupyter_mlops.cli import main

    result = CliRunner().invoke(main, ["schedule", "add", "watch", str(ECHO), "--on-drift-predictions", "tumour@champion",
                                       "--drift-min-rows", "40", "--drift-target", "target", "--drift-threshold", "0.3"])
    assert result.exit_code == 0, result.output
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "jupyter_mlops")
    shell.run_line_magic("mlops", f"schedule add watch2 {ECHO} --on-drift-predictions tumour@champion --drift-min-rows 50")
    stored = ml.sql("SELECT name, triggers FROM schedules ORDER BY name")
    triggers = [json.loads(t)["prediction_drift"] for t in stored["triggers"]]
    assert [(t["predictions"], t["min_rows"], t["threshold"]) for t in triggers] == [("tumour@champion", 40, 0.3),
                                                                                   ("tumour@champion", 50, None)]
    assert triggers[0]["options"] == {"target": "target"}
