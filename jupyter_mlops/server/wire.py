"""Turning core results into the JSON shapes the OpenAPI file names, and query strings into values.

Non-finite floats are sent as the strings "NaN", "Infinity" and "-Infinity" (JSON has no
literal for them), so a NaN metric arrives faithfully instead of breaking ``JSON.parse``.
"""

from __future__ import annotations

import math

from ..errors import InvalidInput
from ..names import INT32_MAX, ascii_int, shown

MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000_000  # far past any list a store holds, and well inside DuckDB's BIGINT


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


def integer(args: dict, name: str, default: int, low: int, high: int = MAX_OFFSET) -> int:
    """A whole-number query argument (ASCII digits) from ``low`` to ``high``, else InvalidInput naming the bounds.

    >>> integer({"offset": "20"}, "offset", 0, 0)
    20
    >>> integer({"offset": "²"}, "offset", 0, 0)
    Traceback (most recent call last):
    ...
    jupyter_mlops.errors.InvalidInput: query argument 'offset' must be a whole number from 0 to 1000000000, got '²'
    """
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return ascii_int(raw, name, minimum=low, maximum=high)
    except InvalidInput:
        raise InvalidInput(f"query argument '{name}' must be a whole number from {low} to {high}, "
                           f"got {shown(raw)}") from None


def path_number(raw: str, what: str, expected: str) -> int:
    """A number in a URL path (ASCII digits, 1 to 2**31-1), else InvalidInput saying what is ``expected``.

    >>> path_number("2", "dataset version", "a positive number")
    2
    """
    try:
        return ascii_int(raw, what, minimum=1, maximum=INT32_MAX)
    except InvalidInput:
        raise InvalidInput(f"{what} must be {expected}, got {shown(raw)}") from None


def body_number(body: dict, name: str, expected: str) -> int:
    """A positive whole number in a JSON body (a number, or a string of ASCII digits), else InvalidInput.

    >>> body_number({"version": "3"}, "version", "a version number")
    3
    """
    try:
        return ascii_int(body.get(name), name, minimum=1, maximum=INT32_MAX)
    except InvalidInput:
        raise InvalidInput(f"'{name}' must be {expected}, got {shown(body.get(name))}") from None


def text(body: dict, name: str) -> str | None:
    """An optional text field of a JSON body (None when missing or empty), else InvalidInput naming it.

    >>> text({"reason": 7}, "reason")
    Traceback (most recent call last):
    ...
    jupyter_mlops.errors.InvalidInput: 'reason' must be text, got int 7
    """
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"'{name}' must be text, got {shown(value)}")
    return value or None


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


def _number_or_none(value):
    value = _optional(value)
    return None if value is None else number(float(value))


def _optional(value):
    """A DataFrame cell, with every kind of missing (None, NaN, pd.NA, NaT) as None."""
    value = _plain(value)
    try:
        import pandas as pd

        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value


def drift_summary(row: dict) -> dict:
    """A ``drift_history`` / ``latest_drift_reports`` row as a ``DriftReportSummary``."""
    def optional_int(value):
        return None if _optional(value) is None else int(value)

    return {
        "report_id": row["report_id"], "created_at": when(row["created_at"]),
        "reference": row["reference"], "reference_name": _optional(row["reference_name"]),
        "reference_version": optional_int(row["reference_version"]),
        "current": row["current"], "current_name": _optional(row["current_name"]),
        "current_version": optional_int(row["current_version"]),
        "reference_rows": int(row["reference_rows"]), "current_rows": int(row["current_rows"]),
        "columns_checked": int(row["columns_checked"]), "columns_drifted": int(row["columns_drifted"]),
        "drift_share": number(float(row["drift_share"])), "drifted": bool(row["drifted"]),
        "correction": row["correction"], "multivariate_auc": _number_or_none(row["multivariate_auc"]),
        "multivariate_drifted": None if _optional(row["multivariate_drifted"]) is None else bool(row["multivariate_drifted"]),
        "model_name": _optional(row["model_name"]), "model_version": optional_int(row["model_version"]),
        "run_id": _optional(row["run_id"]),
    }


def drift_summaries(frame) -> list[dict]:
    return [drift_summary(row) for row in frame.to_dict("records")]


def drift_report(report) -> dict:
    """A ``DriftReport`` as a ``DriftReportDetail``: per-column status and distributions, most severe first."""
    mv = report.multivariate
    ref_name, ref_version = report.reference_dataset
    cur_name, cur_version = report.current_dataset
    return {
        "report_id": report.report_id, "created_at": when(report.created_at),
        "reference": report.reference, "reference_name": ref_name, "reference_version": ref_version,
        "current": report.current, "current_name": cur_name, "current_version": cur_version,
        "model_name": report.model[0], "model_version": report.model[1],
        "reference_rows": report.reference_rows, "current_rows": report.current_rows,
        "drift_share": number(report.drift_share), "drift_share_threshold": number(report.drift_share_threshold),
        "drifted": report.drifted, "correction": report.correction, "summary": report.summary(),
        "skipped": report.options.get("skipped") or {},
        "multivariate": None if mv is None else {
            "auc": _number_or_none(mv.auc), "p_value": _number_or_none(mv.p_value), "threshold": number(mv.threshold),
            "drifted": mv.drifted, "reference_rows": mv.reference_rows, "current_rows": mv.current_rows,
            "columns": mv.columns, "model": mv.model, "note": mv.note},
        "columns": [{
            "column": c.column, "role": c.role, "type": c.type, "kind": c.kind, "method": c.method,
            "statistic": _number_or_none(c.statistic), "p_value": _number_or_none(c.p_value),
            "p_value_adjusted": _number_or_none(c.p_value_adjusted), "threshold": number(c.threshold),
            "drifted": bool(c.drifted), "severity": _number_or_none(c.severity),
            "reference_count": c.reference_count, "current_count": c.current_count,
            "reference_missing": number(c.reference_missing), "current_missing": number(c.current_missing),
            "new_categories": c.new_categories, "note": c.note, "distribution": c.distribution,
        } for c in report.columns],
    }


# -- models (registry) ----------------------------------------------------------------------------
def _metric_map(values: dict) -> dict:
    return {k: (None if v is None else number(float(v))) for k, v in (values or {}).items()}


def models(frame, aliases: dict) -> list[dict]:
    """``list_models`` rows as ``ModelSummary`` objects; ``aliases``: {name: {alias: version}}."""
    return [{"name": r["name"], "description": _optional(r["description"]),
             "latest_version": None if _optional(r["latest_version"]) is None else int(r["latest_version"]),
             "versions": int(r["versions"]), "aliases": aliases.get(r["name"], {}), "updated_at": when(r["updated_at"])}
            for r in frame.to_dict("records")]


def model_version(v) -> dict:
    """A ``ModelVersion`` as the wire's ``ModelVersion``."""
    return {"name": v.name, "version": v.version, "ref": v.ref, "flavor": v.flavor, "unsafe": v.unsafe,
            "sha256": v.sha256, "size": v.size, "model_class": v.model_class, "run_id": v.run_id, "source": v.source,
            "datasets": v.datasets, "metrics": _metric_map(v.metrics), "signature": v.signature,
            "trusted_types": v.trusted_types, "description": v.description, "tags": v.tags, "user": v.user,
            "created_at": when(v.created_at), "deleted": v.deleted, "aliases": v.aliases}


def alias_change(c) -> dict | None:
    """An ``AliasChange`` (one alias history entry)."""
    if c is None:
        return None
    return {"seq": c.seq, "alias": c.alias, "action": c.action, "from_version": c.from_version,
            "to_version": c.to_version, "reason": c.reason, "user": c.user, "changed_at": when(c.changed_at),
            "decision_id": c.decision_id}


def evaluations(frame) -> list[dict]:
    return [{"evaluation_id": r["evaluation_id"], "version": int(r["version"]), "dataset": _optional(r["dataset"]),
             "rows": int(r["rows"]), "target": r["target"], "task": r["task"], "metrics": _metric_map(r["metrics"]),
             "data_fingerprint": r["data_fingerprint"], "run_id": _optional(r["run_id"]), "user": _optional(r["user"]),
             "created_at": when(r["created_at"])} for r in frame.to_dict("records")]


def decisions(frame) -> list[dict]:
    return [{"decision_id": r["decision_id"], "champion": r["champion"], "champion_version": int(r["champion_version"]),
             "challenger": r["challenger"], "challenger_version": int(r["challenger_version"]),
             "dataset": _optional(r["dataset"]), "primary_metric": r["primary_metric"],
             "champion_value": _number_or_none(r["champion_value"]),
             "challenger_value": _number_or_none(r["challenger_value"]),
             "improvement": _number_or_none(r["improvement"]), "passed": bool(r["passed"]),
             "promoted": bool(r["promoted"]), "summary": r["summary"],
             "checks": [{**c, **{k: (None if c.get(k) is None else number(float(c[k])))
                                 for k in ("champion", "challenger", "improvement", "required")}} for c in r["checks"]],
             "policy": r["policy"], "user": _optional(r["user"]), "created_at": when(r["created_at"])}
            for r in frame.to_dict("records")]
