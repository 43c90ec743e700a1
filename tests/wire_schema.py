"""Checking a REST answer against the schema its operation names in the generated openapi.json.

``check_schema("GET", "/runs", 200, body)`` raises ``jsonschema.ValidationError`` when the body does
not match ``ListRunsResponse``; any 4xx/5xx body must be an ``ErrorResponse``.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import jsonschema

SPEC = Path(__file__).parents[1] / "jupyter_mlops" / "server" / "openapi.json"


@functools.lru_cache(maxsize=1)
def _spec() -> tuple[dict, list]:
    spec = json.loads(SPEC.read_text())
    operations = []
    for path, item in spec["paths"].items():
        # {key} of the metric-history path may hold slashes (val/loss); other segments may not.
        shape = re.sub(r"\{(\w+)\}", lambda m: ".+" if m.group(1) == "key" else "[^/]+", path)
        for method, op in item.items():
            operations.append((method.upper(), re.compile(shape + "$"), path, op))
    return spec, operations


def answer_schema(method: str, path: str, status: int) -> dict:
    """The JSON schema of what ``method path`` answers with ``status`` (an ErrorResponse for >= 400)."""
    spec, operations = _spec()
    if status >= 400:
        name = "ErrorResponse"
    else:
        found = [(template, op) for m, shape, template, op in operations if m == method and shape.match(path)]
        assert found, f"{method} {path} answered {status} but no operation in openapi.json describes it"
        # The most specific template wins (/datasets/diff over /datasets/{name}...), as the server's table does.
        template, op = min(found, key=lambda hit: hit[0].count("{"))
        name = op["responses"][str(status)]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    return {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}


def check_schema(method: str, path: str, status: int, body) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``body`` matches the operation's answer schema."""
    path = path.split("?", 1)[0]
    jsonschema.validate(body, answer_schema(method, path, status), cls=jsonschema.Draft202012Validator)
