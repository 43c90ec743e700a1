"""Wire records of drift reports: the JSON the REST API answers and accepts.

openapi.json is generated from these (``python -m jupyter_mlops.server.openapi_gen``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from .common import MetricValue, Timestamp


class DriftReportSummary(BaseModel):
    report_id: str
    created_at: Timestamp
    reference: Annotated[str, Field(description="label: name@version, a file name or DataFrame")]
    reference_name: str | None = None
    reference_version: int | None = None
    current: str
    current_name: str | None = None
    current_version: int | None = None
    reference_rows: int
    current_rows: int
    columns_checked: int
    columns_drifted: int
    drift_share: float
    drifted: bool
    correction: Literal["bh", "bonferroni", "none"]
    multivariate_auc: float | None = None
    multivariate_drifted: bool | None = None
    run_id: str | None = None
    model_name: Annotated[str | None, Field(description="the model version the check was run for")] = None
    model_version: int | None = None


class DriftDatasetSummary(BaseModel):
    dataset: Annotated[str | None, Field(description="null groups reports between unregistered data")]
    reports: int
    latest: DriftReportSummary


class DriftDatasetsResponse(BaseModel):
    datasets: list[DriftDatasetSummary]


class DriftHistoryResponse(BaseModel):
    dataset: str | None
    reports: list[DriftReportSummary]


class DriftDistribution(BaseModel):
    """
    Both sides' shares on shared bins: a histogram (edges has one more entry than the shares) or bars (labels)
    """

    type: Literal["histogram", "bars"] = None
    edges: list[float] = None
    labels: list[str] = None
    reference: list[float] = None
    current: list[float] = None


class DriftColumn(BaseModel):
    column: str
    role: Literal["feature", "target", "prediction"]
    type: str | None = None
    kind: str
    method: str
    statistic: MetricValue
    p_value: float | None = None
    p_value_adjusted: float | None = None
    threshold: MetricValue
    drifted: bool
    severity: float | None = None
    reference_count: int = None
    current_count: int = None
    reference_missing: MetricValue = None
    current_missing: MetricValue = None
    new_categories: Annotated[
        dict[str, int],
        Field(description="categories seen only in the current data, with counts"),
    ] = None
    note: str = None
    distribution: DriftDistribution


class MultivariateDrift(BaseModel):
    auc: float | None = None
    p_value: float | None = None
    threshold: MetricValue = None
    drifted: bool | None = None
    reference_rows: int = None
    current_rows: int = None
    columns: list[str] = None
    model: str = None
    note: str = None


class DriftReportDetail(BaseModel):
    report_id: str
    created_at: Timestamp
    reference: str
    reference_name: str | None = None
    reference_version: int | None = None
    current: str
    current_name: str | None = None
    current_version: int | None = None
    reference_rows: int = None
    current_rows: int = None
    drift_share: MetricValue
    drift_share_threshold: MetricValue
    drifted: bool
    correction: str
    summary: str
    skipped: Annotated[dict[str, str], Field(description="columns not checked, with the reason")] = None
    multivariate: MultivariateDrift | None = None
    columns: list[DriftColumn]
    model_name: Annotated[str | None, Field(description="the model version the check was run for")] = None
    model_version: int | None = None
