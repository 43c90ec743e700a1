"""Wire records of the model registry: versions, aliases, evaluations, decisions: the JSON
the REST API answers and accepts.

openapi.json is generated from these (``python -m jupyter_mlops.server.openapi_gen``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from .common import MetricValue, Timestamp


class ModelSummary(BaseModel):
    name: str
    description: str | None
    latest_version: int | None
    versions: int
    aliases: Annotated[dict[str, int], Field(description="alias -> version")]
    updated_at: Timestamp


class ListModelsResponse(BaseModel):
    models: list[ModelSummary]


class ModelVersion(BaseModel):
    name: str
    version: int
    ref: str
    flavor: str
    unsafe: Annotated[bool, Field(description="loading runs code from the file (pickle/joblib)")]
    sha256: str
    size: int
    model_class: str | None
    run_id: str | None
    source: Annotated[
        str,
        Field(description="object, or runs:/<run_id>/<path> of the logged artifact"),
    ]
    datasets: Annotated[list[str], Field(description="training dataset versions, e.g. churn@2")]
    metrics: Annotated[dict[str, MetricValue | None], Field(description="null for NaN stored by the registry")]
    signature: dict[str, Any] | None
    trusted_types: list[str]
    description: str | None
    tags: dict[str, Any]
    user: str | None
    created_at: Timestamp
    deleted: bool
    aliases: list[str]


class ListModelVersionsResponse(BaseModel):
    name: str
    versions: list[ModelVersion]


class AliasChange(BaseModel):
    seq: int
    alias: str
    action: Literal["set", "promote", "rollback"]
    from_version: int | None
    to_version: int
    reason: str | None
    user: str | None
    changed_at: Timestamp
    decision_id: str | None


class AliasHistoryResponse(BaseModel):
    name: str
    aliases: Annotated[dict[str, int], Field(description="alias -> version")]
    history: Annotated[list[AliasChange], Field(description="oldest first")]


class AliasActionResponse(AliasHistoryResponse):
    change: AliasChange | None


class SetAliasRequest(BaseModel):
    version: int
    reason: str | None = None
    action: Literal["set", "promote"] = "promote"


class RollbackAliasRequest(BaseModel):
    reason: str | None = None


class ModelEvaluation(BaseModel):
    evaluation_id: str
    version: int
    dataset: str | None
    rows: int
    target: str
    task: Literal["classification", "regression", "other"]
    metrics: Annotated[dict[str, MetricValue | None], Field(description="null for NaN stored by the registry")]
    data_fingerprint: str = None
    run_id: str | None = None
    user: str | None = None
    created_at: Timestamp


class PromotionCheck(BaseModel):
    metric: str = None
    role: Literal["primary", "guard"] = None
    champion: float | None = None
    challenger: float | None = None
    improvement: float | None = None
    required: float = None
    better: Literal["higher", "lower"] = None
    passed: bool = None


class PromotionDecision(BaseModel):
    decision_id: str
    champion: str
    champion_version: int
    challenger: str
    challenger_version: int
    dataset: str | None = None
    primary_metric: str
    champion_value: float | None = None
    challenger_value: float | None = None
    improvement: float | None = None
    passed: bool
    promoted: bool
    summary: str
    checks: list[PromotionCheck]
    policy: dict[str, Any] = None
    user: str | None = None
    created_at: Timestamp


class ModelEvaluationsResponse(BaseModel):
    name: str
    evaluations: list[ModelEvaluation]
    decisions: list[PromotionDecision]
