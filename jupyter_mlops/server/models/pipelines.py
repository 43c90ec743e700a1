"""Wire records of the scheduler, schedules and pipeline runs: the JSON the REST API answers and accepts.

openapi.json is generated from these (``python -m jupyter_mlops.server.openapi_gen``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, RootModel

from .common import Timestamp


class SchedulerStatus(BaseModel):
    """
    The scheduler daemon's heartbeat
    """

    alive: Annotated[
        bool,
        Field(description="some scheduler beat within ~3 of its intervals and did not stop"),
    ]
    scheduler_id: Annotated[
        str | None,
        Field(description="the leader when one is alive, else the scheduler that beat last"),
    ]
    leader: Annotated[bool, Field(description="that scheduler holds the lease that fires schedules")]
    host: str | None
    pid: int | None
    executor: str | None
    started_at: Timestamp | None
    beat_at: Annotated[Timestamp | None, Field(description="its last heartbeat")]
    seconds_since_beat: Annotated[float | None, Field(description="age of that heartbeat by the server's clock")]
    running: Annotated[int, Field(description="pipeline runs it has in progress")]
    stopped_at: Annotated[Timestamp | None, Field(description="set when it stopped cleanly")]
    live_schedulers: Annotated[
        int,
        Field(description="schedulers alive on this store (one leads, others stand by)"),
    ]
    start_command: Annotated[
        str,
        Field(description="the command that starts a scheduler: jupyter-mlops scheduler"),
    ]
    message: Annotated[
        str,
        Field(description="one line for people: running where, or not running and how to start it"),
    ]


class RunScheduleRequest(BaseModel):
    parameters: Annotated[
        dict[str, Any] | None,
        Field(description="values that replace the schedule's parameters for this run"),
    ] = None


class PipelineRunStatus(RootModel[Literal["queued", "running", "finished", "failed"]]):
    root: Literal["queued", "running", "finished", "failed"]


class PipelineRunSummary(BaseModel):
    pipeline_run_id: str
    name: str
    notebook: Annotated[str, Field(description="the input notebook")]
    parameters: Annotated[dict[str, Any], Field(description="parameter name -> JSON value")]
    schedule: str | None
    trigger: Annotated[str, Field(description="manual | cron | dataset | drift | request | retry")]
    attempt: int
    status: PipelineRunStatus
    executor: str | None
    queued_at: Timestamp | None
    started_at: Timestamp | None
    ended_at: Timestamp | None
    duration_s: float | None
    failed_cell: Annotated[int | None, Field(description="index of the failing cell in the notebook")]
    error_name: Annotated[str | None, Field(description="CellError, Timeout, KernelDied...")]
    error: str | None
    warnings: list[str]
    has_output: Annotated[bool, Field(description="the executed notebook is stored")]
    output_path: Annotated[
        str | None,
        Field(description="where the sidebar saves the executed notebook: pipeline-outputs/<name>-<id8>.ipynb"),
    ]


class ListPipelineRunsResponse(BaseModel):
    runs: list[PipelineRunSummary]
    limit: int


class PipelineCell(BaseModel):
    """
    One cell of the executed notebook (papermill's error-marker cells left out)
    """

    index: Annotated[int, Field(description="position in the executed notebook")]
    input_index: Annotated[
        int | None,
        Field(description="position in the input notebook, as failed_cell counts (null: injected)"),
    ]
    kind: Annotated[str, Field(description="code | markdown | raw")]
    injected: Annotated[bool, Field(description="the parameters cell papermill injected")]
    execution_count: int | None
    first_line: str
    state: Annotated[
        str,
        Field(description="ok | error | not run (empty for markdown and raw cells)"),
    ]
    error: str | None


class PipelineRunDetail(PipelineRunSummary):
    output_sha256: str | None
    cells: list[PipelineCell]


class ExecutedNotebook(BaseModel):
    """
    nbformat 4 JSON, ready for the contents API
    """

    cells: list[dict[str, Any]]
    metadata: dict[str, Any]
    nbformat: int
    nbformat_minor: int


class PipelineSchedule(BaseModel):
    name: str
    notebook: Annotated[str, Field(description="absolute path of the notebook it runs")]
    enabled: Annotated[bool, Field(description="false while paused")]
    trigger_summary: Annotated[
        str,
        Field(description="the triggers in words, e.g. cron 0 3 * * * (UTC); dataset churn"),
    ]
    parameters: Annotated[dict[str, Any], Field(description="parameter name -> JSON value")]
    retries: int
    max_concurrent: int
    catch_up: Annotated[str, Field(description="skip | once")]
    executor: Annotated[str, Field(description="local, inline or tcp://host:port (Dask)")]
    next_run: Annotated[
        Timestamp | None,
        Field(description="the next time a time trigger fires it (null: paused, or only events fire it)"),
    ]
    last_run_id: str | None
    last_run_at: Timestamp | None
    last_run_status: PipelineRunStatus | None
    last_error_name: str | None
    pending_requests: Annotated[int, Field(description="run-now requests no scheduler has picked up yet")]
    created_at: Timestamp | None


class ListSchedulesResponse(BaseModel):
    schedules: list[PipelineSchedule]


class ScheduleActionResponse(BaseModel):
    schedule: PipelineSchedule
    message: str


class RunScheduleResponse(BaseModel):
    schedule: PipelineSchedule
    request_id: str | None
    parameters: Annotated[dict[str, Any] | None, Field(description="parameter name -> JSON value")]
    scheduler_alive: Annotated[bool, Field(description="a live scheduler will pick the request up")]
    message: str
