"""The loop closes on its own: drifted data arrives, the drift trigger fires, the retraining
template (notebooks/retrain.ipynb) trains a challenger under a real scheduler process, the
challenger beats the champion and is promoted; the store records every step.

Real data (scikit-learn's breast-cancer set, no download) with a real covariate shift: the first
version holds the tumours with the smallest radius, the second the largest.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from tests.conftest import ROOT, wait_for

RETRAIN = ROOT / "notebooks" / "retrain.ipynb"
PARAMETERS = {"model_name": "cancer", "target": "target"}


def cancer_by_radius():
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    return frame.sort_values("mean radius", kind="stable").reset_index(drop=True)


@pytest.fixture
def scheduler_process(home):
    """A real ``jupyter-mlops scheduler`` process on the test's store; stopped with SIGTERM."""
    env = {**os.environ, "MLOPS_HOME": str(home), "MLOPS_CAPTURE": "0"}
    process = subprocess.Popen([sys.executable, "-m", "jupyter_mlops.cli", "scheduler", "--interval", "0.5"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    process.communicate()


def test_drift_triggers_retraining_and_the_challenger_is_promoted(home, scheduler_process):
    import jupyter_mlops as ml
    from jupyter_mlops.pipelines.runs import list_pipeline_runs
    from jupyter_mlops.pipelines.schedules import schedule

    frame = cancer_by_radius()
    ml.register_dataset(frame.iloc[:300], "cancer")
    first = ml.run_pipeline(RETRAIN, {"dataset": "cancer@1", **PARAMETERS}, name="retrain")
    assert first.status == "finished"
    assert ml.get_model_version("cancer@champion").version == 1

    schedule("retrain-on-drift", RETRAIN, on_drift={"dataset": "cancer", "model": "cancer@champion", "threshold": 0.3},
             parameters=PARAMETERS, timeout=300)
    ml.register_dataset(frame.iloc[269:], "cancer")  # cancer@2: the largest tumours, a real shift

    def finished_run():
        runs = list_pipeline_runs(schedule="retrain-on-drift")
        done = runs[runs["status"].isin(["finished", "failed"])]
        return done.to_dict("records")[0] if len(done) else None

    # every 0.5 s: each read keeps the database open for a moment (the read linger), and the scheduler
    # process needs its turn
    run = wait_for(finished_run, "the drift-triggered retraining run", timeout=240, every=0.5)
    if run["status"] != "finished":
        stderr = scheduler_process.stderr.read() if scheduler_process.poll() is not None else ""
        raise AssertionError(f"retraining failed: {run['error_name']}: {run['error']} {stderr}")
    assert run["trigger"] == "drift"
    parameters = run["parameters"] if isinstance(run["parameters"], dict) else json.loads(run["parameters"])
    assert parameters["dataset"] == "cancer@2"

    fire = ml.sql("SELECT \"trigger\", detail, pipeline_run_id FROM schedule_fires WHERE schedule = 'retrain-on-drift'")
    assert len(fire) == 1 and fire["pipeline_run_id"][0] == run["pipeline_run_id"]
    detail = json.loads(fire["detail"][0])
    assert detail["drift_share"] >= 0.3

    champion = ml.get_model_version("cancer@champion")
    assert champion.version == 2 and champion.datasets == ["cancer@2"]
    history = ml.model_history("cancer")
    promoted = history[history["action"] == "promote"]
    assert promoted["to_version"].tolist() == [2]
    assert "retrained on cancer@2" in promoted["reason"].iloc[0]

    children = ml.sql("SELECT run_id FROM runs WHERE parent_run_id = ?", [run["pipeline_run_id"]])
    assert champion.run_id in children["run_id"].tolist()
