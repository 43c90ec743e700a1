"""The model server's security and bad input, its magics in a real IPython shell, and its CLI process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import httpx
import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

import jupyter_mlops as ml
from jupyter_mlops.errors import InvalidInput, NotFound
from jupyter_mlops.serving import list_servers, prediction_log, serve, set_traffic
from jupyter_mlops.serving.cli import parse_auto_shift
from jupyter_mlops.serving.notebook import ServersView
from jupyter_mlops.serving.traffic import AutoShift

from .conftest import python_code
from .serving_helpers import cancer, records, register_cancer, started, wait_for  # noqa: F401


def test_bearer_token_guards_everything_but_health_and_ready(started):
    register_cancer()
    X, *_ = cancer()
    server = started(token="s3cret-token-1")
    client = httpx.Client(base_url=server.url)
    body = {"records": records(X.iloc[:1])}
    for method, path in (("POST", "/predict"), ("POST", "/feedback"), ("GET", "/stats"), ("GET", "/openapi.json")):
        for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "s3cret-token-1"}):
            answer = client.request(method, path, json=body, headers=headers)
            assert answer.status_code == 401, (path, headers)
            assert answer.json()["error"] == "Unauthorized" and "Authorization: Bearer" in answer.json()["message"]
            assert answer.headers["www-authenticate"] == "Bearer"
    assert client.get("/health").status_code == 200 and client.get("/ready").status_code == 200
    auth = {"Authorization": "Bearer s3cret-token-1"}
    assert client.post("/predict", json=body, headers=auth).status_code == 200
    assert client.post("/traffic", json={"mode": "single"}, headers=auth).status_code == 200


def test_traffic_endpoint_needs_the_admin_token_even_without_a_user_token(started):
    register_cancer()
    server = started(challenger="challenger")
    client = httpx.Client(base_url=server.url)
    refused = client.post("/traffic", json={"challenger_share": 0.9})
    assert refused.status_code == 401 and f"servers/{server.server_id}.token" in refused.json()["message"]
    assert oct(server.token_file.stat().st_mode & 0o777) == "0o600"
    admin = {"Authorization": f"Bearer {server.token_file.read_text()}"}
    moved = client.post("/traffic", json={"challenger_share": 0.9}, headers=admin)
    assert moved.status_code == 200 and moved.json()["traffic"]["challenger_share"] == 0.9
    for body, status, words in (({"challenger_share": 1.5}, 400, "between 0 and 1"),
                                ({"mode": "shadow", "challenger_share": 0.3}, 400, "use mode='canary'"),
                                ({"mode": "blue-green", "challenger_share": 0.5}, 400, "all traffic to one side"),
                                ({"mode": "purple"}, 400, "modes: single, canary"),
                                ({"share": 0.5}, 422, "some of: mode, challenger_share")):
        answer = client.post("/traffic", json=body, headers=admin)
        assert answer.status_code == status and words in answer.json()["message"], answer.text
    with pytest.raises(InvalidInput, match="between 0 and 1"):
        server.set_traffic(challenger_share=-0.1)
    with pytest.raises(NotFound, match="no running model server 'srv-nope'"):
        set_traffic("srv-nope", challenger_share=0.5)


def test_request_size_limit_answers_413_json(started):
    register_cancer()
    X, *_ = cancer()
    server = started(max_body_bytes=4096)
    client = httpx.Client(base_url=server.url)
    assert client.post("/predict", json={"records": records(X.iloc[:2])}).status_code == 200
    big = json.dumps({"records": records(X.iloc[:20])}).encode()
    assert len(big) > 4096
    for content in (big, iter([big[:3000], big[3000:]])):  # with Content-Length, and chunked without it
        answer = client.post("/predict", content=content, headers={"Content-Type": "application/json"})
        assert answer.status_code == 413 and "limit of 4,096 bytes" in answer.json()["message"]
    assert [s["requests"] for s in server.status()["stats"]] == [1]  # the refused ones were never scored


@pytest.mark.parametrize("body, field, problem", [
    (b"{not json", "body", "not valid JSON"),
    (b'{"records": [{"mean radius": NaN}]}', "body", "NaN is not JSON"),
    (b"[1, 2]", "body", "expected a JSON object"),
    (b'{"recods": []}', "recods", "did you mean 'records'"),
    (b'{"records": []}', "records", "no rows"),
    (b'{"records": [{"mean radius": "big"}]}', "records[0].mean radius", 'expected a number, got text "big"'),
    (b'{"records": [{"mean radius": true}]}', "records[0].mean radius", "expected a number, got true"),
    (b'{"records": [{"mean radius": [1, 2]}]}', "records[0].mean radius", "expected a single value"),
    (b'{"records": [5]}', "records[0]", "expected an object"),
    (b'{"columns": {"mean radius": [1, 2], "mean texture": [1]}}', "columns", "different lengths"),
    (b'{"records": [{"mean radius": 1}], "columns": {}}', "body", "more than one data key"),
])
def test_malformed_or_mistyped_payloads_get_422_naming_the_fields(started, body, field, problem):
    register_cancer()
    X, *_ = cancer()
    server = started()
    answer = httpx.post(server.url + "/predict", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert any(e["field"] == field and problem in e["problem"] for e in errors), errors
    assert answer.json()["error"] == "PayloadError"


def test_missing_columns_are_each_named(started):
    register_cancer()
    X, *_ = cancer()
    server = started()
    row = records(X.iloc[:1])[0]
    del row["mean radius"], row["worst area"]
    answer = httpx.post(server.url + "/predict", json={"records": [row]})
    assert answer.status_code == 422
    assert [(e["field"], e["problem"]) for e in answer.json()["errors"]] == [
        ("mean radius", "missing column"), ("worst area", "missing column")]
    assert httpx.get(server.url + "/nowhere").status_code == 404
    assert httpx.get(server.url + "/predict").status_code == 405
    assert httpx.get(server.url + "/nowhere").json()["message"].startswith("no endpoint /nowhere")


def test_unknown_model_or_alias_at_start_up_is_one_clear_error(home):
    register_cancer()
    with pytest.raises(NotFound, match=r"no alias 'champ'; did you mean 'champion'\?; aliases: challenger -> 2, champion -> 1"):
        serve("cancer@champ")
    with pytest.raises(NotFound, match="no model 'cancr'; did you mean 'cancer'"):
        serve("cancr")
    with pytest.raises(NotFound, match="no alias 'nope'"):
        serve("cancer", challenger="nope")
    with pytest.raises(InvalidInput, match="auto_shift has no setting 'stepp'"):
        serve("cancer", challenger="challenger", auto_shift={"stepp": 0.1})
    with pytest.raises(InvalidInput, match="needs a challenger"):
        serve("cancer", mode="shadow")
    with pytest.raises(InvalidInput, match="token is a secret of at least 8"):
        serve("cancer", token="short")
    assert list_servers() == []  # nothing started, nothing recorded
    cli = subprocess.run([sys.executable, "-m", "jupyter_mlops.cli", "serve", "cancer@champ", "--port", "0"],
                         capture_output=True, text=True, timeout=120, env={**os.environ, "MLOPS_HOME": str(home)})
    assert cli.returncode == 2
    assert cli.stderr.strip().splitlines() == [
        "Error: model 'cancer' has no alias 'champ'; did you mean 'champion'?; aliases: challenger -> 2, champion -> 1"]


def test_a_taken_port_is_refused_clearly(started):
    register_cancer()
    server = started()
    with pytest.raises(InvalidInput, match=f"cannot listen on 127.0.0.1:{server.port}.*choose another port"):
        serve("cancer", port=server.port)


def test_cli_serves_in_the_foreground_and_stops_cleanly_on_sigterm(home):
    register_cancer()
    X, *_ = cancer()
    env = {**os.environ, "MLOPS_HOME": str(home), "MLOPS_SERVE_TOKEN": "cli-token-123"}
    process = subprocess.Popen([sys.executable, "-m", "jupyter_mlops.cli", "serve", "cancer@champion", "--port", "0",
                                "--challenger", "challenger", "--mode", "shadow"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = process.stdout.readline()
        assert first.startswith("serving cancer/1 (cancer@champion) at http://127.0.0.1:"), first + process.stderr.read()
        assert first.strip().endswith("shadow -> cancer/2")
        url = first.split(" at ")[1].split(",")[0]
        answer = httpx.post(url + "/predict", json={"records": records(X.iloc[:2])},
                            headers={"Authorization": "Bearer cli-token-123"})
        assert answer.status_code == 200 and answer.json()["model_version"] == 1
        assert httpx.post(url + "/predict", json={"records": records(X.iloc[:2])}).status_code == 401
        (listed,) = wait_for(list_servers, what="the CLI server in the store")
        assert (listed["url"], listed["mode"], listed["auth"], listed["pid"]) == (url, "shadow", True, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "stopped srv-" in out
    assert list_servers() == [] and list_servers(include_stopped=True)[0]["stopped_at"] is not None


# -- magics ----------------------------------------------------------------------------------------


def test_magics_serve_status_traffic_and_stop(shell, home):
    from jupyter_mlops.serving.server import running_servers

    register_cancer()
    X, *_ = cancer()
    with capture_output() as out:
        shell.run_line_magic("mlops", "serve cancer@champion --challenger challenger --canary-share 0.5")
    (server,) = running_servers()
    try:
        assert f"at {server.url}, canary 50% -> cancer/2" in out.stdout
        for i in range(10):
            httpx.post(server.url + "/predict", json={"records": records(X.iloc[[i]])})
        view = shell.run_line_magic("mlops", "serve status")
        text = repr(view)
        assert server.server_id in text and "mode: canary" in text and "50%" in text
        assert sum(s["requests"] for s in view.servers[0]["stats"]) == 10
        with capture_output() as out:
            shell.run_line_magic("mlops", "serve traffic --canary-share 0.2")
        assert "canary 50% -> canary 20%" in out.stdout and server.status()["traffic"]["challenger_share"] == 0.2
        with pytest.raises(UsageError, match="no alias 'champ'; did you mean 'champion'"):
            shell.run_line_magic("mlops", "serve cancer@champ")
        with capture_output() as out:
            shell.run_line_magic("mlops", "serve stop")
        assert f"stopped {server.server_id}" in out.stdout
    finally:
        server.stop()
    assert running_servers() == [] and list_servers() == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/health")
    assert "no running model servers" in repr(shell.run_line_magic("mlops", "serve status"))


def test_status_html_escapes_everything():
    hostile = "<script>alert(1)</script>"
    view = ServersView([{"server_id": hostile, "model": "m&m", "url": "http://x/?a=<b>", "mode": "canary",
                         "traffic": {"mode": "canary", "challenger_share": 0.1, "champion_share": 0.9},
                         "stats": [{"side": hostile, "version": 1, "requests": 1, "current": False}],
                         "last_error": hostile}])
    page = view._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page and "m&amp;m" in page and "a=&lt;b&gt;" in page


def test_prediction_log_and_its_drift_source_reject_bad_input_clearly(home):
    register_cancer()
    X, *_ = cancer()
    empty = prediction_log("cancer")
    assert empty.empty and {"mean radius", "prediction", "label", "request_id", "predicted_at"} <= set(empty.columns)
    with pytest.raises(InvalidInput, match="no predictions of cancer/1 are logged yet.*send it requests"):
        ml.check_drift(X, "predictions:cancer@champion", multivariate=False, save=False)
    with pytest.raises(NotFound, match="no model 'cancr'; did you mean 'cancer'"):
        prediction_log("cancr")
    with pytest.raises(NotFound, match="no alias 'champ'"):
        ml.check_drift(X, "predictions:cancer@champ", save=False)
    with pytest.raises(InvalidInput, match="since 'yesterday' is not a time"):
        prediction_log("cancer", since="yesterday")
    with pytest.raises(InvalidInput, match="limit is a positive number"):
        prediction_log("cancer", limit=0)
    with pytest.raises(InvalidInput, match="side is 'champion' or 'challenger'"):
        prediction_log("cancer", side="left")


def test_auto_shift_options_are_checked():
    assert parse_auto_shift("on") == {} and parse_auto_shift(None) is None
    with pytest.raises(InvalidInput, match="--auto-shift step takes a float"):
        parse_auto_shift("step=fast")
    with pytest.raises(InvalidInput, match="keys: metric, min_samples"):
        parse_auto_shift("speed=1")
    with pytest.raises(InvalidInput, match="metric is one of accuracy, mae"):
        AutoShift(metric="f1")
    with pytest.raises(InvalidInput, match="min_samples is a positive whole number"):
        AutoShift(min_samples=0)


def test_cli_lists_servers_and_shifts_traffic(started):
    from click.testing import CliRunner

    from jupyter_mlops.cli import main

    register_cancer()
    server = started(challenger="challenger", canary_share=0.1)
    runner = CliRunner()
    listed = runner.invoke(main, ["servers", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.output)[0]["server_id"] == server.server_id
    table = runner.invoke(main, ["servers"])
    assert server.url in table.output and "canary" in table.output
    moved = runner.invoke(main, ["traffic", server.server_id, "--share", "0.4", "--reason", "cli"])
    assert moved.exit_code == 0 and moved.output.strip() == "canary 10% -> canary 40% to the challenger"
    assert server.status()["traffic"]["challenger_share"] == 0.4
    missing = runner.invoke(main, ["traffic", "srv-nope", "--share", "0.4"])
    assert missing.exit_code == 2 and "no running model server 'srv-nope'" in missing.output
    server.stop()
    assert "no running model servers" in runner.invoke(main, ["servers"]).output


def test_a_killed_server_process_drops_out_of_the_list(home):
    register_cancer()
    child = python_code("""
        import time
        from jupyter_mlops.serving import serve
        server = serve("cancer@champion")
        print(server.url, flush=True)
        time.sleep(600)
    """, home, wait=False)
    try:
        url = child.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), child.stderr.read() if child.poll() is not None else url
        (listed,) = wait_for(list_servers, what="the child's server")
        assert listed["url"] == url and listed["pid"] == child.pid
    finally:
        child.kill()
        child.wait(30)
    assert list_servers() == []
    (gone,) = list_servers(include_stopped=True)
    assert gone["alive"] is False and gone["stopped_at"] == gone["beat_at"]  # stopped at its last heartbeat
