"""``PipelineRun``: one row of ``pipeline_runs``, with its executed notebook and child runs at hand.

>>> run = get_pipeline_run("3f2a9c1b")             # doctest: +SKIP
>>> run
<PipelineRun 3f2a9c1b retrain: failed in cell 4 (ZeroDivisionError), 8.1 s>
>>> run.save_output("retrain-failed.ipynb")        # doctest: +SKIP
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..errors import InvalidInput, NotFound


@dataclass
class PipelineRun:
    """A recorded notebook execution. ``failed_cell`` indexes the input notebook's cells (0-based)."""

    id: str
    name: str
    status: str
    notebook: str
    parameters: dict
    schedule: str | None
    trigger: str
    trigger_key: str | None
    attempt: int
    executor: str
    kernel: str | None
    timeout: float | None
    queued_at: datetime | None
    started_at: datetime | None
    kernel_started_at: datetime | None
    ended_at: datetime | None
    output_sha256: str | None
    output_size: int | None
    failed_cell: int | None
    error_name: str | None
    error: str | None
    warnings: list = field(default_factory=list)
    user: str | None = None
    host: str | None = None
    pid: int | None = None
    scheduler_id: str | None = None
    home: str | None = field(default=None, repr=False)

    @classmethod
    def from_row(cls, row: dict, home) -> "PipelineRun":
        return cls(
            id=row["pipeline_run_id"], name=row["name"], status=row["status"], notebook=row["notebook"],
            parameters=row["parameters"] or {}, schedule=row["schedule"], trigger=row["trigger"],
            trigger_key=row["trigger_key"], attempt=row["attempt"], executor=row["executor"], kernel=row["kernel"],
            timeout=row["timeout"], queued_at=row["queued_at"], started_at=row["started_at"],
            kernel_started_at=row["kernel_started_at"], ended_at=row["ended_at"],
            output_sha256=row["output_sha256"], output_size=row["output_size"], failed_cell=row["failed_cell"],
            error_name=row["error_name"], error=row["error"], warnings=row["warnings"] or [],
            user=row["user_name"], host=row["host"], pid=row["pid"], scheduler_id=row["scheduler_id"],
            home=str(home),
        )

    @property
    def ok(self) -> bool:
        return self.status == "finished"

    @property
    def short_id(self) -> str:
        return self.id[:8]

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to end (None while it runs)."""
        if self.started_at is None or self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()

    def _store(self):
        from ..store import open_store

        return open_store(self.home)

    def _output_bytes(self) -> bytes:
        if not self.output_sha256:
            why = "it has not run yet" if self.status in ("queued", "running") else "it never got to run it"
            raise NotFound(f"pipeline run {self.short_id} ({self.name}) has no executed notebook: {why}"
                           + (f" ({self.error_name}: {self.error})" if self.error else ""))
        with self._store().blobs.open_blob(self.output_sha256) as f:
            return f.read()

    def output_notebook(self):
        """The executed notebook (an nbformat node), papermill's error marks included.

        >>> nb = get_pipeline_run("3f2a9c1b").output_notebook(); nb.cells[0].source   # doctest: +SKIP
        """
        import nbformat

        return nbformat.reads(self._output_bytes().decode("utf-8"), as_version=4)

    def save_output(self, path) -> Path:
        """Write the executed notebook to ``path`` (e.g. to open it in Lab); return the path.

        >>> get_pipeline_run("3f2a9c1b").save_output("failed-run.ipynb")   # doctest: +SKIP
        """
        target = Path(path).expanduser()
        if not target.absolute().parent.is_dir():
            raise InvalidInput(f"cannot write {str(path)!r}: its folder does not exist; create it first")
        target.write_bytes(self._output_bytes())
        return target

    def runs(self):
        """The tracking runs the notebook started (children of this pipeline run); a DataFrame.

        >>> get_pipeline_run("retrain").runs()[["run_name", "metrics.auc"]]   # doctest: +SKIP
        """
        from ..tracking.search import search_runs

        return search_runs(where=f"parent_run_id = '{self.id}'", max_results=None)

    # -- display ------------------------------------------------------------------------------
    def _outcome(self) -> str:
        if self.status != "failed":
            return self.status
        where = f" in cell {self.failed_cell}" if self.failed_cell is not None else ""
        return f"failed{where} ({self.error_name})"

    def __repr__(self) -> str:
        took = f", {self.duration_s:.1f} s" if self.duration_s is not None else ""
        return f"<PipelineRun {self.short_id} {self.name}: {self._outcome()}{took}>"

    def _facts(self) -> list[tuple[str, str]]:
        params = ", ".join(f"{k}={v!r}" for k, v in self.parameters.items()) or "(none)"
        trigger = f"{self.trigger}, attempt {self.attempt}" + (f", schedule {self.schedule}" if self.schedule else "")
        when = f"{self.started_at:%Y-%m-%d %H:%M:%S} UTC" if self.started_at else f"queued {self.queued_at}"
        if self.duration_s is not None:
            when += f", took {self.duration_s:.1f} s"
        facts = [("status", self._outcome()), ("notebook", self.notebook), ("parameters", params),
                 ("trigger", trigger), ("started", when), ("executor", f"{self.executor} on {self.host or '?'}")]
        if self.error:
            facts.append(("error", self.error))
        facts.extend(("warning", w) for w in self.warnings)
        if self.output_sha256:
            size = f"{(self.output_size or 0) / 1e3:.1f} kB"
            facts.append(("output", f"executed notebook ({size}): get_pipeline_run('{self.short_id}').output_notebook()"))
        return facts

    def summary(self) -> str:
        """A few lines of text: status, parameters, timings, error, warnings, the executed notebook."""
        head = f"pipeline run {self.short_id} ({self.name})"
        return "\n".join([head] + [f"  {k:<10} {v}" for k, v in self._facts()])

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
                       f"{html.escape(str(v))}</td></tr>" for k, v in self._facts())
        return (f"<div><strong>pipeline run {html.escape(self.short_id)} ({html.escape(self.name)})</strong>"
                f"<table>{rows}</table></div>")
