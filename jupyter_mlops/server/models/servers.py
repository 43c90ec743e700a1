"""Wire records of running model servers and their traffic: the JSON the REST API answers and accepts.

openapi.json is generated from these (``python -m jupyter_mlops.server.openapi_gen``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from .common import Timestamp


class TrafficMode(RootModel[Literal["single", "canary", "blue-green", "shadow"]]):
    root: Annotated[
        Literal["single", "canary", "blue-green", "shadow"],
        Field(
            description="single: champion only; canary: a share to the challenger; blue-green: all to one side; "
            "shadow: the champion answers, the challenger scores in the background"
        ),
    ]


class TrafficSplit(BaseModel):
    """
    Who answers a request
    """

    mode: TrafficMode
    challenger_share: Annotated[float, Field(description="share of requests the challenger answers (0-1)")]
    champion_share: float
    active: Annotated[
        Literal["champion", "challenger"] | None,
        Field(description="blue-green: the side answering everything"),
    ]


class ServingVersionStats(BaseModel):
    """
    One side's version: requests, errors, latency percentiles, quality from feedback labels
    """

    side: Literal["champion", "challenger"]
    model: str
    version: int
    requests: int
    rows: int
    errors: int
    error_rate: Annotated[float | None, Field(description="errors / requests (0-1)")]
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    labelled: Annotated[int, Field(description="rows with a feedback label")]
    quality_metric: Annotated[str | None, Field(description="accuracy (classifiers) or mae (regressors)")]
    quality: Annotated[float | None, Field(description="null until labels arrive")]
    current: Annotated[
        bool,
        Field(description="the version this side serves now (else an earlier one)"),
    ]


class ServedPredictor(BaseModel):
    ref: Annotated[str | None, Field(description="what the server watches, e.g. churn@champion")]
    model: str
    version: int
    task: str | None


class TrafficShift(BaseModel):
    at: Timestamp | None
    by: Annotated[str | None, Field(description="command, auto-shift or swap")]
    from_: Annotated[TrafficSplit | None, Field(alias="from")]
    to: TrafficSplit | None
    reason: str | None


class ModelSwap(BaseModel):
    """
    A hot swap after an alias moved
    """

    side: str
    ref: str | None
    from_version: int | None
    to_version: int | None


class ModelServer(BaseModel):
    """
    A model server as its heartbeats describe it
    """

    server_id: str
    model: str
    url: Annotated[
        str,
        Field(description="where applications send requests, e.g. http://127.0.0.1:8080"),
    ]
    host: str
    port: int
    machine: str | None
    pid: int | None
    alive: Annotated[bool, Field(description="recent heartbeat, no stop recorded")]
    auth: Annotated[bool, Field(description="predictions need a bearer token")]
    mode: TrafficMode
    traffic: TrafficSplit | None
    champion: Annotated[str | None, Field(description="the version served, e.g. churn/3")]
    challenger: str | None
    predictors: Annotated[dict[str, ServedPredictor], Field(description="per side (champion, challenger)")]
    stats: Annotated[
        list[ServingVersionStats],
        Field(description="per side and version, current ones first (as of the last heartbeat)"),
    ]
    auto_shift: Annotated[
        dict[str, Any] | None,
        Field(description="the policy that shifts traffic by quality, if any"),
    ]
    swaps: list[ModelSwap]
    shifts: Annotated[list[TrafficShift], Field(description="oldest first")]
    last_error: str | None
    started_at: Timestamp | None
    beat_at: Annotated[Timestamp | None, Field(description="its last heartbeat")]
    seconds_since_beat: Annotated[float | None, Field(description="age of that heartbeat by the server's clock")]
    stopped_at: Timestamp | None


class ListServersResponse(BaseModel):
    servers: list[ModelServer]


class ChangeTrafficRequest(BaseModel):
    """
    At least one of mode, challenger_share, active; what is not given stays as it is
    """

    model_config = ConfigDict(
        extra="forbid",
    )
    mode: TrafficMode = None
    challenger_share: Annotated[
        float,
        Field(description="canary: the challenger's share", ge=0.0, le=1.0),
    ] = None
    active: Annotated[
        Literal["champion", "challenger"],
        Field(description="blue-green: the side answering"),
    ] = None
    reason: Annotated[str | None, Field(description="kept in the server's shift log")] = None


class ChangeTrafficResponse(BaseModel):
    server_id: str
    traffic: TrafficSplit
    previous: TrafficSplit
    changed: bool
    message: Annotated[str, Field(description="one line for people")]
