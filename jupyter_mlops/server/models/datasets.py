"""Wire records of datasets, versions, diffs, lineage: the JSON the REST API answers and accepts.

openapi.json is generated from these (``python -m jupyter_mlops.server.openapi_gen``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from .common import MetricValue, Timestamp


class DatasetSummary(BaseModel):
    name: str
    latest_version: int
    versions: int
    rows: int
    storage: Literal["snapshot", "reference"]
    updated_at: Timestamp
    description: str | None


class ListDatasetsResponse(BaseModel):
    datasets: list[DatasetSummary]


class ColumnProfile(BaseModel):
    position: int
    column_name: str
    type: str
    kind: Literal["numeric", "categorical", "boolean", "temporal", "other"]
    null_share: MetricValue
    distinct_count: int | None
    min: str | None
    max: str | None
    mean: MetricValue | None
    std: MetricValue | None
    quantiles: Annotated[list[MetricValue] | None, Field(description="101 points, 0%..100%")]
    categories: Annotated[list[list[str | int]] | None, Field(description="[[value, count], ...] top 50")]
    other_count: int | None


class DatasetVersion(BaseModel):
    name: str
    version: int
    ref: str
    fingerprint: str
    rows: int
    schema_: Annotated[dict[str, str], Field(alias="schema")]
    storage: str
    source: str
    created_at: Timestamp
    description: str | None
    tags: dict[str, str]
    definition: dict[str, Any] | None
    run_id: str | None
    columns: Annotated[list[ColumnProfile], Field(description="present on getDatasetVersion")] = None


class ListDatasetVersionsResponse(BaseModel):
    name: str
    versions: list[DatasetVersion]


class ColumnShift(BaseModel):
    column: str
    kind: str
    null_share_change: MetricValue
    distinct_change: int
    shift: MetricValue | None
    shifted: bool
    mean_before: float | None
    mean_after: float | None


class RetypedColumn(BaseModel):
    column: str
    before: str
    after: str


class DatasetDiff(BaseModel):
    before: str
    after: str
    added: list[str]
    removed: list[str]
    retyped: list[RetypedColumn]
    rows_before: int
    rows_after: int
    columns: list[ColumnShift]
    summary: str


class LineageResponse(BaseModel):
    ref: str
    kind: Literal["dataset", "run"]
    upstream: Annotated[
        list[dict[str, Any]],
        Field(description="dataset: runs that produced it; run: dataset versions it read"),
    ]
    downstream: Annotated[
        list[dict[str, Any]],
        Field(description="dataset: runs that read it; run: dataset versions it produced"),
    ]
