"""Wire records shared by every area (non-finite numbers, timestamps, errors, health): the JSON the
REST API answers and accepts.

openapi.json is generated from these (``python -m jupyter_mlops.server.openapi_gen``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, RootModel

Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
"""UTC time as ISO 8601 with milliseconds and a Z, e.g. 2026-01-02T03:04:05.000Z."""


class MetricValue(RootModel[float | Literal["NaN", "Infinity", "-Infinity"]]):
    root: float | Literal["NaN", "Infinity", "-Infinity"]


class ErrorResponse(BaseModel):
    message: str
    error: Annotated[str, Field(description="NotFound, InvalidInput, InvalidFilter...")]


class HealthResponse(BaseModel):
    status: str
    version: str
    store: str
    schema_version: int
    latest_schema_version: int
    scheduler: Annotated[
        dict[str, Any] | None,
        Field(description="Heartbeat of the scheduler daemon once one exists"),
    ]
    quarantined: Annotated[
        int,
        Field(
            description="Spool records the fold could not apply (kept in the quarantine table); "
            "`jupyter-mlops doctor` lists them"
        ),
    ]
