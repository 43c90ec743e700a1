"""The JSON shapes of the Pipelines endpoints (``SchedulerStatus``, ``PipelineSchedule``,
``PipelineRunSummary``... in openapi.json), built from the pipelines core's results.

Times go out as ISO 8601 UTC with a Z, whether the core hands back naive UTC or aware values.
"""

from __future__ import annotations

import math
import re

from ..pipelines.notebook import OUTPUT_FOLDER  # where %mlops pipeline show writes executed notebooks too
from .wire import _optional


def when(value) -> str | None:
    """A datetime or Timestamp (naive UTC or aware) as ``2026-01-02T03:04:05.000Z``; None when missing."""
    if value is None or str(value) in ("NaT", "nan", "<NA>", "None"):
        return None
    if getattr(value, "tzinfo", None) is not None:
        from datetime import timezone

        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"


def _int(value) -> int | None:
    value = _optional(value)
    return None if value is None else int(value)


def _seconds(start, end) -> float | None:
    if start is None or end is None or str(start) == "NaT" or str(end) == "NaT":
        return None
    seconds = (end - start).total_seconds()
    return round(seconds, 3) if math.isfinite(seconds) else None


def output_path(name: str, pipeline_run_id: str) -> str:
    """Where the sidebar saves a run's executed notebook: ``pipeline-outputs/<name>-<id8>.ipynb``.

    >>> output_path("retrain", "3f2a9c1b4d5e6f70")
    'pipeline-outputs/retrain-3f2a9c1b.ipynb'
    """
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", str(name)).strip("-.") or "pipeline"
    return f"{OUTPUT_FOLDER}/{safe}-{pipeline_run_id[:8]}.ipynb"


def _parse(value):
    """An ISO text (as ``scheduler_status`` gives times) or a datetime, for ``when``."""
    if isinstance(value, str):
        from datetime import datetime

        return datetime.fromisoformat(value)
    return value


def scheduler_status(status: dict) -> dict:
    """``scheduler_status()`` as a ``SchedulerStatus``: the leader (or the latest beat) and a message."""
    schedulers = status.get("schedulers") or []
    live = [s for s in schedulers if s.get("alive")]
    leader_id = status.get("leader")
    main = next((s for s in live if s.get("scheduler_id") == leader_id), live[0] if live else
                (schedulers[0] if schedulers else {}))
    from ..pipelines.liveness import START_COMMAND

    alive = bool(status.get("alive"))
    command = status.get("start_command") or START_COMMAND
    host, pid = main.get("host"), _int(main.get("pid"))
    beat = when(_parse(main.get("last_beat") or status.get("last_beat")))
    where = (f" on {host}" + (f" (pid {pid})" if pid is not None else "")) if host else ""
    if alive:
        message = f"scheduler running{where}; last heartbeat {beat}"
    elif beat:
        message = f"scheduler not running (last heartbeat {beat}{where}); start one with: {command}"
    else:
        message = status.get("message") or f"no scheduler has run on this store; start one with: {command}"
    return {
        "alive": alive, "scheduler_id": main.get("scheduler_id"),
        "leader": bool(leader_id) and main.get("scheduler_id") == leader_id,
        "host": host, "pid": pid, "executor": main.get("executor"),
        "started_at": when(_parse(main.get("started_at"))), "beat_at": beat,
        "seconds_since_beat": main.get("seconds_since_beat"),
        "running": _int(main.get("running")) or 0 if alive else 0,
        "stopped_at": when(_parse(main.get("stopped_at"))),
        "live_schedulers": len(live), "start_command": command, "message": message,
    }


def schedules(frame, pending: dict) -> list[dict]:
    """``list_schedules()`` rows as ``PipelineSchedule`` objects; ``pending``: {name: unclaimed requests}."""
    return [{
        "name": row["name"], "notebook": row["notebook"], "enabled": bool(row["enabled"]),
        "trigger_summary": row["triggers"] or "", "parameters": row["parameters"] or {},
        "retries": int(row["retries"]), "max_concurrent": int(row["max_concurrent"]), "catch_up": row["catch_up"],
        "executor": row["executor"], "next_run": when(row["next_run"]),
        "last_run_id": _optional(row["last_run_id"]), "last_run_at": when(row["last_run"]),
        "last_run_status": _optional(row["last_status"]), "last_error_name": _optional(row["last_error"]),
        "pending_requests": int(pending.get(row["name"], 0)), "created_at": when(row["created_at"]),
    } for row in frame.to_dict("records")]


def _get(source, key):
    """A field of a DataFrame row (dict) or an object, with NaN/NaT/NA as None; times stay datetimes."""
    value = source.get(key) if isinstance(source, dict) else getattr(source, key, None)
    if value is None or isinstance(value, (dict, list, str)):
        return value
    if str(value) in ("NaT", "nan", "<NA>", "None"):
        return None
    return value.item() if hasattr(value, "item") and not hasattr(value, "isoformat") else value


def pipeline_run(source) -> dict:
    """A ``PipelineRun`` (or a ``list_pipeline_runs`` row) as a ``PipelineRunSummary``."""
    run_id = _get(source, "pipeline_run_id") or _get(source, "id")  # a PipelineRun calls it ``id``
    name = _get(source, "name")
    started, ended = _get(source, "started_at"), _get(source, "ended_at")
    has_output = bool(_get(source, "output_sha256"))
    warnings = _get(source, "warnings") or []
    return {
        "pipeline_run_id": run_id, "name": name, "notebook": _get(source, "notebook"),
        "parameters": _get(source, "parameters") or {}, "schedule": _get(source, "schedule"),
        "trigger": _get(source, "trigger") or "manual", "attempt": _int(_get(source, "attempt")) or 1,
        "status": _get(source, "status"), "executor": _get(source, "executor"),
        "queued_at": when(_get(source, "queued_at")), "started_at": when(started), "ended_at": when(ended),
        "duration_s": _seconds(started, ended),
        "failed_cell": _int(_get(source, "failed_cell")), "error_name": _get(source, "error_name"),
        "error": _get(source, "error"), "warnings": [str(w) for w in warnings],
        "has_output": has_output, "output_path": output_path(name, run_id) if has_output else None,
    }


def pipeline_runs(frame) -> list[dict]:
    return [pipeline_run(row) for row in frame.to_dict("records")]


def pipeline_run_detail(run, cells: list[dict]) -> dict:
    """A ``PipelineRun`` with its cells (``pipelines.summary.cell_summary``) as a ``PipelineRunDetail``."""
    return {**pipeline_run(run), "output_sha256": _get(run, "output_sha256"), "cells": cells}
