"""Wire records of experiments, runs, metric histories, comparisons: the JSON the REST API answers and accepts.

openapi.json is generated from these (``python -m jupyter_mlops.server.openapi_gen``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from .common import MetricValue, Timestamp


class Experiment(BaseModel):
    experiment_id: int
    name: str
    created_at: Timestamp
    runs: int
    last_run: Timestamp | None


class ListExperimentsResponse(BaseModel):
    experiments: list[Experiment]


class RunSummary(BaseModel):
    run_id: str
    experiment: str
    run_name: str
    status: Literal["running", "finished", "failed", "killed", "crashed"]
    start_time: Timestamp
    end_time: Timestamp | None
    parent_run_id: str | None
    user: str | None
    params: dict[str, str]
    metrics: dict[str, MetricValue]
    tags: dict[str, str]


class ListRunsResponse(BaseModel):
    runs: list[RunSummary]
    total: int
    offset: int
    limit: int


class Artifact(BaseModel):
    path: str
    size: int
    sha256: str


class RunEnvironment(BaseModel):
    python: str | None = None
    source_type: str | None = None
    notebook: str | None = None
    script: str | None = None
    git_commit: str | None = None
    git_branch: str | None = None
    git_dirty: bool = None


class RunDetail(RunSummary):
    host: str | None
    error: str | None
    deleted: bool
    artifacts: list[Artifact]
    environment: RunEnvironment


class MetricPoint(BaseModel):
    step: int
    value: MetricValue
    timestamp: Timestamp


class MetricHistoryResponse(BaseModel):
    run_id: str
    key: str
    points: list[MetricPoint]


class MetricHistoriesResponse(BaseModel):
    run_id: str
    histories: Annotated[
        dict[str, list[MetricPoint]],
        Field(description="metric key -> its points; a key the run never logged is left out"),
    ]


class CompareRunsResponse(BaseModel):
    runs: list[RunDetail]
    curves: Annotated[
        dict[str, dict[str, list[list[MetricValue]]]],
        Field(description="run_id -> metric key -> [[step, value], ...]"),
    ]
