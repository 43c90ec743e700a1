"""No input makes the model server answer 500, and browsers of other sites are kept out.

One real uvicorn model server (cancer@champion with a canary challenger, from ``serve()``) runs for
the module on 127.0.0.1 over a real store. Hypothesis fuzzes every route of its Starlette app (the
app's route table is iterated, so a new route is fuzzed too): every body form of /predict and
/invocations with wrong types, huge numbers and unicode, feedback, traffic (with the admin token),
the GET routes with hostile queries and headers. Each answer must be below 500, JSON (an object with
a one-line message for errors) and free of tracebacks. Explicit cases: 100,000-deep JSON, a
cross-site ``text/plain`` POST (refused and not in the prediction log), a foreign Origin with JSON,
an oversize body.
"""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_mlops.serving.app import build_app

from .conftest import forget_store
from .serving_helpers import cancer, records, register_cancer

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
MAX_BODY = 256 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A running model server with a challenger (canary) on its own store; yields ``(server, admin headers)``."""
    from jupyter_mlops.serving import serve

    home = (tmp_path_factory.mktemp("fuzz-serving") / "store").absolute()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLOPS_HOME", str(home))
        mp.setenv("MLOPS_CAPTURE", "0")
        register_cancer()
        running = serve("cancer@champion", challenger="challenger", canary_share=0.5, max_body_bytes=MAX_BODY)
        try:
            yield running, {"Authorization": f"Bearer {running.token_file.read_text()}"}
        finally:
            running.stop()
            forget_store(home)


def app_routes(app) -> list[tuple[str, str]]:
    """``(method, path)`` for every route in the app's own table."""
    return [(method, route.path) for route in app.routes for method in sorted(route.methods - {"HEAD"})]


# The table of a freshly built app (no state is touched until a request comes): a new route is fuzzed too.
ROUTES = app_routes(build_app(None, token=None, admin_token="unused"))


# -- strategies -------------------------------------------------------------------------------------
HOSTILE_TEXT = st.one_of(st.sampled_from(["²", "..", "\x00", "9" * 400, "NaN", "' OR 1=1 --", "😀", "\u202e", ""]),
                         st.text(max_size=30))
NUMBERS = st.one_of(st.sampled_from([2**63, -(2**63) - 1, 10**400, -(10**400), 1e308, -0.0]),
                    st.integers(min_value=-(2**80), max_value=2**80), st.floats(allow_nan=False))
LEAVES = st.one_of(st.none(), st.booleans(), NUMBERS, HOSTILE_TEXT)
VALUES = st.recursive(LEAVES, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(HOSTILE_TEXT, inner, max_size=3)), max_leaves=10)
FEATURES = list(cancer()[0].columns)


@st.composite
def rows(draw):
    """A row near the signature: every feature but a few, mostly plain numbers, some fuzzed, some extra keys."""
    dropped = draw(st.sets(st.sampled_from(FEATURES), max_size=2)) if draw(st.booleans()) else set()
    fuzzed = draw(st.sets(st.sampled_from(FEATURES), min_size=1, max_size=3))
    row = {name: draw(NUMBERS if name in fuzzed else st.floats(0, 100))
           for name in FEATURES if name not in dropped}
    if draw(st.booleans()):
        row.update(draw(st.dictionaries(HOSTILE_TEXT, LEAVES, max_size=2)))
        row[draw(st.sampled_from(FEATURES))] = draw(LEAVES)
    return row


VALID_ROWS = st.lists(st.fixed_dictionaries({name: st.floats(0, 100) for name in FEATURES}), min_size=1, max_size=3)
PREDICT_BODIES = st.one_of(
    st.builds(lambda rs, key: {key: rs}, VALID_ROWS, st.sampled_from(["records", "dataframe_records", "inputs"])),
    st.builds(lambda rs, key: {key: rs}, st.lists(rows(), min_size=1, max_size=3),
              st.sampled_from(["records", "dataframe_records", "instances", "inputs"])),
    st.builds(lambda cols, key: {key: cols}, st.dictionaries(st.sampled_from(FEATURES), st.lists(NUMBERS, max_size=3)),
              st.sampled_from(["columns", "inputs"])),
    st.builds(lambda names, data: {"dataframe_split": {"columns": names, "data": data}},
              st.lists(st.sampled_from(FEATURES), max_size=4), st.lists(st.lists(LEAVES, max_size=4), max_size=3)),
    st.dictionaries(HOSTILE_TEXT, VALUES, max_size=3),
    VALUES,
)
FEEDBACK_BODIES = st.one_of(
    st.fixed_dictionaries({"request_id": HOSTILE_TEXT, "label": VALUES}, optional={"row_index": VALUES}),
    st.fixed_dictionaries({"request_id": HOSTILE_TEXT, "labels": VALUES}),
    st.builds(lambda items: {"feedback": items}, st.lists(VALUES, max_size=3)),
    VALUES,
)
TRAFFIC_BODIES = st.one_of(
    st.fixed_dictionaries({}, optional={"mode": st.one_of(st.sampled_from(["single", "canary", "blue-green", "shadow"]),
                                                          VALUES),
                                        "challenger_share": st.one_of(st.floats(0, 1), VALUES),
                                        "active": st.one_of(st.sampled_from(["champion", "challenger"]), VALUES),
                                        "reason": VALUES}),
    VALUES,
)
RAW_BODIES = st.sampled_from([b"", b"not json", b"[" * 100_000, b'{"records": ' * 30_000, b"1" * 5000,
                              b'{"records": [{"mean radius": NaN}]}', b"\xff\xfe", b'{"records": [{"mean radius": 1e999}]}'])
BODIES = {"/predict": PREDICT_BODIES, "/invocations": PREDICT_BODIES, "/feedback": FEEDBACK_BODIES,
          "/traffic": TRAFFIC_BODIES}


def check_answer(response: httpx.Response) -> None:
    """The property: below 500, JSON, an object with a one-line message when an error, no traceback."""
    where = f"{response.request.method} {response.request.url.path} {response.request.content[:200]!r}"
    assert response.status_code < 500, f"{where} -> {response.status_code}: {response.text[:500]}"
    assert "Traceback" not in response.text, where
    assert response.headers["content-type"].startswith("application/json"), where
    body = json.loads(response.text)
    if response.status_code >= 400:
        assert isinstance(body, dict) and isinstance(body.get("message"), str) and "\n" not in body["message"], where


def test_the_running_server_has_the_fuzzed_routes(server):
    running, _ = server
    assert set(app_routes(running._uvicorn.config.app)) == set(ROUTES)
    assert {("POST", "/predict"), ("POST", "/feedback"), ("POST", "/traffic"), ("GET", "/stats")} <= set(ROUTES)


@pytest.mark.parametrize("method,path", ROUTES)
def test_every_route_answers_json_below_500_for_any_input(server, method, path):
    running, admin = server
    client = httpx.Client(base_url=running.url, timeout=60)
    scored = []

    @FUZZ
    @given(data=st.data())
    def fuzz(data):
        headers = {"X-Request-Id": data.draw(st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9_.:\-]{1,20}", fullmatch=True),
                                                       st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20)))}
        headers = {k: v for k, v in headers.items() if v is not None and v.strip() == v and "\x00" not in v}
        if path == "/traffic" and data.draw(st.booleans()):
            headers.update(admin)
        params = data.draw(st.dictionaries(st.sampled_from(["limit", "offset", "x"]), HOSTILE_TEXT, max_size=2))
        if method == "POST":
            body = data.draw(st.one_of(BODIES.get(path, VALUES).map(lambda v: json.dumps(v).encode()), RAW_BODIES))
            headers["Content-Type"] = "application/json"
            answer = client.post(path, content=body, headers=headers, params=params)
        else:
            answer = client.request(method, path, headers=headers, params=params)
        check_answer(answer)
        if path in ("/predict", "/invocations") and answer.status_code == 200:
            scored.append(answer.json()["request_id"])

    fuzz()
    if path in ("/predict", "/invocations"):
        assert len(scored) >= 5, "the fuzzer hardly ever reached the model"


def _logged_requests(home_request_ids) -> set:
    from jupyter_mlops.serving import prediction_log

    return set(prediction_log("cancer")["request_id"]) & home_request_ids


def test_deep_foreign_oversize_and_cross_site_requests_are_refused_as_json(server, monkeypatch):
    running, _ = server
    X, *_ = cancer()
    body = json.dumps({"records": records(X.iloc[:1])})
    url = running.url
    deep = httpx.post(url + "/predict", content=b"[" * 100_000, headers={"Content-Type": "application/json"})
    assert deep.status_code == 400 and "nests deeper than 64 levels" in deep.json()["message"]
    big = httpx.post(url + "/predict", content=b" " * (MAX_BODY + 1), headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and big.json()["error"] == "BodyTooLarge"
    evil = {"Origin": "https://evil.example", "X-Request-Id": "cross-site-1"}
    simple = httpx.post(url + "/predict", content=body, headers={**evil, "Content-Type": "text/plain"})
    assert simple.status_code == 403 and "other origins" in simple.json()["message"]
    form = httpx.post(url + "/predict", content=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                                 "X-Request-Id": "cross-site-2"})
    assert form.status_code == 415 and "application/json" in form.json()["message"]
    bare = httpx.post(url + "/feedback", content=b'{"request_id": "x", "label": 1}')  # no Content-Type at all
    assert bare.status_code == 415
    foreign_json = httpx.post(url + "/predict", json={"records": records(X.iloc[:1])},
                              headers={**evil, "X-Request-Id": "cross-site-3"})
    assert foreign_json.status_code == 403
    for answer in (deep, big, simple, form, bare, foreign_json):
        check_answer(answer)
    own = httpx.post(url + "/predict", json={"records": records(X.iloc[:1])},
                     headers={"Origin": url, "X-Request-Id": "same-origin-1"})
    assert own.status_code == 200, own.text
    monkeypatch.setenv("MLOPS_HOME", str(running.store.home))
    logged = _logged_requests({"cross-site-1", "cross-site-2", "cross-site-3", "same-origin-1"})
    assert logged == {"same-origin-1"}  # the refused requests never reached the model or the log
