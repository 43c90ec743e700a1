"""Generate ``openapi.json`` from the wire models (``models/``) and the operations table (``operations.py``),
checked against the routes the server registers (``routes.ROUTES``).

Rewrite the committed file after changing a model, an operation or a route::

    python -m jupyter_mlops.server.openapi_gen

The JS build reads that file (``jlpm build:api`` makes ``labextension/src/api-types.ts`` from it),
and a test fails while the committed file differs from what this module produces.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .base import API
from .models import all_models
from .operations import OPERATIONS, Operation

SPEC_PATH = Path(__file__).with_name("openapi.json")
INFO = {
    "title": "jupyter-mlops REST API",
    "version": "1",
    "description": (
        "Served by the jupyter-mlops Jupyter server extension under the server's base URL. Every endpoint requires "
        "Jupyter's authentication (token header or the browser session with XSRF for POST). Errors answer 4xx with "
        "an ErrorResponse (413 for a body over 1 MiB, 400 for one nested deeper than 32 levels or not JSON); a fault "
        "of the server itself answers 500 with an ErrorResponse too, never a traceback. Non-finite metric values are "
        'sent as the strings "NaN", "Infinity" and "-Infinity".'
    ),
}
ERRORS = {400: ("BadRequest", "invalid input"), 404: ("NotFound", "no such run or experiment")}
METHODS = ("get", "post", "put", "patch", "delete")


def route_paths(routes) -> set[str]:
    """``"METHOD /path"`` for every method of every route, ``(?P<name>...)`` written ``{name}``.

    A group of alternatives such as ``(?P<action>delete|restore)`` is one path per alternative.

    >>> class Handler:
    ...     def get(self): ...
    >>> sorted(route_paths([(r"/runs/(?P<run_id>[^/]+)/(?P<action>delete|restore)", Handler)]))
    ['GET /runs/{run_id}/delete', 'GET /runs/{run_id}/restore']
    """
    found = set()
    for pattern, handler in routes:
        shapes = [pattern]
        choice = re.search(r"\(\?P<\w+>([\w|]+)\)", pattern)
        if choice:
            shapes = [pattern.replace(choice.group(0), word) for word in choice.group(1).split("|")]
        for shape in shapes:
            shape = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", shape)
            found.update(f"{method.upper()} {shape}" for method in METHODS if method in handler.__dict__)
    return found


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(op: Operation) -> dict:
    out: dict = {"operationId": op.operation_id, "summary": op.summary}
    if op.parameters:
        out["parameters"] = op.parameters
    if op.body is not None:
        schema = op.body if isinstance(op.body, dict) else _ref(op.body)
        out["requestBody"] = {"required": op.body_required, "content": {"application/json": {"schema": schema}}}
    out["responses"] = {
        "200": {"description": op.answer, "content": {"application/json": {"schema": _ref(op.answer_model)}}}
    }
    for status in op.errors:
        out["responses"][str(status)] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    return out


def _without_python_defaults(schemas: dict) -> dict:
    """Drop ``"default": null`` (a field that may be left out is optional on the wire, not defaulted)
    and the titles pydantic derives from Python names (they would only repeat the field names)."""
    for schema in schemas.values():
        for prop in (schema.get("properties") or {}).values():
            prop.pop("title", None)
            if "default" in prop and prop["default"] is None:
                del prop["default"]
    return schemas


def build_spec(routes=None) -> dict:
    """The OpenAPI 3.1 document; ValueError when the operations and the routes name different paths."""
    if routes is None:
        from .routes import ROUTES as routes
    documented, served = set(OPERATIONS), route_paths(routes)
    if documented != served:
        raise ValueError(
            f"operations.py and routes.ROUTES disagree: only documented {sorted(documented - served)}, "
            f"only served {sorted(served - documented)}"
        )
    _, schemas = models_json_schema(
        [(model, "validation") for model in all_models()], ref_template="#/components/schemas/{model}"
    )
    paths: dict = {}
    for key, op in OPERATIONS.items():
        method, path = key.split(" ", 1)
        paths.setdefault(path, {})[method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "servers": [{"url": API}],
        "paths": paths,
        "components": {
            "responses": {
                name: {
                    "description": text,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
                }
                for name, text in ERRORS.values()
            },
            "schemas": _without_python_defaults(schemas["$defs"]),
        },
    }


def render(spec: dict) -> str:
    """The file's text: indented, keys in declaration order, a final newline."""
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    SPEC_PATH.write_text(render(build_spec()), encoding="utf-8")
    print(f"wrote {SPEC_PATH}")


if __name__ == "__main__":
    main()
