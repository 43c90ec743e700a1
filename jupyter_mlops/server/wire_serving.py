"""The JSON shapes of the model-server endpoints (``ModelServer``, ``TrafficSplit``, ``ServingStats``,
``ChangeTrafficRequest``... in openapi.json), built from ``list_servers`` and ``set_traffic``.

Times go out as ISO 8601 UTC with a Z (the core keeps naive UTC); a non-finite number (a quality
computed from a NaN label, say) goes out as null, since it is a reading, not a logged value.

>>> traffic_request({"challenger_share": 0.5, "reason": "looks good"})
{'mode': None, 'challenger_share': 0.5, 'active': None, 'reason': 'looks good'}
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

from ..errors import InvalidInput, closest

TRAFFIC_FIELDS = ("mode", "challenger_share", "active", "reason")


def _when(value) -> str | None:
    """``2026-01-02T03:04:05`` (naive UTC) as ``2026-01-02T03:04:05.000Z``."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed.isoformat(timespec="milliseconds") + "Z"


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def traffic(split: dict | None) -> dict | None:
    """A split as ``TrafficSplit``: mode, challenger_share, champion_share, active."""
    if not split:
        return None
    return {"mode": split.get("mode"), "challenger_share": _finite(split.get("challenger_share")),
            "champion_share": _finite(split.get("champion_share")), "active": split.get("active")}


def version_stats(row: dict) -> dict:
    """One side's version counters as ``ServingVersionStats``."""
    return {"side": row.get("side"), "model": row.get("model"), "version": row.get("version"),
            "requests": row.get("requests", 0), "rows": row.get("rows", 0), "errors": row.get("errors", 0),
            "error_rate": _finite(row.get("error_rate")), "latency_p50_ms": _finite(row.get("latency_p50_ms")),
            "latency_p99_ms": _finite(row.get("latency_p99_ms")), "labelled": row.get("labelled", 0),
            "quality_metric": row.get("quality_metric"), "quality": _finite(row.get("quality")),
            "current": bool(row.get("current"))}


def shift(event: dict) -> dict:
    """A traffic change as ``TrafficShift``: when, by (command | auto-shift | swap), from, to, reason."""
    return {"at": _when(event.get("at")), "by": event.get("by"), "from": traffic(event.get("from")),
            "to": traffic(event.get("to")), "reason": event.get("reason")}


def _seconds_since(beat_at, now: datetime) -> float | None:
    try:
        beat = datetime.fromisoformat(str(beat_at))
    except ValueError:
        return None
    return round(max(0.0, (now - beat).total_seconds()), 1)


def server(record: dict, now: datetime | None = None) -> dict:
    """A ``list_servers`` record as a ``ModelServer``."""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    predictors = record.get("predictors") or {}
    return {
        "server_id": record["server_id"], "model": record["model"], "url": record["url"], "host": record["host"],
        "port": record["port"], "machine": record.get("machine"), "pid": record.get("pid"),
        "alive": bool(record["alive"]), "auth": bool(record.get("auth")), "mode": record["mode"],
        "traffic": traffic(record.get("traffic")), "champion": record.get("champion"),
        "challenger": record.get("challenger"),
        "predictors": {side: {"ref": p.get("ref"), "model": p.get("model"), "version": p.get("version"),
                              "task": p.get("task")} for side, p in predictors.items()},
        "stats": [version_stats(row) for row in record.get("stats") or []],
        "auto_shift": record.get("auto_shift"),
        "swaps": [{"side": s.get("side"), "ref": s.get("ref"), "from_version": s.get("from_version"),
                   "to_version": s.get("to_version")} for s in record.get("swaps") or []],
        "shifts": [shift(event) for event in record.get("shifts") or []],
        "last_error": record.get("last_error"),
        "started_at": _when(record.get("started_at")), "beat_at": _when(record.get("beat_at")),
        "seconds_since_beat": _seconds_since(record.get("beat_at"), now) if record.get("beat_at") else None,
        "stopped_at": _when(record.get("stopped_at")),
    }


def servers(records: list[dict]) -> list[dict]:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return [server(record, now) for record in records]


def traffic_request(body: dict) -> dict:
    """A ``ChangeTrafficRequest`` body as keyword arguments of ``set_traffic`` (types checked here,
    values by the core); InvalidInput for an unknown field, a wrong type or nothing to change."""
    unknown = [key for key in body if key not in TRAFFIC_FIELDS]
    if unknown:
        raise InvalidInput(f"no traffic setting {unknown[0]!r}{closest(unknown[0], TRAFFIC_FIELDS)}; "
                           f"settings: {', '.join(TRAFFIC_FIELDS)}")
    for key in ("mode", "active", "reason"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise InvalidInput(f"'{key}' must be text, got {body[key]!r}")
    share = body.get("challenger_share")
    if share is not None and (isinstance(share, bool) or not isinstance(share, (int, float))):
        raise InvalidInput(f"'challenger_share' is a number from 0 to 1 (e.g. 0.25 for 25%), got {share!r}")
    if all(body.get(key) is None for key in ("mode", "challenger_share", "active")):
        raise InvalidInput("nothing to change: give 'mode' (canary | blue-green | shadow), 'challenger_share' "
                           "(a canary's share, 0-1) or 'active' (blue-green: champion | challenger)")
    return {"mode": body.get("mode"), "challenger_share": share, "active": body.get("active"),
            "reason": body.get("reason") or None}


def _describe(split: dict | None) -> str:
    if not split:
        return "unknown"
    if split["mode"] == "canary":
        return f"canary, {round(100 * split['challenger_share'], 1):g}% to the challenger"
    if split["mode"] == "blue-green":
        return f"blue-green, all traffic to the {split['active']}"
    if split["mode"] == "shadow":
        return "shadow, the champion answers and the challenger scores in the background"
    return split["mode"]


def traffic_change(server_id: str, answer: dict) -> dict:
    """``set_traffic``'s answer as a ``ChangeTrafficResponse``, with a one-line message."""
    new, previous = traffic(answer.get("traffic")), traffic(answer.get("previous"))
    same = new == previous
    message = (f"{server_id}: traffic unchanged ({_describe(new)})" if same
               else f"{server_id}: now {_describe(new)} (was {_describe(previous)})")
    return {"server_id": server_id, "traffic": new, "previous": previous, "changed": not same, "message": message}
