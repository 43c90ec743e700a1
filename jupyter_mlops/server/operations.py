"""The REST operations, per area: path, answer model, parameters and errors of each endpoint.

``openapi_gen`` turns these and the wire models into ``openapi.json``; ``routes.ROUTES`` says which
handler serves each path, and the generator fails when the two disagree. A new endpoint is one
entry here, one handler and one route.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from .models.common import HealthResponse
from .models.datasets import (
    DatasetDiff,
    DatasetVersion,
    LineageResponse,
    ListDatasetsResponse,
    ListDatasetVersionsResponse,
)
from .models.drift import DriftDatasetsResponse, DriftHistoryResponse, DriftReportDetail
from .models.pipelines import (
    ExecutedNotebook,
    ListPipelineRunsResponse,
    ListSchedulesResponse,
    PipelineRunDetail,
    RunScheduleRequest,
    RunScheduleResponse,
    ScheduleActionResponse,
    SchedulerStatus,
)
from .models.registry import (
    AliasActionResponse,
    AliasHistoryResponse,
    ListModelsResponse,
    ListModelVersionsResponse,
    ModelEvaluationsResponse,
    RollbackAliasRequest,
    SetAliasRequest,
)
from .models.runs import (
    CompareRunsResponse,
    ListExperimentsResponse,
    ListRunsResponse,
    MetricHistoriesResponse,
    MetricHistoryResponse,
    RunDetail,
)
from .models.servers import ChangeTrafficRequest, ChangeTrafficResponse, ListServersResponse

ANY_OBJECT = {"type": "object"}


@dataclass(frozen=True)
class Operation:
    """One endpoint's contract: ``Operation("getRun", RunDetail, "One run", parameters=[RUN_ID], errors=(404,))``."""

    operation_id: str
    answer_model: type[BaseModel]
    summary: str
    answer: str = "ok"
    parameters: list = field(default_factory=list)
    body: type[BaseModel] | dict | None = None
    body_required: bool = False
    errors: tuple[int, ...] = ()


def path(name: str, description: str | None = None) -> dict:
    """A path parameter (always a string in the URL)."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        **({"description": description} if description else {}),
    }


def query(name: str, schema: dict, description: str | None = None, **extra) -> dict:
    """A query parameter, e.g. ``query("limit", {"type": "integer", "minimum": 1})``."""
    return {
        "name": name,
        "in": "query",
        "schema": schema,
        **({"description": description} if description else {}),
        **extra,
    }


RUN_ID = path("run_id", "Run id, unique id prefix (4+ characters) or unique run name")


COMMON = {
    "GET /health": Operation("getHealth", HealthResponse, "Store path, schema version, scheduler heartbeat"),
}

RUNS = {
    "GET /experiments": Operation("listExperiments", ListExperimentsResponse, "Experiments with run counts"),
    "GET /runs": Operation(
        "listRuns",
        ListRunsResponse,
        "Runs, filtered, sorted and paged on the server",
        parameters=[
            query("experiment", {"type": "string"}, "Experiment name; all when omitted"),
            query("where", {"type": "string"}, "Filter in the search_runs language, e.g. metrics.acc > 0.9"),
            query("order_by", {"type": "string"}, "e.g. metrics.acc DESC"),
            query("offset", {"type": "integer", "minimum": 0, "maximum": 1000000000, "default": 0}),
            query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}),
            query("include_deleted", {"type": "boolean", "default": False}),
        ],
        errors=(400, 404),
    ),
    "GET /runs/{run_id}": Operation(
        "getRun",
        RunDetail,
        "One run: params, metrics, tags, artifacts, environment",
        parameters=[RUN_ID],
        errors=(404,),
    ),
    "POST /runs/{run_id}/delete": Operation(
        "deleteRun",
        RunDetail,
        "Soft-delete a run (restore until gc)",
        answer="the run, now deleted",
        parameters=[RUN_ID],
        errors=(400, 404),
    ),
    "POST /runs/{run_id}/restore": Operation(
        "restoreRun",
        RunDetail,
        "Restore a deleted run",
        answer="the run, restored",
        parameters=[RUN_ID],
        errors=(400, 404),
    ),
    "GET /runs/{run_id}/metrics/{key}": Operation(
        "getMetricHistory",
        MetricHistoryResponse,
        "Every value of one metric",
        parameters=[RUN_ID, path("key")],
        errors=(404,),
    ),
    "GET /runs/{run_id}/metrics": Operation(
        "getMetricHistories",
        MetricHistoriesResponse,
        "Every value of several metrics of one run, in one request (the run detail's charts)",
        parameters=[
            RUN_ID,
            query(
                "key",
                {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "string"}},
                "A metric key; repeat it for each, e.g. key=loss&key=acc",
                required=True,
                style="form",
                explode=True,
            ),
        ],
        errors=(400, 404),
    ),
    "GET /compare": Operation(
        "compareRuns",
        CompareRunsResponse,
        "Several runs side by side with their metric curves",
        parameters=[
            query(
                "run",
                {"type": "array", "minItems": 2, "maxItems": 20, "items": {"type": "string"}},
                required=True,
                style="form",
                explode=True,
            )
        ],
        errors=(400, 404),
    ),
}

DATASETS = {
    "GET /datasets": Operation("listDatasets", ListDatasetsResponse, "Datasets with their latest version"),
    "GET /datasets/diff": Operation(
        "diffDatasets",
        DatasetDiff,
        "Schema changes, row delta and profile shifts between two versions",
        parameters=[
            query("before", {"type": "string"}, "e.g. churn@1", required=True),
            query("after", {"type": "string"}, "e.g. churn@2", required=True),
        ],
        errors=(400, 404),
    ),
    "GET /datasets/{name}/versions": Operation(
        "listDatasetVersions",
        ListDatasetVersionsResponse,
        "Every version of a dataset",
        parameters=[path("name", "")],
        errors=(400, 404),
    ),
    "GET /datasets/{name}/versions/{version}": Operation(
        "getDatasetVersion",
        DatasetVersion,
        "One version with its column profile",
        parameters=[path("name", ""), path("version", "a number or 'latest'")],
        errors=(400, 404),
    ),
    "GET /lineage": Operation(
        "getLineage",
        LineageResponse,
        "What a dataset version or run came from and what used it",
        parameters=[query("ref", {"type": "string"}, "name@version or a run id/prefix/name", required=True)],
        errors=(400, 404),
    ),
}

DRIFT = {
    "GET /drift/datasets": Operation(
        "listDriftDatasets",
        DriftDatasetsResponse,
        "The latest drift report per dataset (by the reference's dataset, else the current's)",
    ),
    "GET /drift/history": Operation(
        "getDriftHistory",
        DriftHistoryResponse,
        "Drift reports oldest first (the drift share over time), optionally of one dataset",
        parameters=[
            query(
                "dataset",
                {"type": "string"},
                "A dataset name (every version) or name@version; all reports when omitted",
            ),
            query(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200},
                "The most recent reports to return",
            ),
        ],
        errors=(400, 404),
    ),
    "GET /drift/reports/{report_id}": Operation(
        "getDriftReport",
        DriftReportDetail,
        "One drift report: per-column status and reference-versus-current distributions, most severe first",
        parameters=[path("report_id", "Report id or a unique prefix (4+ characters)")],
        errors=(400, 404),
    ),
}

REGISTRY = {
    "GET /models": Operation(
        "listModels", ListModelsResponse, "Registered models with their latest version and aliases"
    ),
    "GET /models/{name}/versions": Operation(
        "listModelVersions",
        ListModelVersionsResponse,
        "Every version of a model: artifact, flavour, run, training data, metrics, signature, aliases",
        parameters=[path("name", "Model name"), query("include_deleted", {"type": "boolean", "default": False})],
        errors=(400, 404),
    ),
    "GET /models/{name}/history": Operation(
        "getModelAliasHistory",
        AliasHistoryResponse,
        "Where each alias points and the append-only history of alias moves (who, when, why)",
        parameters=[path("name", "Model name")],
        errors=(400, 404),
    ),
    "GET /models/{name}/evaluations": Operation(
        "listModelEvaluations",
        ModelEvaluationsResponse,
        "Stored evaluations and promotion decisions of a model, newest first",
        parameters=[path("name", "Model name")],
        errors=(400, 404),
    ),
    "POST /models/{name}/aliases/{alias}": Operation(
        "setModelAlias",
        AliasActionResponse,
        "Point an alias at a version (promote); recorded in the alias history with the Jupyter user",
        answer="the alias history after the move (change is null when the alias already pointed there)",
        parameters=[
            path("name", "Model name"),
            path("alias", "Alias, e.g. champion (a letter, then letters, digits, '_' or '-')"),
        ],
        body=SetAliasRequest,
        body_required=True,
        errors=(400, 404),
    ),
    "POST /models/{name}/aliases/{alias}/rollback": Operation(
        "rollbackModelAlias",
        AliasActionResponse,
        "Return an alias to the version before its latest move still in effect; recorded as a new history entry",
        answer="the alias history after the rollback",
        parameters=[
            path("name", "Model name"),
            path("alias", "Alias, e.g. champion (a letter, then letters, digits, '_' or '-')"),
        ],
        body=RollbackAliasRequest,
        body_required=False,
        errors=(400, 404),
    ),
}

PIPELINES = {
    "GET /pipelines/scheduler": Operation(
        "getSchedulerStatus",
        SchedulerStatus,
        "The scheduler daemon's heartbeat: alive or not, and if not the command that starts it",
    ),
    "GET /pipelines/schedules": Operation(
        "listSchedules", ListSchedulesResponse, "Every schedule with its triggers, next run and last run"
    ),
    "POST /pipelines/schedules/{name}/pause": Operation(
        "pauseSchedule",
        ScheduleActionResponse,
        "Stop a schedule from firing until it is resumed",
        answer="the schedule after the change",
        parameters=[path("name", "Schedule name")],
        body=ANY_OBJECT,
        body_required=False,
        errors=(400, 404),
    ),
    "POST /pipelines/schedules/{name}/resume": Operation(
        "resumeSchedule",
        ScheduleActionResponse,
        "Let a paused schedule fire again",
        answer="the schedule after the change",
        parameters=[path("name", "Schedule name")],
        body=ANY_OBJECT,
        body_required=False,
        errors=(400, 404),
    ),
    "POST /pipelines/schedules/{name}/run": Operation(
        "runSchedule",
        RunScheduleResponse,
        "Ask the scheduler to run a schedule now (queued in the store; the scheduler daemon picks it up)",
        answer="the request, and whether a scheduler is alive to pick it up",
        parameters=[path("name", "Schedule name")],
        body=RunScheduleRequest,
        body_required=False,
        errors=(400, 404),
    ),
    "GET /pipelines/runs": Operation(
        "listPipelineRuns",
        ListPipelineRunsResponse,
        "Pipeline runs, newest first, with their parameters, status, timings and errors",
        parameters=[
            query("schedule", {"type": "string"}, "Only the runs of this schedule"),
            query("status", {"$ref": "#/components/schemas/PipelineRunStatus"}, "Only runs in this status"),
            query(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
                "The most recent runs to return",
            ),
        ],
        errors=(400, 404),
    ),
    "GET /pipelines/runs/{pipeline_run_id}": Operation(
        "getPipelineRun",
        PipelineRunDetail,
        "One pipeline run with the cell-by-cell summary of its executed notebook",
        parameters=[path("pipeline_run_id", "Pipeline run id or a unique prefix of it (4+ characters)")],
        errors=(404,),
    ),
    "GET /pipelines/runs/{pipeline_run_id}/notebook": Operation(
        "getPipelineNotebook",
        ExecutedNotebook,
        "The executed notebook (nbformat 4 JSON) of a pipeline run; 404 when the run has none",
        answer="the executed notebook",
        parameters=[path("pipeline_run_id", "Pipeline run id or a unique prefix of it (4+ characters)")],
        errors=(404,),
    ),
}

SERVERS = {
    "GET /servers": Operation(
        "listServers",
        ListServersResponse,
        "The model servers running on this store (newest first): address, traffic split, per-version stats",
        parameters=[
            query("model", {"type": "string"}, "Only the servers of this model"),
            query(
                "include_stopped",
                {"type": "boolean", "default": False},
                "Also servers that stopped or vanished (alive false)",
            ),
        ],
        errors=(400,),
    ),
    "POST /servers/{server_id}/traffic": Operation(
        "changeServerTraffic",
        ChangeTrafficResponse,
        "Shift a running server's traffic: mode, a canary's share, or blue-green's active side",
        answer="the new split and the one it replaced",
        parameters=[path("server_id", "The server's id (srv-...) or a unique prefix of it")],
        body=ChangeTrafficRequest,
        body_required=True,
        errors=(400, 404),
    ),
}

OPERATIONS: dict[str, Operation] = {**COMMON, **RUNS, **DATASETS, **DRIFT, **REGISTRY, **PIPELINES, **SERVERS}
"""Every operation, keyed ``"METHOD /path"`` with OpenAPI's ``{name}`` path parameters."""
