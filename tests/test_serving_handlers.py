"""The model-server endpoints (``GET /servers``, ``POST /servers/{id}/traffic``) against a real
in-process Jupyter server, real model servers on 127.0.0.1 and a real store.

One store per module: cancer/1 (champion) and cancer/2 (challenger), a server in canary mode
started in this process, and a second one that was started and stopped. Tests that shift traffic
first put the split back to a known one, so their order does not matter. One test serves from a
child process, so the shift goes through the admin token file and the server's own HTTP API.
"""

from __future__ import annotations

import asyncio
import json
import subprocess

import httpx
import pytest
import tornado.httpclient

from .conftest import forget_store, python_code
from .serving_helpers import cancer, records, register_cancer

pytest_plugins = ["pytest_jupyter.jupyter_server"]

BASE = {"mode": "canary", "challenger_share": 0.2, "champion_share": 0.8, "active": None}
FAST = {"poll_interval": 0.2, "beat_interval": 0.2}  # heartbeats (and so the listed stats) every 0.2 s


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The shared store and servers: ``running`` (canary 20%) and ``stopped`` (stopped at once)."""
    from jupyter_mlops.serving import serve

    home = (tmp_path_factory.mktemp("serving") / "store").absolute()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLOPS_HOME", str(home))
        mp.setenv("MLOPS_CAPTURE", "0")
        register_cancer()
        stopped = serve("cancer@champion", **FAST)
        stopped.stop()
        running = serve("cancer@champion", challenger="challenger", mode="canary", canary_share=0.2, **FAST)
        try:
            yield {"home": home, "running": running, "stopped": stopped}
        finally:
            running.stop()
            forget_store(home)


@pytest.fixture
def home(built, monkeypatch):
    """The shared store made current (the Jupyter server in this process reads it)."""
    monkeypatch.setenv("MLOPS_HOME", str(built["home"]))
    monkeypatch.setenv("MLOPS_CAPTURE", "0")
    return built["home"]


@pytest.fixture
def server(built):
    """The running server, its split reset to canary 20%."""
    built["running"].set_traffic(mode="canary", challenger_share=0.2)
    return built["running"]


async def eventually(check, what: str, timeout: float = 20.0):
    """Await ``check()`` until it returns something truthy (a bound on the wait, not a measurement)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def stats_of(server) -> dict:
    """What the running model server itself answers on GET /stats."""
    return httpx.get(server.url + "/stats").json()


def traffic(path: str, body) -> tuple[str, str]:
    return f"/servers/{path}/traffic", json.dumps(body) if not isinstance(body, str) else body


# --- tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method,path", [("GET", "/servers"), ("POST", "/servers/srv-x/traffic")])
async def test_every_serving_endpoint_requires_authentication(jp_fetch, method, path, home):
    with pytest.raises(tornado.httpclient.HTTPClientError) as failure:
        await jp_fetch(*("mlops/api/v1" + path).split("/"), method=method, headers={"Authorization": ""},
                       body='{"challenger_share": 0.5}' if method == "POST" else None)
    assert failure.value.code == 403


async def test_lists_the_running_server_with_its_split_and_per_version_stats(api, server, built):
    X, y, *_ = cancer()
    client = httpx.Client(base_url=server.url)
    # Fixed request ids make the canary's draw fixed: req-1 and req-6 of the labelled ten go to the challenger.
    answers = [client.post("/predict", json={"records": records(X.iloc[[i]])},
                           headers={"X-Request-Id": f"req-{i}"}).json() for i in range(40)]
    assert [i for i, a in enumerate(answers[:10]) if a["side"] == "challenger"] == [1, 6]
    for i, answer in enumerate(answers[:10]):
        client.post("/feedback", json={"request_id": answer["request_id"], "label": int(y.iloc[i])})
    served = {side: sum(a["side"] == side for a in answers) for side in ("champion", "challenger")}
    total = sum(s["requests"] for s in stats_of(server)["stats"])

    async def listed():
        (found,) = (await api("/servers"))["servers"]
        # a heartbeat taken after the requests but between two feedback posts would be stale: wait for all ten
        done = sum(s["requests"] for s in found["stats"]) == total and sum(s["labelled"] for s in found["stats"]) == 10
        return found if done else None

    found = await eventually(listed, "a heartbeat with the requests and labels just sent")
    assert (found["server_id"], found["url"], found["model"]) == (server.server_id, server.url, "cancer")
    assert found["alive"] is True
    assert found["port"] == server.port and found["host"] == "127.0.0.1" and found["auth"] is False
    assert found["traffic"] == BASE and found["mode"] == "canary"
    assert (found["champion"], found["challenger"]) == ("cancer/1", "cancer/2")
    assert found["predictors"]["challenger"] == {"ref": "cancer@challenger", "model": "cancer", "version": 2,
                                                 "task": "classification"}
    assert found["started_at"].endswith("Z") and found["beat_at"].endswith("Z") and found["seconds_since_beat"] >= 0
    by_side = {s["side"]: s for s in found["stats"] if s["current"]}
    assert set(by_side) == {"champion", "challenger"}
    assert by_side["champion"]["version"] == 1 and by_side["challenger"]["version"] == 2
    for side, row in by_side.items():
        assert row["requests"] >= served[side] and row["errors"] == 0 and row["error_rate"] == 0
        assert 0 < row["latency_p50_ms"] <= row["latency_p99_ms"] and row["quality_metric"] == "accuracy"
    # 10 labels, each matched by the side that answered; the challenger (trained on flipped labels) is wrong
    assert (by_side["champion"]["labelled"], by_side["challenger"]["labelled"]) == (8, 2)
    assert by_side["champion"]["quality"] == 1.0 and by_side["challenger"]["quality"] == 0.0


async def test_filters_by_model_and_shows_stopped_servers_on_request(api, server, built):
    only = (await api("/servers", params={"model": "cancer"}))["servers"]
    assert [s["server_id"] for s in only] == [server.server_id]
    assert (await api("/servers", params={"model": "churn"}))["servers"] == []
    every = (await api("/servers", params={"include_stopped": "true"}))["servers"]
    by_id = {s["server_id"]: s for s in every}
    stopped = by_id[built["stopped"].server_id]
    assert stopped["alive"] is False and stopped["stopped_at"].endswith("Z") and stopped["traffic"]["mode"] == "single"
    assert by_id[server.server_id]["alive"] is True and by_id[server.server_id]["stopped_at"] is None
    error = await api("/servers", params={"include_stopped": "maybe"}, expect=400)
    assert "include_stopped" in error["message"]


async def test_shifting_a_canary_changes_the_running_servers_split(api, server):
    path, body = traffic(server.server_id, {"challenger_share": 0.5, "reason": "canary <b>looks</b> good"})
    answer = await api(path, method="POST", body=body)
    assert answer["traffic"] == {"mode": "canary", "challenger_share": 0.5, "champion_share": 0.5, "active": None}
    assert answer["previous"] == BASE and answer["changed"] is True and answer["server_id"] == server.server_id
    assert "50% to the challenger" in answer["message"] and "was canary, 20%" in answer["message"]
    live = stats_of(server)
    assert live["traffic"]["challenger_share"] == 0.5
    assert live["shifts"][-1]["reason"] == "canary <b>looks</b> good" and live["shifts"][-1]["by"] == "command"

    async def listed():
        (found,) = (await api("/servers"))["servers"]
        return found if found["traffic"]["challenger_share"] == 0.5 else None

    found = await eventually(listed, "the shift in the listed split")
    assert found["shifts"][-1]["reason"] == "canary <b>looks</b> good" and found["shifts"][-1]["at"].endswith("Z")


async def test_blue_green_switch_and_shadow_by_a_unique_id_prefix(api, server):
    path, body = traffic(server.server_id[:10], {"mode": "blue-green", "active": "challenger"})
    answer = await api(path, method="POST", body=body)
    assert answer["traffic"] == {"mode": "blue-green", "challenger_share": 1.0, "champion_share": 0.0,
                                 "active": "challenger"}
    assert stats_of(server)["traffic"]["active"] == "challenger"
    X, *_ = cancer()
    served = httpx.post(server.url + "/predict", json={"records": records(X.iloc[:1])}).json()
    assert served["side"] == "challenger" and served["model_version"] == 2
    path, body = traffic(server.server_id, {"active": "champion", "mode": "blue-green"})
    assert (await api(path, method="POST", body=body))["traffic"]["active"] == "champion"
    path, body = traffic(server.server_id, {"mode": "shadow"})
    answer = await api(path, method="POST", body=body)
    assert answer["traffic"]["mode"] == "shadow" and answer["previous"]["mode"] == "blue-green"
    assert stats_of(server)["traffic"] == {"mode": "shadow", "challenger_share": 0.0, "champion_share": 1.0,
                                           "active": None}


async def test_an_unknown_or_stopped_server_is_a_404(api, server, built):
    path, body = traffic("srv-nope", {"challenger_share": 0.5})
    error = await api(path, method="POST", body=body, expect=404)
    assert "no running model server 'srv-nope'" in error["message"] and server.server_id in error["message"]
    assert error["error"] == "NotFound"
    path, body = traffic(built["stopped"].server_id, {"challenger_share": 0.5})
    error = await api(path, method="POST", body=body, expect=404)
    assert "no running model server" in error["message"]
    assert stats_of(server)["traffic"] == BASE


@pytest.mark.parametrize(
    "body,message",
    [
        ("not json", "must be JSON"),
        ("[0.5]", "JSON object"),
        ("{}", "nothing to change"),
        ('{"reason": "why not"}', "nothing to change"),
        ('{"share": 0.5}', "no traffic setting 'share'"),
        ('{"challenger_share": "half"}', "a number from 0 to 1"),
        ('{"challenger_share": true}', "a number from 0 to 1"),
        ('{"challenger_share": 1.5}', "between 0 and 1"),
        ('{"mode": "canry"}', "did you mean 'canary'"),
        ('{"mode": 3}', "'mode' must be text"),
        ('{"active": "challenger"}', "pass mode='blue-green' too"),
        ('{"mode": "blue-green", "active": "both"}', "'champion' or 'challenger'"),
        ('{"mode": "shadow", "challenger_share": 0.3}', "use mode='canary'"),
        ('{"challenger_share": 0.5, "reason": ["a"]}', "'reason' must be text"),
    ],
)
async def test_bad_traffic_bodies_are_400_and_change_nothing(api, server, body, message):
    error = await api(f"/servers/{server.server_id}/traffic", method="POST", body=body, expect=400)
    assert message in error["message"] and "\n" not in error["message"]
    assert stats_of(server)["traffic"] == BASE


async def test_a_server_in_another_process_is_shifted_through_its_token_file(api, home):
    child = python_code("""
        import sys
        from jupyter_mlops.serving import serve
        server = serve("cancer@champion", challenger="challenger", mode="canary", canary_share=0.1,
                       poll_interval=0.2, beat_interval=0.2)
        print(server.server_id, server.url, flush=True)
        sys.stdin.readline()
        server.stop()
    """, home, wait=False, stdin=subprocess.PIPE)
    try:
        line = child.stdout.readline().split()
        assert len(line) == 2, child.stderr.read() if child.poll() is not None else line
        server_id, url = line
        listed = {s["server_id"]: s for s in (await api("/servers"))["servers"]}
        assert listed[server_id]["url"] == url and listed[server_id]["pid"] == child.pid
        path, body = traffic(server_id, {"challenger_share": 0.75, "reason": "from the sidebar"})
        answer = await api(path, method="POST", body=body)
        assert answer["traffic"]["challenger_share"] == 0.75 and answer["previous"]["challenger_share"] == 0.1
        live = httpx.get(url + "/stats").json()
        assert live["traffic"]["challenger_share"] == 0.75 and live["shifts"][-1]["reason"] == "from the sidebar"
    finally:
        child.stdin.close()
        child.wait(timeout=60)
    assert child.returncode == 0, child.stderr.read()


def test_a_non_finite_reading_in_a_heartbeat_goes_out_as_null():
    from jupyter_mlops.server import wire_serving

    row = {"side": "champion", "model": "m", "version": 1, "requests": 2, "rows": 2, "errors": 0, "error_rate": 0.0,
           "latency_p50_ms": 1.0, "latency_p99_ms": float("inf"), "labelled": 1, "quality_metric": "mae",
           "quality": float("nan"), "current": True}
    record = {"server_id": "srv-1", "model": "m", "url": "http://127.0.0.1:1", "host": "127.0.0.1", "port": 1,
              "alive": True, "mode": "single", "traffic": {"mode": "single", "challenger_share": 0.0,
                                                           "champion_share": 1.0, "active": None},
              "stats": [row], "started_at": "2026-01-02T03:04:05", "beat_at": "not a time"}
    shaped = wire_serving.server(record)
    assert shaped["stats"][0]["quality"] is None and shaped["stats"][0]["latency_p99_ms"] is None
    assert shaped["started_at"] == "2026-01-02T03:04:05.000Z" and shaped["beat_at"] is None
    json.dumps(shaped, allow_nan=False)  # what the endpoint does: it must not raise
