"""The server's OpenAPI description, with the champion's signature as the request schema.

>>> doc = openapi_document(state)                  # doctest: +SKIP
>>> doc["components"]["schemas"]["Record"]["properties"]["age"]   # doctest: +SKIP
{'type': 'integer'}
"""

from __future__ import annotations

from .. import __version__
from .payload import InputSpec, _kind

_JSON_TYPES = {"float": {"type": "number"}, "int": {"type": "integer"}, "bool": {"type": "boolean"},
               "text": {"type": "string"}, "datetime": {"type": "string", "format": "date-time"}, "any": {}}


def _value_schema(dtype: str | None) -> dict:
    kind = _kind(dtype)
    schema = dict(_JSON_TYPES[kind])
    if kind == "float":
        schema = {"type": ["number", "null"], "description": "null for a missing value"}
    if dtype:
        schema["x-dtype"] = dtype
    return schema


def _input_schemas(spec: InputSpec) -> dict:
    if spec.kind == "dataframe":
        record = {"type": "object", "properties": {name: _value_schema(dtype) for name, dtype in spec.columns},
                  "required": spec.names, "description": "One input row; extra columns are ignored."}
        columns = {"type": "object", "required": spec.names,
                   "properties": {name: {"type": "array", "items": _value_schema(dtype)} for name, dtype in spec.columns}}
        return {"Record": record, "Columns": columns}
    if spec.kind == "ndarray":
        row = {"type": "array", "items": _value_schema(spec.dtype or "float64")}
        if spec.width:
            row.update(minItems=spec.width, maxItems=spec.width)
        return {"Record": row}
    return {"Record": {"type": "object", "description": "This model has no signature: rows are passed on as given."}}


def openapi_document(state) -> dict:
    """An OpenAPI 3.1 document for this server (request schema from the champion's signature)."""
    champion = state.models.current["champion"]
    schemas = _input_schemas(champion.spec)
    rows = {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Record"}}
    forms = [{"type": "object", "required": ["records"], "properties": {"records": rows}},
             {"type": "object", "required": ["instances"], "properties": {"instances": rows}},
             {"type": "object", "required": ["inputs"], "properties": {"inputs": rows}}]
    if "Columns" in schemas:
        forms += [{"type": "object", "required": ["columns"], "properties": {"columns": {"$ref": "#/components/schemas/Columns"}}},
                  {"type": "object", "required": ["dataframe_split"], "properties": {"dataframe_split": {
                      "type": "object", "required": ["columns", "data"],
                      "properties": {"columns": {"type": "array", "items": {"type": "string"}},
                                     "data": {"type": "array", "items": {"type": "array"}}}}}}]
    error = {"type": "object", "properties": {"message": {"type": "string"}, "error": {"type": "string"},
                                              "errors": {"type": "array", "items": {"type": "object", "properties": {
                                                  "field": {"type": "string"}, "problem": {"type": "string"}}}}}}
    json_of = lambda ref: {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}  # noqa: E731
    failures = {"401": {"description": "missing or wrong bearer token", **json_of("Error")},
                "413": {"description": "body larger than the limit", **json_of("Error")},
                "422": {"description": "not JSON, or not the model's signature: errors names each field", **json_of("Error")}}
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{champion.name} model server (jupyter-mlops)", "version": __version__,
                 "description": f"Serves {champion.ref} (now version {champion.version})."},
        "paths": {
            "/health": {"get": {"summary": "The process is up", "responses": {"200": {"description": "ok"}}}},
            "/ready": {"get": {"summary": "Models are loaded", "responses": {"200": {"description": "ready"},
                                                                              "503": {"description": "not ready"}}}},
            "/predict": {"post": {"summary": "Score rows", "requestBody": {"required": True, **json_of("PredictRequest")},
                                  "responses": {"200": {"description": "predictions", **json_of("PredictResponse")},
                                                **failures}}},
            "/invocations": {"post": {"summary": "Score rows (MLflow's route; same as /predict)",
                                      "requestBody": {"required": True, **json_of("PredictRequest")},
                                      "responses": {"200": {"description": "predictions", **json_of("PredictResponse")},
                                                    **failures}}},
            "/feedback": {"post": {"summary": "Labels for earlier requests (quality stats)",
                                   "requestBody": {"required": True, **json_of("Feedback")},
                                   "responses": {"200": {"description": "labels received"}, **failures}}},
            "/stats": {"get": {"summary": "Traffic split and per-version stats", "responses": {"200": {"description": "stats"}}}},
            "/traffic": {"post": {"summary": "Shift traffic (admin token)", "requestBody": {"required": True, **json_of("Traffic")},
                                  "responses": {"200": {"description": "the new split"}, **failures}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                **schemas,
                "PredictRequest": {"oneOf": forms},
                "PredictResponse": {"type": "object", "properties": {
                    "predictions": {"type": "array"}, "request_id": {"type": "string"}, "model": {"type": "string"},
                    "model_version": {"type": "integer"}, "side": {"type": "string", "enum": ["champion", "challenger"]}}},
                "Feedback": {"type": "object", "required": ["request_id"], "properties": {
                    "request_id": {"type": "string"}, "label": {}, "labels": {"type": "array"},
                    "row_index": {"type": "integer", "minimum": 0}}},
                "Traffic": {"type": "object", "properties": {
                    "mode": {"type": "string", "enum": ["single", "canary", "blue-green", "shadow"]},
                    "challenger_share": {"type": "number", "minimum": 0, "maximum": 1},
                    "active": {"type": "string", "enum": ["champion", "challenger"]}, "reason": {"type": "string"}}},
                "Error": error,
            },
        },
    }
