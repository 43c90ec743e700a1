"""The model server for real: uvicorn on 127.0.0.1, real HTTP with httpx, a real store and real models.

Endpoints and payload forms, canary split, shadow mode, a hot swap under load, feedback and
quality, auto-shift, the prediction log feeding check_drift, and another process listing the
servers and shifting traffic.
"""

from __future__ import annotations

import json
import math
import threading
from datetime import datetime, timezone

import httpx
import pytest

import jupyter_mlops as ml
from jupyter_mlops.serving import list_servers, prediction_log
from jupyter_mlops.serving.traffic import AutoShift, TrafficSplit

from .conftest import python_code
from .serving_helpers import cancer, records, register_cancer, started, wait_for  # noqa: F401


def test_serves_the_champion_with_health_readiness_openapi_and_every_payload_form(started):
    register_cancer()
    X, _, good, _, _ = cancer()
    server = started()
    assert server.host == "127.0.0.1" and server._sock.getsockname()[0] == "127.0.0.1"  # loopback unless told
    client = httpx.Client(base_url=server.url)
    assert client.get("/health").json()["status"] == "ok"
    assert client.get("/ready").json() == {"ready": True, "champion": "cancer/1"}
    rows = X.iloc[:4]
    expected = good.predict(rows).tolist()
    forms = [{"records": records(rows)},
             {"columns": {c: rows[c].tolist() for c in rows.columns}},
             {"dataframe_split": {"columns": list(rows.columns), "data": rows.values.tolist()}},
             {"instances": records(rows)},
             {"inputs": {c: rows[c].tolist() for c in rows.columns}},
             {"records": records(rows.assign(extra="ignored"))}]
    for body in forms:
        answer = client.post("/predict", json=body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["predictions"] == expected
        assert answer.json()["model_version"] == 1 and answer.json()["model"] == "cancer"
    answer = client.post("/predict", json={"records": records(rows[:1])}, headers={"X-Request-Id": "order-77"})
    assert answer.json()["request_id"] == "order-77" and answer.headers["x-request-id"] == "order-77"
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.") and "/predict" in spec["paths"]
    record = spec["components"]["schemas"]["Record"]
    assert record["properties"]["mean radius"]["x-dtype"] == "float64"
    assert set(record["required"]) == set(X.columns)
    stats = client.get("/stats").json()
    champion = stats["stats"][0]
    assert (champion["side"], champion["version"], champion["requests"], champion["rows"]) == ("champion", 1, 7, 25)
    assert 0 < champion["latency_p50_ms"] <= champion["latency_p99_ms"]


def test_canary_split_is_within_binomial_tolerance_and_each_side_answers_with_its_model(started):
    register_cancer()
    X, _, good, flipped, _ = cancer()
    server = started(challenger="challenger", mode="canary", canary_share=0.3)
    client = httpx.Client(base_url=server.url)
    n, share = 400, 0.3
    rows = X.iloc[[i % len(X) for i in range(n)]]
    answers = [client.post("/predict", json={"records": records(rows.iloc[[i]])}).json() for i in range(n)]
    expected = {1: good.predict(rows).tolist(), 2: flipped.predict(rows).tolist()}
    for i, answer in enumerate(answers):
        assert answer["predictions"] == [expected[answer["model_version"]][i]]
        assert answer["side"] == {1: "champion", 2: "challenger"}[answer["model_version"]]
    sides = [a["side"] for a in answers]
    to_challenger = sides.count("challenger")
    tolerance = 4 * math.sqrt(n * share * (1 - share))  # 4 binomial standard deviations (9.2 each)
    assert abs(to_challenger - n * share) <= tolerance, to_challenger
    by_side = {s["side"]: s["requests"] for s in server.status()["stats"]}
    assert by_side == {"champion": n - to_challenger, "challenger": to_challenger}


def test_shadow_mode_never_returns_the_challenger_but_logs_its_predictions(started):
    register_cancer()
    X, _, good, flipped, _ = cancer()
    server = started(challenger="challenger", mode="shadow")
    client = httpx.Client(base_url=server.url)
    rows = X.iloc[:60]
    assert (good.predict(rows) != flipped.predict(rows)).sum() > 50  # the two sides disagree almost everywhere
    for i in range(60):
        answer = client.post("/predict", json={"records": records(rows.iloc[[i]])}).json()
        assert (answer["side"], answer["model_version"]) == ("champion", 1)
        assert answer["predictions"] == good.predict(rows.iloc[[i]]).tolist()
    wait_for(lambda: {s["side"]: s["requests"] for s in server.status()["stats"]}.get("challenger") == 60,
             what="the 60 shadow predictions")
    shadow = prediction_log("cancer", side="challenger")
    assert len(shadow) == 60 and not shadow["served"].any() and set(shadow["version"]) == {2}
    by_request = dict(zip(shadow["request_id"], shadow["prediction"]))
    served = prediction_log("cancer", include_shadow=False)
    assert len(served) == 60 and served["served"].all() and set(served["side"]) == {"champion"}
    assert [by_request[r] for r in served["request_id"]] == flipped.predict(rows).tolist()
    assert served["prediction"].tolist() == good.predict(rows).tolist()
    assert served[list(X.columns)].to_numpy().tolist() == rows.to_numpy().tolist()  # one column per feature


def test_hot_swap_under_a_steady_request_loop_fails_no_request(started):
    register_cancer(extra=True)
    X, *_ = cancer()
    server = started(poll_interval=0.2)
    outcomes, stop = [], threading.Event()

    def fire():
        with httpx.Client(base_url=server.url) as client:
            i = 0
            while not stop.is_set():
                try:
                    answer = client.post("/predict", json={"records": records(X.iloc[[i % len(X)]])})
                    outcomes.append((answer.status_code, answer.json().get("model_version")))
                except httpx.HTTPError as error:
                    outcomes.append((repr(error), None))
                i += 1

    loop = threading.Thread(target=fire)
    loop.start()
    try:
        wait_for(lambda: len(outcomes) >= 20, what="requests before the swap")
        ml.set_alias("cancer", "champion", 3, reason="promote during load")
        wait_for(lambda: any(v == 3 for _, v in outcomes[-50:]), what="the swap to version 3")
        seen = len(outcomes)
        wait_for(lambda: len(outcomes) >= seen + 20, what="requests after the swap")
    finally:
        stop.set()
        loop.join(30)
    assert all(status == 200 for status, _ in outcomes), [o for o in outcomes if o[0] != 200][:5]
    versions = [v for _, v in outcomes]
    first_new = versions.index(3)
    assert set(versions[:first_new]) == {1} and set(versions[first_new:]) == {3}  # one atomic switch, never back
    assert server.status()["swaps"] == [{"side": "champion", "ref": "cancer@champion", "from_version": 1, "to_version": 3}]


def test_prediction_log_feeds_check_drift_and_filters_by_time(started):
    register_cancer()
    X, *_ = cancer()
    server = started()
    client = httpx.Client(base_url=server.url)
    reference, live = X.iloc[::2], X.iloc[1::2]
    for start in range(0, 150, 10):
        assert client.post("/predict", json={"records": records(live.iloc[start:start + 10])}).status_code == 200
    calm = ml.check_drift(reference, "predictions:cancer@champion", multivariate=False, save=False)
    assert calm.current_rows == 150 and not calm.drifted
    assert calm.current.startswith("predictions:cancer@champion (v1, 150 rows)")
    middle = datetime.now(timezone.utc)
    shifted = live.iloc[:200] * 1.6
    for start in range(0, 200, 20):
        assert client.post("/predict", json={"records": records(shifted.iloc[start:start + 20])}).status_code == 200
    assert len(prediction_log("cancer")) == 350
    recent = prediction_log("cancer", since=middle)
    assert len(recent) == 200 and recent["mean radius"].tolist() == shifted["mean radius"].tolist()
    assert len(prediction_log("cancer", limit=5)) == 5
    moved = ml.check_drift(reference, "predictions:cancer", multivariate=False, save=False)
    assert moved.current_rows == 350 and moved.drifted and "mean radius" in moved.drifted_columns


def test_feedback_labels_give_quality_per_version(started):
    register_cancer()
    X, y, good, flipped, _ = cancer()
    server = started(challenger="challenger", canary_share=0.5)
    client = httpx.Client(base_url=server.url)
    right = {"champion": [], "challenger": []}
    for i in range(100):
        answer = client.post("/predict", json={"records": records(X.iloc[[i]])}).json()
        model = good if answer["side"] == "champion" else flipped
        right[answer["side"]].append(model.predict(X.iloc[[i]])[0] == y.iloc[i])
        reply = client.post("/feedback", json={"request_id": answer["request_id"], "label": int(y.iloc[i])}).json()
        assert (reply["received"], reply["matched"], reply["unknown_request_ids"]) == (1, 1, [])
    batch = client.post("/predict", json={"records": records(X.iloc[200:203])}).json()
    reply = client.post("/feedback", json={"feedback": [
        {"request_id": batch["request_id"], "labels": y.iloc[200:203].tolist()},
        {"request_id": "never-served", "label": 1}]}).json()
    assert (reply["received"], reply["matched"], reply["unknown_request_ids"]) == (4, 3, ["never-served"])
    model = good if batch["side"] == "champion" else flipped
    right[batch["side"]] += list(model.predict(X.iloc[200:203]) == y.iloc[200:203])
    stats = {s["side"]: s for s in server.status()["stats"]}
    for side in ("champion", "challenger"):
        assert stats[side]["labelled"] == len(right[side])
        assert stats[side]["quality"] == pytest.approx(sum(right[side]) / len(right[side]), abs=1e-6)
        assert stats[side]["quality_metric"] == "accuracy"
    assert stats["champion"]["quality"] > 0.9 > 0.1 > stats["challenger"]["quality"]
    logged = prediction_log("cancer")
    assert logged["label"].notna().sum() == 103
    assert logged.set_index("request_id").loc[batch["request_id"], "label"].tolist() == y.iloc[200:203].tolist()


def test_auto_shift_moves_traffic_towards_the_better_challenger(started):
    import jupyter_mlops as ml

    register_cancer()
    ml.set_alias("cancer", "champion", 2)  # the flipped model is the champion now; the good one challenges
    ml.set_alias("cancer", "challenger", 1)
    X, y, *_ = cancer()
    policy = dict(metric="accuracy", min_samples=10, min_improvement=0.05, step=0.3)
    server = started(challenger="challenger", canary_share=0.2, auto_shift=policy)
    client = httpx.Client(base_url=server.url)
    shares = [server.status()["traffic"]["challenger_share"]]
    for i in range(600):
        answer = client.post("/predict", json={"records": records(X.iloc[[i % len(X)]])}).json()
        reply = client.post("/feedback", json={"request_id": answer["request_id"], "label": int(y.iloc[i % len(X)])})
        share = reply.json()["traffic"]["challenger_share"]
        if share != shares[-1]:
            shares.append(share)
        if share == 1.0:
            break
    assert shares == [0.2, 0.5, 0.8, 1.0]
    shifts = server.status()["shifts"]
    assert [s["by"] for s in shifts] == ["auto-shift"] * 3 and "accuracy: challenger" in shifts[0]["reason"]


def test_auto_shift_rule_in_both_directions_and_every_mode():
    policy = AutoShift(metric="mae", min_samples=5, min_improvement=0.5, step=0.25)
    assert policy.decide({"n": 9, "value": 3.0}, {"n": 4, "value": 1.0}) == 0  # too few labels on one side
    assert policy.decide({"n": 9, "value": 3.0}, {"n": 9, "value": 2.0}) == 1  # lower MAE wins
    assert policy.decide({"n": 9, "value": 2.0}, {"n": 9, "value": 2.4}) == 0  # within the margin
    assert policy.decide({"n": 9, "value": 2.0}, {"n": 9, "value": 3.0}) == -1
    assert policy.apply(TrafficSplit("canary", 0.1), -1) == TrafficSplit("canary", 0.0)
    assert policy.apply(TrafficSplit("blue-green", 0.0), 1) == TrafficSplit("blue-green", 1.0)
    assert policy.apply(TrafficSplit("shadow"), 1) == TrafficSplit("canary", 0.25)
    assert policy.apply(TrafficSplit("shadow"), -1) == TrafficSplit("shadow")


def test_another_process_lists_the_server_and_shifts_its_traffic(started, home):
    register_cancer()
    X, *_ = cancer()
    server = started(challenger="challenger", mode="canary", canary_share=0.1)
    client = httpx.Client(base_url=server.url)
    for i in range(5):
        client.post("/predict", json={"records": records(X.iloc[[i]])})
    child = python_code(f"""
        import json
        from jupyter_mlops.serving import list_servers, set_traffic
        found = list_servers()
        result = set_traffic({server.server_id[:10]!r}, challenger_share=0.6, reason="from a child")
        bluegreen = set_traffic({server.url!r}, mode="blue-green", active="challenger")
        print(json.dumps({{"found": found, "result": result, "bluegreen": bluegreen}}))
    """, home)
    assert child.returncode == 0, child.stderr
    out = json.loads(child.stdout.strip().splitlines()[-1])
    (listed,) = out["found"]
    assert (listed["server_id"], listed["url"], listed["mode"], listed["alive"]) == (server.server_id, server.url, "canary", True)
    assert sum(s["requests"] for s in listed["stats"]) <= 5 and {s["side"] for s in listed["stats"]} <= {"champion", "challenger"}
    assert out["result"]["traffic"]["challenger_share"] == 0.6 and out["result"]["previous"]["challenger_share"] == 0.1
    assert out["bluegreen"]["traffic"] == {"mode": "blue-green", "challenger_share": 1.0, "champion_share": 0.0,
                                           "active": "challenger"}
    answers = [client.post("/predict", json={"records": records(X.iloc[[i]])}).json() for i in range(10)]
    assert {a["model_version"] for a in answers} == {2}  # blue-green: everything to the challenger at once
    assert [s["reason"] for s in server.status()["shifts"]] == ["from a child", None]
    server.stop()
    assert list_servers() == []
    (stopped,) = list_servers(include_stopped=True)
    assert stopped["alive"] is False and stopped["stopped_at"] is not None
    assert not server.token_file.exists()


def test_a_version_that_cannot_load_is_not_swapped_in_and_the_old_one_keeps_serving(started):
    register_cancer()
    X, _, good, flipped, _ = cancer()
    ml.register_model(flipped, "cancer", flavor="joblib")  # cancer/3: an unsafe pickle
    server = started()
    ml.set_alias("cancer", "champion", 3, reason="an unsafe pickle")
    assert server.poll() == []
    status = server.status()
    assert "could not load cancer/3 for the champion" in status["last_error"] and "unsafe" in status["last_error"]
    assert "still serving cancer/1" in status["last_error"]
    answer = httpx.post(server.url + "/predict", json={"records": records(X.iloc[:3])}).json()
    assert answer["model_version"] == 1 and answer["predictions"] == good.predict(X.iloc[:3]).tolist()
    assert server.poll() == []  # the failed version is not retried until the alias moves again
    ml.set_alias("cancer", "champion", 2)
    assert server.poll() == [{"side": "champion", "ref": "cancer@champion", "from_version": 1, "to_version": 2}]
