"""The REST API against a real in-process Jupyter server and a real store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import tornado.httpclient

import jupyter_mlops as ml
from jupyter_mlops.server.handlers import API, ROUTES

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def runs_logged(home):
    ml.set_experiment("srv")
    for i in range(25):
        with ml.start_run(f"run-{i:02d}"):
            ml.log_param("model", "rf" if i % 2 else "lr")
            ml.log_metric("acc", i / 25)
            ml.log_metric("val/loss", 1 - i / 25, step=0)
            ml.log_metric("val/loss", 0.5 - i / 50, step=1)
    with ml.start_run("odd-values"):
        ml.log_metric("nan", float("nan"))
        ml.log_metric("inf", float("inf"))


ALL_ROUTES = [("GET", "/health"), ("GET", "/experiments"), ("GET", "/runs"), ("GET", "/runs/x"), ("GET", "/datasets"),
              ("GET", "/datasets/x/versions"), ("GET", "/datasets/x/versions/1"), ("GET", "/datasets/diff"), ("GET", "/lineage"),
              ("POST", "/runs/x/delete"), ("POST", "/runs/x/restore"), ("GET", "/runs/x/metrics/acc"), ("GET", "/compare")]


@pytest.mark.parametrize("method,path", ALL_ROUTES)
async def test_every_endpoint_requires_authentication(jp_fetch, method, path, home):
    with pytest.raises(tornado.httpclient.HTTPClientError) as failure:
        await jp_fetch(*("mlops/api/v1" + path).split("/"), method=method, headers={"Authorization": ""},
                       body="" if method == "POST" else None)
    assert failure.value.code == 403


async def test_health_reports_store_and_schema(api, home):
    health = await api("/health")
    assert health["store"] == str(home) and health["schema_version"] == health["latest_schema_version"] >= 1
    assert health["scheduler"] is None


async def test_experiments_and_paged_filtered_sorted_runs(api, runs_logged):
    experiments = await api("/experiments")
    assert [(e["name"], e["runs"]) for e in experiments["experiments"]] == [("srv", 26)]
    page = await api("/runs", params={"experiment": "srv", "order_by": "metrics.acc DESC", "limit": "10", "offset": "20"})
    assert page["total"] == 26 and page["offset"] == 20 and page["limit"] == 10
    assert [r["run_name"] for r in page["runs"]] == ["run-04", "run-03", "run-02", "run-01", "run-00", "odd-values"]
    rf = await api("/runs", params={"where": "params.model = 'rf' AND metrics.acc > 0.8", "order_by": "metrics.acc"})
    assert [r["run_name"] for r in rf["runs"]] == ["run-21", "run-23"] and rf["total"] == 2
    assert rf["runs"][0]["params"] == {"model": "rf"} and set(rf["runs"][0]["metrics"]) == {"acc", "val/loss"}


async def test_non_finite_metrics_arrive_faithfully_as_valid_json(api, runs_logged):
    page = await api("/runs", params={"where": "run_name = 'odd-values'"})
    assert page["runs"][0]["metrics"] == {"nan": "NaN", "inf": "Infinity"}


@pytest.mark.parametrize(
    "params,status,message",
    [
        ({"where": "metrics.acc >> 1"}, 400, "column 13"),
        ({"limit": "0"}, 400, "limit"),
        ({"limit": "abc"}, 400, "whole number"),
        ({"offset": "-1"}, 400, "offset"),
        ({"include_deleted": "maybe"}, 400, "true or false"),
        ({"experiment": "nope"}, 404, "no experiment 'nope'"),
        ({"order_by": "metrics.acc SIDEWAYS"}, 400, "SIDEWAYS"),
    ],
)
async def test_bad_run_queries_answer_4xx_json(api, runs_logged, params, status, message):
    error = await api("/runs", params=params, expect=status)
    assert message in error["message"] and "\n" not in error["message"]


async def test_run_detail_history_and_404(api, runs_logged):
    run_id = ml.search_runs(where="run_name = 'run-07'")["run_id"][0]
    detail = await api(f"/runs/{run_id}")
    assert detail["run_name"] == "run-07" and detail["params"] == {"model": "rf"} and detail["environment"]["git_dirty"] is False
    history = await api(f"/runs/{run_id[:8]}/metrics/val/loss")
    assert [(p["step"], p["value"]) for p in history["points"]] == [(0, pytest.approx(0.72)), (1, pytest.approx(0.36))]
    missing = await api("/runs/nonexistent-run", expect=404)
    assert "no run 'nonexistent-run'" in missing["message"]
    await api(f"/runs/{run_id}/metrics/accuracy", expect=404)


async def test_delete_and_restore_actions(api, runs_logged):
    run_id = ml.search_runs(where="run_name = 'run-03'")["run_id"][0]
    deleted = await api(f"/runs/{run_id}/delete", method="POST", body="")
    assert deleted["deleted"] is True
    assert (await api("/runs", params={"experiment": "srv"}))["total"] == 25
    assert (await api(f"/runs/{run_id}/restore", method="POST", body="{}"))["deleted"] is False
    bad = await api(f"/runs/{run_id}/delete", method="POST", body="not json", expect=400)
    assert "JSON" in bad["message"]
    assert not ml.get_run(run_id).deleted


async def test_compare_returns_runs_and_curves(api, runs_logged):
    compared = await api("/compare", params=[("run", "run-01"), ("run", "run-02")])
    assert [r["run_name"] for r in compared["runs"]] == ["run-01", "run-02"]
    first = compared["runs"][0]["run_id"]
    assert [step for step, _ in compared["curves"][first]["val/loss"]] == [0, 1]
    error = await api("/compare", params=[("run", "run-01")], expect=400)
    assert "2 to 20" in error["message"]


def test_openapi_describes_exactly_the_registered_routes():
    spec = json.loads((Path(__file__).parents[1] / "jupyter_mlops" / "server" / "openapi.json").read_text())
    assert spec["servers"] == [{"url": API}]
    documented = {(re.sub(r"\{(\w+)\}", r"(?P<\1>)", path), method.upper()) for path, item in spec["paths"].items() for method in item}
    registered = set()
    for pattern, handler in ROUTES:
        shape = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"(?P<\1>)", pattern)
        shape = shape.replace("(?P<action>)", "{action}")
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            if method.lower() in handler.__dict__:
                for action in ("delete", "restore") if "{action}" in shape else [None]:
                    registered.add((shape.replace("{action}", action) if action else shape, method))
    assert documented == registered


@pytest.fixture
def datasets_logged(home):
    import pandas as pd

    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, float("nan")], "c": ["a", "b", "a", "<b>"]})
    ml.register_dataset(frame, "churn", description="first")
    with ml.start_run("reader"):
        ml.load_dataset("churn@1")
    ml.register_dataset(frame.assign(x=[10.0, 20.0, 30.0, 40.0]), "churn")


async def test_dataset_endpoints(api, datasets_logged):
    listed = await api("/datasets")
    assert [(d["name"], d["latest_version"], d["versions"], d["rows"]) for d in listed["datasets"]] == [("churn", 2, 2, 4)]
    versions = await api("/datasets/churn/versions")
    assert [v["ref"] for v in versions["versions"]] == ["churn@1", "churn@2"] and "columns" not in versions["versions"][0]
    one = await api("/datasets/churn/versions/1")
    assert [c["column_name"] for c in one["columns"]] == ["x", "c"] and one["columns"][0]["null_share"] == 0.25
    assert len(one["columns"][0]["quantiles"]) == 101 and dict(one["columns"][1]["categories"])["<b>"] == 1
    assert (await api("/datasets/churn/versions/latest"))["version"] == 2
    diff = await api("/datasets/diff", params={"before": "churn@1", "after": "churn@2"})
    assert {c["column"]: c["shifted"] for c in diff["columns"]}["x"] is True
    found = await api("/lineage", params={"ref": "churn@1"})
    assert [r["run_name"] for r in found["downstream"]] == ["reader"] and found["kind"] == "dataset"


@pytest.mark.parametrize(
    "path,params,status,message",
    [
        ("/datasets/nope/versions", None, 404, "no dataset 'nope'"),
        ("/datasets/churn/versions/9", None, 404, "versions are 1-2"),
        ("/datasets/churn/versions/first", None, 400, "positive number"),
        ("/datasets/diff", {"before": "churn@1"}, 400, "before' and 'after'"),
        ("/lineage", None, 400, "'ref'"),
        ("/lineage", {"ref": "ghost"}, 404, "neither a dataset"),
    ],
)
async def test_dataset_endpoints_bad_input(api, datasets_logged, path, params, status, message):
    error = await api(path, params=params, expect=status)
    assert message in error["message"]


@pytest.fixture
def drift_logged(home):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"age": rng.normal(40, 10, 600), "plan": rng.choice(["basic", "pro"], 600)})
    ml.register_dataset(reference, "churn")
    first = ml.check_drift("churn@1", reference.assign(age=reference["age"] + 0.1), multivariate=False)
    moved = reference.assign(age=reference["age"] + 9, plan=["<img src=x>"] * 100 + list(reference["plan"][100:]))
    second = ml.check_drift("churn@1", moved, multivariate=False)
    ml.check_drift(reference, reference, columns=["age"], multivariate=False)
    return first, second


@pytest.mark.parametrize("path", ["/drift/datasets", "/drift/history", "/drift/reports/abcd"])
async def test_drift_endpoints_require_authentication(jp_fetch, path, home):
    with pytest.raises(tornado.httpclient.HTTPClientError) as failure:
        await jp_fetch(*("mlops/api/v1" + path).split("/"), headers={"Authorization": ""})
    assert failure.value.code == 403


async def test_drift_endpoints_latest_history_and_report(api, drift_logged):
    first, second = drift_logged
    latest = await api("/drift/datasets")
    by_dataset = {d["dataset"]: d for d in latest["datasets"]}
    assert set(by_dataset) == {"churn", None} and by_dataset["churn"]["reports"] == 2
    assert by_dataset["churn"]["latest"]["report_id"] == second.report_id and by_dataset["churn"]["latest"]["drifted"] is True
    history = await api("/drift/history", params={"dataset": "churn"})
    assert [r["report_id"] for r in history["reports"]] == [first.report_id, second.report_id]
    assert [r["drift_share"] for r in history["reports"]] == [0.0, 1.0]
    assert history["reports"][0]["reference_version"] == 1 and history["reports"][0]["current_name"] is None
    assert len((await api("/drift/history"))["reports"]) == 3
    assert len((await api("/drift/history", params={"limit": "1"}))["reports"]) == 1
    report = await api(f"/drift/reports/{second.report_id[:8]}")
    assert report["report_id"] == second.report_id and report["drifted"] is True
    columns = {c["column"]: c for c in report["columns"]}
    assert columns["age"]["method"] == "ks" and columns["age"]["distribution"]["type"] == "histogram"
    assert len(columns["age"]["distribution"]["edges"]) == len(columns["age"]["distribution"]["reference"]) + 1
    assert columns["plan"]["new_categories"] == {"<img src=x>": 100} and columns["plan"]["drifted"]
    assert report["columns"][0]["severity"] >= report["columns"][1]["severity"]


@pytest.mark.parametrize(
    "path,params,status,message",
    [
        ("/drift/reports/ffffffff", None, 404, "no drift report 'ffffffff'"),
        ("/drift/reports/ab", None, 400, "at least 4 characters"),
        ("/drift/history", {"dataset": "churn@x"}, 400, "positive number"),
        ("/drift/history", {"limit": "0"}, 400, "limit"),
    ],
)
async def test_drift_endpoints_bad_input(api, drift_logged, path, params, status, message):
    error = await api(path, params=params, expect=status)
    assert message in error["message"] and "\n" not in error["message"]


# -- models ---------------------------------------------------------------------------------------
MODEL_ROUTES = [("GET", "/models"), ("GET", "/models/m/versions"), ("GET", "/models/m/history"),
                ("GET", "/models/m/evaluations"), ("POST", "/models/m/aliases/champion"),
                ("POST", "/models/m/aliases/champion/rollback")]


@pytest.mark.parametrize("method,path", MODEL_ROUTES)
async def test_every_model_endpoint_requires_authentication(jp_fetch, method, path, home):
    with pytest.raises(tornado.httpclient.HTTPClientError) as failure:
        await jp_fetch(*("mlops/api/v1" + path).split("/"), method=method, headers={"Authorization": ""},
                       body="" if method == "POST" else None)
    assert failure.value.code == 403


@pytest.fixture
def models_logged(home):
    import pandas as pd
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression

    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "y": [0, 0, 0, 1, 1, 1]})
    ml.register_dataset(frame, "toy")
    with ml.start_run("train"):
        ml.load_dataset("toy@1")
        ml.log_metric("acc", float("nan"))
        ml.register_model(DummyClassifier().fit(frame[["x"]], frame["y"]), "toy-clf", description="<b>first</b>")
    ml.register_model(LogisticRegression().fit(frame[["x"]], frame["y"]), "toy-clf")
    ml.set_alias("toy-clf", "champion", 1, reason="baseline")
    ml.set_alias("toy-clf", "challenger", 2)
    ml.compare_models("toy-clf", "champion", "challenger", "toy@1", "y", {"primary": "accuracy"})


async def test_model_endpoints_list_versions_history_evaluations(api, models_logged):
    listed = await api("/models")
    assert listed["models"] == [{"name": "toy-clf", "description": "<b>first</b>", "latest_version": 2, "versions": 2,
                                 "aliases": {"challenger": 2, "champion": 1}, "updated_at": listed["models"][0]["updated_at"]}]
    versions = await api("/models/toy-clf/versions")
    first = versions["versions"][0]
    assert (first["ref"], first["flavor"], first["unsafe"], first["datasets"], first["metrics"]) == (
        "toy-clf/1", "sklearn", False, ["toy@1"], {"acc": None})
    assert first["aliases"] == ["champion"] and first["signature"]["inputs"]["columns"] == [{"name": "x", "dtype": None}]
    history = await api("/models/toy-clf/history")
    assert history["aliases"] == {"challenger": 2, "champion": 1}
    assert [(h["alias"], h["from_version"], h["to_version"], h["reason"]) for h in history["history"]] == [
        ("champion", None, 1, "baseline"), ("challenger", None, 2, None)]
    evaluations = await api("/models/toy-clf/evaluations")
    assert [e["version"] for e in evaluations["evaluations"]] and evaluations["evaluations"][0]["dataset"] == "toy@1"
    decision = evaluations["decisions"][0]
    assert decision["primary_metric"] == "accuracy" and decision["passed"] is True and decision["promoted"] is False
    assert decision["checks"][0]["metric"] == "accuracy"


async def test_promote_and_rollback_actions_record_the_jupyter_user(api, models_logged):
    moved = await api("/models/toy-clf/aliases/champion", method="POST", body=json.dumps({"version": 2, "reason": "sidebar"}))
    assert moved["aliases"]["champion"] == 2 and moved["change"]["action"] == "promote"
    assert moved["change"]["from_version"] == 1 and moved["change"]["reason"] == "sidebar" and moved["change"]["user"]
    assert ml.get_model_version("toy-clf@champion").version == 2
    same = await api("/models/toy-clf/aliases/champion", method="POST", body=json.dumps({"version": 2}))
    assert same["change"] is None and len(same["history"]) == 3
    back = await api("/models/toy-clf/aliases/champion/rollback", method="POST", body=json.dumps({"reason": "oops"}))
    assert back["change"]["to_version"] == 1 and back["change"]["action"] == "rollback" and back["aliases"]["champion"] == 1
    assert ml.model_history("toy-clf", "champion")["action"].tolist() == ["set", "promote", "rollback"]


@pytest.mark.parametrize(
    "path,body,status,message",
    [
        ("/models/nope/aliases/champion", {"version": 1}, 404, "no model 'nope'"),
        ("/models/toy-clf/aliases/champion", {"version": 9}, 404, "no version 9; versions are 1, 2"),
        ("/models/toy-clf/aliases/champion", {}, 400, "needs the 'version'"),
        ("/models/toy-clf/aliases/champion", {"version": 2, "action": "yeet"}, 400, "action must be"),
        ("/models/toy-clf/aliases/9lives", {"version": 2}, 400, "alias '9lives' is not valid"),
        ("/models/toy-clf/aliases/challenger/rollback", {}, 400, "no earlier version"),
        ("/models/toy-clf/aliases/staging/rollback", {}, 404, "no alias 'staging'"),
    ],
)
async def test_model_actions_bad_input(api, models_logged, path, body, status, message):
    error = await api(path, method="POST", body=json.dumps(body), expect=status)
    assert message in error["message"] and "\n" not in error["message"]


async def test_model_reads_bad_input(api, models_logged):
    assert "no model 'toy'" in (await api("/models/toy/versions", expect=404))["message"]
    assert "no model 'nope'" in (await api("/models/nope/history", expect=404))["message"]
    assert "true or false" in (await api("/models/toy-clf/versions", params={"include_deleted": "x"}, expect=400))["message"]
