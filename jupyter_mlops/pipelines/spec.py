"""What a pipeline run is asked to do, and what it did: the contract between the pieces.

``run_pipeline`` (direct), the scheduler (schedules and triggers) and every executor (the local
process pool, Dask) exchange these two plain, picklable, JSON-able objects. An executor receives a
``PipelineSpec``, calls ``execute_spec(spec)`` (``pipelines/execute.py``) in whatever process it
runs work in, and hands back the ``PipelineResult``; the store records the run from inside
``execute_spec``, so nothing depends on the result travelling back.

>>> spec = PipelineSpec.new("retrain.ipynb", {"alpha": 0.1}, home="/data/.mlops")   # doctest: +SKIP
>>> spec.name
'retrain'
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class PipelineSpec:
    """One notebook execution to perform.

    ``home`` is the resolved store path handed to the child kernel (``MLOPS_HOME``), so the
    notebook logs into the same store whichever folder or machine it runs in.
    """

    pipeline_run_id: str
    notebook: str  # absolute path of the input notebook
    parameters: dict
    name: str
    home: str
    timeout: float | None = None  # seconds for the whole notebook, kernel start included
    kernel: str | None = None  # kernel name; None: the notebook's own kernelspec
    schedule: str | None = None
    trigger: str = "manual"  # manual | cron | dataset | drift | request | retry
    trigger_key: str | None = None
    attempt: int = 1
    executor: str = "inline"
    experiment: str | None = None  # experiment of the pipeline's tracking run (default: its name)
    scheduler_id: str | None = None
    cwd: str | None = None  # working directory of the kernel (default: the notebook's folder)

    @classmethod
    def new(cls, notebook, parameters=None, *, home, name=None, **fields) -> "PipelineSpec":
        path = Path(notebook).expanduser().resolve()
        return cls(pipeline_run_id=uuid.uuid4().hex, notebook=str(path), parameters=dict(parameters or {}),
                   name=name or path.stem, home=str(home), **fields)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "PipelineSpec":
        return cls(**data)


@dataclass
class PipelineResult:
    """How a run ended: ``status`` is ``finished`` or ``failed`` (a timeout or a dead kernel is a failure)."""

    pipeline_run_id: str
    status: str
    duration_s: float | None = None
    failed_cell: int | None = None  # index of the failing cell in the notebook
    error_name: str | None = None  # CellError | Timeout | KernelDied | NotebookNotFound | ExecutorDied ...
    error: str | None = None
    output_sha256: str | None = None
    warnings: list = field(default_factory=list)
    record: dict | None = None  # the pipeline_runs row as execute_spec recorded it (times in epoch ms)

    @property
    def ok(self) -> bool:
        return self.status == "finished"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "PipelineResult":
        return cls(**data)
