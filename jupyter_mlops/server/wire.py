"""Turning core results into the JSON shapes the OpenAPI file names, and query strings into values.

Non-finite floats are sent as the strings "NaN", "Infinity" and "-Infinity" (JSON has no
literal for them), so a NaN metric arrives faithfully instead of breaking ``JSON.parse``.
"""

from __future__ import annotations

import math
from ..errors import InvalidInput

MAX_LIMIT = 1000


def number(value):
    """A float as JSON can carry it."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def when(value) -> str | None:
    """A UTC timestamp (datetime or pandas Timestamp) as ISO 8601 with a Z; None when missing."""
    if value is None or str(value) in ("NaT", "nan", "None"):
        return None
    return value.isoformat(timespec="milliseconds") + "Z"


def run_summaries(runs: list[dict]) -> list[dict]:
    """``list_runs`` results as ``RunSummary`` objects."""
    return [
        {
            "run_id": run["run_id"],
            "experiment": run["experiment"],
            "run_name": run["run_name"],
            "status": run["status"],
            "start_time": when(run["start_time"]),
            "end_time": when(run["end_time"]),
            "parent_run_id": run["parent_run_id"] if isinstance(run["parent_run_id"], str) else None,
            "user": run["user"] if isinstance(run["user"], str) else None,
            "params": run["params"],
            "metrics": {k: number(v) for k, v in run["metrics"].items()},
            "tags": run["tags"],
        }
        for run in runs
    ]


def run_detail(record) -> dict:
    """``get_run`` as a ``RunDetail`` object."""
    return {
        "run_id": record.run_id,
        "experiment": record.experiment,
        "run_name": record.name,
        "status": record.status,
        "start_time": when(record.start_time),
        "end_time": when(record.end_time),
        "parent_run_id": record.parent_run_id,
        "user": record.user,
        "host": record.host,
        "error": record.error,
        "deleted": record.deleted,
        "params": record.params,
        "metrics": {k: number(v) for k, v in record.metrics.items()},
        "tags": record.tags,
        "artifacts": record.artifacts,
        "environment": {
            "python": record.tags.get("mlops.python"),
            "source_type": record.tags.get("mlops.source.type"),
            "notebook": record.tags.get("mlops.source.notebook"),
            "script": record.tags.get("mlops.source.name"),
            "git_commit": record.tags.get("mlops.git.commit"),
            "git_branch": record.tags.get("mlops.git.branch"),
            "git_dirty": record.tags.get("mlops.git.dirty") == "true",
        },
    }


def experiments(frame) -> list[dict]:
    return [
        {"experiment_id": int(r["experiment_id"]), "name": r["name"], "created_at": when(r["created_at"]),
         "runs": int(r["runs"]), "last_run": when(r["last_run"])}
        for r in frame.to_dict("records")
    ]


def points(frame) -> list[dict]:
    return [{"step": int(r["step"]), "value": number(float(r["value"])), "timestamp": when(r["timestamp"])}
            for r in frame.to_dict("records")]


def integer(args: dict, name: str, default: int, low: int, high: int | None = None) -> int:
    """A whole-number query argument within bounds, else InvalidInput naming the bounds."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        bounds = f"{low} to {high}" if high is not None else f"at least {low}"
        raise InvalidInput(f"query argument '{name}' must be a whole number from {bounds}, got {raw!r}")
    return value


def boolean(args: dict, name: str) -> bool:
    raw = (args.get(name) or "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise InvalidInput(f"query argument '{name}' must be true or false, got {raw!r}")
    return raw in ("true", "1")



def _plain(value):
    """A DataFrame cell as JSON: timestamps as ISO, numpy scalars as Python, NaN/NaT as null."""
    if hasattr(value, "isoformat"):
        return when(value)
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _records(frame) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def datasets(frame) -> list[dict]:
    return [{"name": r["name"], "latest_version": int(r["latest_version"]), "versions": int(r["versions"]),
             "rows": int(r["rows"]), "storage": r["storage"], "updated_at": when(r["updated_at"]),
             "description": r["description"] if isinstance(r["description"], str) else None}
            for r in frame.to_dict("records")]


def _column(c: dict) -> dict:
    return {**c, "null_share": number(c["null_share"]), "mean": number(c["mean"]) if c["mean"] is not None else None,
            "std": number(c["std"]) if c["std"] is not None else None,
            "quantiles": [number(q) for q in c["quantiles"]] if c["quantiles"] else None}


def dataset_version(version, with_columns: bool) -> dict:
    out = {"name": version.name, "version": version.version, "ref": version.ref, "fingerprint": version.fingerprint,
           "rows": version.rows, "schema": version.schema, "storage": version.storage, "source": version.source,
           "created_at": when(version.created_at), "description": version.description, "tags": version.tags,
           "definition": version.definition, "run_id": version.run_id}
    if with_columns:
        out["columns"] = [_column(c) for c in version.columns]
    return out


def dataset_diff(diff) -> dict:
    columns = []
    for r in diff.columns.to_dict("records"):
        columns.append({"column": r["column"], "kind": r["kind"], "null_share_change": number(float(r["null_share_change"])),
                        "distinct_change": int(r["distinct_change"]),
                        "mean_before": _plain(r["mean_before"]), "mean_after": _plain(r["mean_after"]), "shift": None if r["shift"] is None or str(r["shift"]) == "nan" else number(float(r["shift"])),
                        "shifted": bool(r["shifted"])})
    return {"before": diff.before, "after": diff.after, "added": diff.added, "removed": diff.removed,
            "retyped": [{"column": c, "before": a, "after": b} for c, a, b in diff.retyped],
            "rows_before": diff.rows_before, "rows_after": diff.rows_after, "columns": columns, "summary": diff.summary()}


def lineage(found) -> dict:
    return {"ref": found.ref, "kind": found.kind, "upstream": _records(found.upstream), "downstream": _records(found.downstream)}
