"""The REST contract is written once: the wire models and the operations table generate openapi.json,
the routes table serves exactly those operations, the sidebar's client calls exactly those paths,
and every answer the API tests receive is checked against its operation's schema (``wire_schema``).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import jsonschema
import pytest

from jupyter_mlops.server.base import MlopsHandler
from jupyter_mlops.server.openapi_gen import SPEC_PATH, build_spec, render
from jupyter_mlops.server.operations import OPERATIONS
from jupyter_mlops.server.routes import ROUTES

from .wire_schema import check_schema

LABEXTENSION = Path(__file__).resolve().parents[1] / "labextension"
CLIENT = LABEXTENSION / "src" / "client.ts"


def test_the_committed_openapi_json_is_what_the_generator_makes():
    assert SPEC_PATH.read_text(encoding="utf-8") == render(build_spec()), (
        "openapi.json is stale: run `python -m jupyter_mlops.server.openapi_gen` and commit it"
    )


def test_the_committed_api_types_are_what_openapi_typescript_makes_of_openapi_json():
    # The JS build (`jlpm build:api`) regenerates api-types.ts; this catches a commit without it.
    tool = LABEXTENSION / "node_modules" / ".bin" / "openapi-typescript"
    checked = subprocess.run(
        [str(tool), "../jupyter_mlops/server/openapi.json", "--output", "src/api-types.ts", "--check"],
        cwd=LABEXTENSION,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_generator_refuses_a_route_without_an_operation_and_an_operation_without_a_route():
    class ExtraHandler(MlopsHandler):
        def get(self): ...

    with pytest.raises(ValueError, match=r"only served \['GET /extra'\]"):
        build_spec([*ROUTES, (r"/extra", ExtraHandler)])
    with pytest.raises(ValueError, match=r"only documented \['GET /health'\]"):
        build_spec([route for route in ROUTES if route[0] != r"/health"])


def test_every_operation_answers_a_named_model_and_ids_are_unique():
    ids = [op.operation_id for op in OPERATIONS.values()]
    assert len(ids) == len(set(ids)) == len(OPERATIONS) == 33
    spec = build_spec()
    assert spec["openapi"].startswith("3.1") and set(spec["components"]["schemas"]) >= {
        op.answer_model.__name__ for op in OPERATIONS.values()
    }


def test_the_schema_check_rejects_a_body_that_breaks_the_contract():
    check_schema("GET", "/runs", 200, {"runs": [], "total": 0, "offset": 0, "limit": 50})
    with pytest.raises(jsonschema.ValidationError):
        check_schema("GET", "/runs", 200, {"runs": [], "total": 0, "offset": 0})  # limit missing
    with pytest.raises(jsonschema.ValidationError):
        check_schema("GET", "/runs", 200, {"runs": [], "total": "0", "offset": 0, "limit": 50})
    with pytest.raises(jsonschema.ValidationError):
        check_schema(
            "GET",
            "/runs/abcd/metrics/val/loss",
            200,
            {"run_id": "abcd", "key": "val/loss", "points": [{"step": 0, "value": None}]},
        )
    with pytest.raises(jsonschema.ValidationError):
        check_schema("POST", "/runs/abcd/delete", 404, {"message": "no run"})  # an error names its kind
    with pytest.raises(AssertionError, match="no operation"):
        check_schema("GET", "/nowhere", 200, {})


def client_calls(source: str) -> set[tuple[str, str]]:
    """``(METHOD, path)`` of every ``request(path, ...)`` in client.ts, each ``${...}`` written ``{}``.

    >>> sorted(client_calls("request(`runs/${seg(id)}/delete`, '', { method: 'POST', body: '{}' }, s);"))
    [('POST', 'runs/{}/delete')]
    """
    calls = set()
    for match in re.finditer(r"request\(\s*(['`])([^'`]*)\1(.{0,120}?)\)", source, re.DOTALL):
        path = re.sub(r"\$\{[^}]*\}", "{}", match.group(2))
        method = "POST" if re.search(r"method:\s*'POST'", match.group(3)) else "GET"
        calls.add((method, path))
    return calls


def test_the_sidebar_client_calls_exactly_the_served_paths():
    served = {(key.split(" ", 1)[0], re.sub(r"\{\w+\}", "{}", key.split(" ", 1)[1].lstrip("/"))) for key in OPERATIONS}
    called = client_calls(CLIENT.read_text(encoding="utf-8"))
    assert called, "no request(...) calls found in client.ts"

    def covers(call, operation):  # a client's {} may stand for a literal segment (pause | resume)
        pattern = re.escape(call[1]).replace(r"\{\}", r"[^/]+")
        return call[0] == operation[0] and re.fullmatch(pattern, operation[1])

    assert [call for call in called if not any(covers(call, op) for op in served)] == []
    assert [op for op in served if not any(covers(call, op) for call in called)] == []
