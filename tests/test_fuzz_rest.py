"""No input makes the REST extension answer 500: hypothesis fuzzes every route in ``ROUTES``.

A real ``jupyter lab`` subprocess (with the extension) serves a small real store: runs with metrics,
a dataset in two versions, a drift report, a registered model with aliases, a schedule and a
queued pipeline run. For each route (the table is iterated, so a new route is fuzzed without
touching this file) hypothesis draws path parameters (known names, unicode such as '²', huge
numbers, '..', NUL, very long text), query arguments (offset, limit, where, order_by... with
hostile values) and, for POST, bodies (wrong JSON types, deep nesting, huge numbers, not JSON at
all). Each answer must be below 500, be JSON (an object with a one-line message for errors) and
carry no traceback.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jupyter_mlops as ml
from jupyter_mlops.server.handlers import API, ROUTES

from .browser.lab import LabServer
from .conftest import forget_store

GROUP = re.compile(r"\(\?P<(\w+)>([^()]*(?:\([^()]*\))?[^()]*)\)")
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
METHODS = ("get", "post")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A real Jupyter server over a store holding one of each thing the API lists; ``known`` names them."""
    import nbformat
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from jupyter_mlops.pipelines.runs import record_queued
    from jupyter_mlops.pipelines.schedules import schedule
    from jupyter_mlops.pipelines.spec import PipelineSpec


    base = tmp_path_factory.mktemp("fuzz-rest")
    home = (base / "store").absolute()
    notebook = base / "train.ipynb"
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("alpha = 0.1", metadata={"tags": ["parameters"]})],
                                            metadata={"kernelspec": kernelspec}), str(notebook))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLOPS_HOME", str(home))
        mp.setenv("MLOPS_CAPTURE", "0")
        mp.delenv("MLOPS_EXPERIMENT", raising=False)
        mp.delenv("MLOPS_PARENT_RUN_ID", raising=False)
        ml.set_experiment("fuzz")
        for i in range(3):
            with ml.start_run(f"run-{i}") as run:
                ml.log_param("model", "lr")
                ml.log_metric("acc", i / 3)
                ml.log_metric("val/loss", 1 - i / 3, step=1)
        frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "y": [0, 0, 0, 1, 1, 1]})
        ml.register_dataset(frame, "churn")
        ml.register_dataset(frame.assign(x=frame["x"] + 3), "churn")
        report = ml.check_drift("churn@1", "churn@2", multivariate=False)
        model = LogisticRegression().fit(frame[["x"]], frame["y"])
        ml.register_model(model, "toy-clf")
        ml.register_model(model, "toy-clf")
        ml.set_alias("toy-clf", "champion", 1)
        ml.set_alias("toy-clf", "challenger", 2)
        schedule("nightly", notebook, cron="0 3 * * *")
        queued = PipelineSpec.new(notebook, {"alpha": 0.5}, home=home, name="nightly", schedule="nightly", trigger="cron")
        record_queued(queued)
        known = {"run_id": [run.run_id, run.run_id[:8]], "key": ["acc", "val/loss"],
                 "name": ["churn", "toy-clf", "nightly"], "version": ["1", "2", "latest"],
                 "report_id": [report.report_id], "alias": ["champion", "challenger"],
                 "pipeline_run_id": [queued.pipeline_run_id], "server_id": ["srv-none"]}
        forget_store(home)  # the Jupyter server process opens the store from here on
    server = LabServer(base / "lab", home).start()
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"token {server.token}"}, timeout=60) as client:
            yield client, known
    finally:
        server.stop()


# -- strategies -------------------------------------------------------------------------------------
HOSTILE_TEXT = st.one_of(
    st.sampled_from(["²", "١٢", "..", ".", "\x00", "%00", "9223372036854775808", str(2**63), "-1", "0", "1e999",
                     "NaN", "-0", " 1", "1 ", "' OR 1=1 --", "churn@²", "churn@latest", "a" * 5000, "(" * 3000,
                     "metrics.acc >> 1", "metrics.acc DESC", "\u202e", "😀", "null", "[]", "{}"]),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
QUERY_NAMES = ["offset", "limit", "where", "order_by", "experiment", "include_deleted", "include_stopped", "dataset",
               "ref", "before", "after", "run", "schedule", "status", "model"]
JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
                        st.floats(allow_nan=False, allow_infinity=False), HOSTILE_TEXT)
JSON_VALUES = st.recursive(JSON_LEAVES, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                                 st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                           max_leaves=8)
BODY_FIELDS = ["version", "reason", "action", "parameters", "mode", "challenger_share", "active"]
RAW_BODIES = st.sampled_from([b"", b"not json", b"[" * 100_000, b"{" * 50_000, b'{"a":' * 50_000, b"1" * 5000,
                              b'{"version": NaN}', b'{"version": 1e999}', b'{"version": "\xb2"}', b"\xff\xfe",
                              b'{"version": ' + b"9" * 5000 + b"}", b"[]", b"null", b'"text"', b"3"])
BODIES = st.one_of(
    RAW_BODIES,
    st.dictionaries(st.sampled_from(BODY_FIELDS), JSON_VALUES, max_size=4).map(lambda d: json.dumps(d).encode()),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
)


def _encoded(value: str) -> str:
    """One path segment: everything escaped, dots too (so '..' reaches the handler, not URL normalisation)."""
    return quote(value, safe="").replace(".", "%2E")


@st.composite
def paths(draw, pattern: str, known: dict):
    """A path matching ``pattern`` (one route), with each parameter known, hostile or drawn from its regex."""
    def fill(match):
        name, group = match.group(1), match.group(2)
        choices = [st.from_regex(group, fullmatch=True).filter(lambda v: "/" not in v or group == ".+"), HOSTILE_TEXT]
        if name in known:
            choices.append(st.sampled_from(known[name]))
        if "|" in group:  # an alternation such as delete|restore: its words, mostly
            choices = [st.sampled_from(group.split("|"))]
        return _encoded(draw(st.one_of(choices)))

    path = GROUP.sub(fill, pattern)
    full = re.compile(pattern + "$")
    if not full.match(path):  # e.g. an empty value where the route needs one: that is another URL
        path = GROUP.sub(lambda m: _encoded(known.get(m.group(1), ["x"])[0]) if "|" not in m.group(2)
                         else m.group(2).split("|")[0], pattern)
    return path


QUERIES = st.lists(st.tuples(st.sampled_from(QUERY_NAMES), HOSTILE_TEXT), max_size=4)


def _methods(handler) -> list[str]:
    return [m for m in METHODS if m in handler.__dict__]


def check_answer(response: httpx.Response) -> None:
    """The property: below 500, JSON, an object with a one-line message when an error, no traceback."""
    where = f"{response.request.method} {str(response.request.url)[:300]}"
    assert response.status_code < 500, f"{where} -> {response.status_code}: {response.text[:500]}"
    assert "Traceback" not in response.text, f"{where} leaked a traceback"
    body = json.loads(response.text)
    if response.status_code >= 400:
        assert isinstance(body, dict) and isinstance(body.get("message"), str), f"{where}: {response.text[:300]}"
        assert "\n" not in body["message"]


@pytest.mark.parametrize("pattern,handler", ROUTES, ids=[pattern for pattern, _ in ROUTES])
def test_no_path_or_query_makes_a_route_answer_500(lab, pattern, handler):
    client, known = lab

    @FUZZ
    @given(data=st.data())
    def fuzz(data):
        path = data.draw(paths(pattern, known))
        query = data.draw(QUERIES)
        for method in _methods(handler):
            body = b"{}" if method == "post" else None
            check_answer(client.request(method.upper(), API + path, params=query, content=body))

    fuzz()


POST_ROUTES = [(pattern, handler) for pattern, handler in ROUTES if "post" in _methods(handler)]


@pytest.mark.parametrize("pattern,handler", POST_ROUTES, ids=[pattern for pattern, _ in POST_ROUTES])
def test_no_body_makes_a_post_route_answer_500(lab, pattern, handler):
    client, known = lab

    @FUZZ
    @given(data=st.data())
    def fuzz(data):
        path = data.draw(paths(pattern, known))
        body = data.draw(BODIES)
        check_answer(client.post(API + path, content=body, headers={"Content-Type": "application/json"}))

    fuzz()


@pytest.mark.parametrize("pattern,handler", ROUTES, ids=[pattern for pattern, _ in ROUTES])
def test_every_route_refuses_unauthenticated_requests_with_json(lab, pattern, handler):
    client, known = lab
    path = GROUP.sub(lambda m: known.get(m.group(1), [m.group(2).split("|")[0]])[0], pattern)
    for method in _methods(handler) + ["put"]:  # and a method no route has: 405 JSON with the token
        anonymous = httpx.request(method.upper(), str(client.base_url) + API + path,
                                  content=b"{}" if method != "get" else None)
        assert anonymous.status_code in (401, 403), (method, path, anonymous.status_code)
        assert set(json.loads(anonymous.text)) <= {"message", "error", "reason"}  # an error, not data
        check_answer(anonymous)
    wrong_method = client.request("PUT", API + path, content=b"{}")
    assert wrong_method.status_code == 405
    check_answer(wrong_method)


# -- the answers seen as 500 before (issue 14) -----------------------------------------------------
@pytest.mark.parametrize("method,path,params,body,status,words", [
    ("POST", "/models/toy-clf/aliases/champion", None, {"version": "²"}, 400, "'version' must be a model version"),
    ("POST", "/models/toy-clf/aliases/champion", None, {"version": 2**63}, 400, "'version' must be a model version"),
    ("POST", "/models/toy-clf/aliases/champion", None, {"version": 2, "action": ["promote"]}, 400, "'action' must be text"),
    ("GET", "/datasets/churn/versions/%C2%B2", None, None, 400, "dataset version must be a positive number"),
    ("GET", "/runs", {"offset": str(2**63)}, None, 400, "'offset' must be a whole number from 0 to 1000000000"),
    ("GET", "/runs", {"limit": "²"}, None, 400, "'limit' must be a whole number from 1 to 1000"),
    ("POST", "/pipelines/schedules/nightly/run", None, b"[" * 100_000, 400, "nests deeper than 32 levels"),
    ("POST", "/models/toy-clf/aliases/champion", None, b'{"version": 1e999}', 400, "too large for a float"),
    ("POST", "/runs/x/delete", None, b"x" * (1024 * 1024 + 1), 413, "over this server's limit"),
])
def test_inputs_that_once_answered_500_are_4xx_json(lab, method, path, params, body, status, words):
    client, _ = lab
    content = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    answer = client.request(method, API + path, params=params, content=content)
    assert answer.status_code == status, answer.text[:300]
    assert words in answer.json()["message"] and "Traceback" not in answer.text


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("path", ["/no-such-route", "/runs/x/y/z/w", "/%C2%B2", "/models/toy-clf/nothing-here"])
def test_a_path_no_route_matches_answers_404_json_and_still_needs_auth(lab, method, path):
    client, _ = lab
    answer = client.request(method, API + path, content=b"{}" if method == "POST" else None)
    assert answer.status_code == 404, answer.text[:300]
    assert "no jupyter-mlops API route" in answer.json()["message"]
    check_answer(answer)
    anonymous = httpx.request(method, str(client.base_url) + API + path, timeout=30)
    assert anonymous.status_code in (401, 403)
    check_answer(anonymous)


def test_a_damaged_store_answers_one_line_json_503_on_every_route_not_a_traceback(tmp_path):
    """A truncated database is the server's condition, not the request's: 503 with the fix named."""
    home = (tmp_path / "store").absolute()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLOPS_HOME", str(home))
        mp.setenv("MLOPS_CAPTURE", "0")
        with ml.start_run("before-the-damage"):
            ml.log_metric("acc", 0.5)
        assert len(ml.search_runs()) == 1  # folded into the database file

        forget_store(home)
    db = home / "mlops.duckdb"
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 3])
    server = LabServer(tmp_path / "lab", home).start()
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"token {server.token}"}, timeout=60) as client:
            for path in ("/health", "/runs", "/experiments", "/models", "/datasets"):
                answer = client.get(API + path)
                assert answer.status_code == 503, (path, answer.status_code, answer.text[:300])
                body = answer.json()
                assert body["error"] == "StoreCorrupt" and str(db) in body["message"], body
                assert "jupyter-mlops restore" in body["message"] and "\n" not in body["message"]
                assert "Traceback" not in answer.text
    finally:
        server.stop()
