"""Running model servers as the store sees them, from any process: ``list_servers``, ``set_traffic``.

A server writes a heartbeat (split and stats) to the spool every ``beat_interval`` seconds; it is
alive while it has not recorded a stop, its last beat is recent (``3 x interval + 5 s``) and,
on this machine, its process exists. ``set_traffic`` calls the server's ``POST /traffic`` over
HTTP with the admin token from its 0600 token file (or the server directly when this process
started it).

>>> [s["url"] for s in list_servers("churn")]                       # doctest: +SKIP
['http://127.0.0.1:8080']
>>> set_traffic("srv-3f2a", challenger_share=0.5)                   # doctest: +SKIP
{'traffic': {'mode': 'canary', 'challenger_share': 0.5, ...}, 'previous': {...}}
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

from ..errors import InvalidInput, NotFound, closest
from ..store import open_store

_COLUMNS = ("server_id", "model", "url", "host", "port", "machine", "pid", "mode", "champion", "challenger", "split",
            "stats", "auth", "interval_s", "started_at", "beat_at", "stopped_at")


def _pid_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, TypeError, ValueError):
        return True
    return True


def _alive(row: dict, now: datetime) -> bool:
    from ..tracking.runs import _HOST

    if row["stopped_at"] is not None:
        return False
    if row["beat_at"] < now - timedelta(seconds=3 * row["interval_s"] + 5):
        return False
    return row["machine"] != _HOST or _pid_alive(row["pid"])


def _iso(value):
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else value


def _wire(row: dict, alive: bool) -> dict:
    extra = json.loads(row["stats"]) if row["stats"] else {}
    return {"server_id": row["server_id"], "model": row["model"], "url": row["url"], "host": row["host"],
            "port": row["port"], "machine": row["machine"], "pid": row["pid"], "alive": alive, "auth": row["auth"],
            "mode": row["mode"], "traffic": json.loads(row["split"]) if row["split"] else None,
            "champion": row["champion"], "challenger": row["challenger"],
            "predictors": extra.get("predictors"), "stats": extra.get("stats") or [],
            "auto_shift": extra.get("auto_shift"), "swaps": extra.get("swaps") or [],
            "shifts": extra.get("shifts") or [], "last_error": extra.get("last_error"),
            "started_at": _iso(row["started_at"]), "beat_at": _iso(row["beat_at"]),
            "stopped_at": _iso(row["stopped_at"])}


def list_servers(model: str | None = None, include_stopped: bool = False) -> list[dict]:
    """The model servers running now (newest first), each a JSON-ready dict: ``server_id, model, url,
    mode, traffic`` (the split), ``champion, challenger`` (versions served), ``stats`` (per version:
    requests, errors, latency_p50_ms, latency_p99_ms, labelled, quality...), ``started_at, beat_at``.

    ``include_stopped=True`` adds stopped (or vanished) servers, with ``alive`` false.

    >>> list_servers()[0]["traffic"]["challenger_share"]      # doctest: +SKIP
    0.1
    """
    where, params = ("WHERE model = ?", [model]) if model is not None else ("", [])
    with open_store().connect() as con:
        rows = con.execute(f"SELECT {', '.join(_COLUMNS)} FROM model_servers {where} ORDER BY started_at DESC",
                           params).fetchall()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    out = []
    for values in rows:
        row = dict(zip(_COLUMNS, values))
        alive = _alive(row, now)
        if alive or include_stopped:
            out.append(_wire(row, alive))
    return out


def find_server(server: str) -> dict:
    """The running server named by its id, a unique id prefix, or its URL; NotFound listing them otherwise."""
    if not isinstance(server, str) or not server:
        raise InvalidInput(f"name a server by its id (srv-...) or URL, got {server!r}")
    running = list_servers()
    wanted = server.rstrip("/")
    matches = [s for s in running if s["server_id"] == wanted or s["url"] == wanted]
    if not matches:
        matches = [s for s in running if s["server_id"].startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    listed = ", ".join(f"{s['server_id']} ({s['model']} at {s['url']})" for s in running) or "none"
    if matches:
        raise InvalidInput(f"{server!r} names {len(matches)} servers; give more of the id: {listed}")
    names = [s["server_id"] for s in running] + [s["url"] for s in running]
    raise NotFound(f"no running model server {server!r}{closest(wanted, names)}; running: {listed}")


def _post(url: str, token: str, body: dict, timeout: float) -> dict:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
    try:
        with opener.open(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            message = json.loads(error.read()).get("message") or str(error)
        except ValueError:
            message = str(error)
        raise (NotFound if error.code == 404 else InvalidInput)(message) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise NotFound(f"the model server at {url.rsplit('/', 1)[0]} is not answering ({reason}); it may have "
                       "stopped: list_servers() shows the running ones") from None


def set_traffic(server: str, mode: str | None = None, challenger_share=None, active: str | None = None,
                reason: str | None = None, timeout: float = 10.0) -> dict:
    """Shift a running server's traffic from any process of the user who started it.

    ``server``: its id (or a unique prefix) or URL. ``mode``: canary | blue-green | shadow | single;
    ``challenger_share``: the canary's share (0-1); ``active``: blue-green's side (champion |
    challenger). Returns ``{"traffic": new split, "previous": old split}``.

    >>> set_traffic("http://127.0.0.1:8080", mode="blue-green", active="challenger")    # doctest: +SKIP
    """
    from .handle import _RUNNING, token_path

    found = find_server(server)
    local = _RUNNING.get(found["server_id"])
    if local is not None and local.running:
        return local.set_traffic(mode, challenger_share, active, reason)
    path = token_path(open_store(), found["server_id"])
    try:
        token = path.read_text().strip()
    except OSError as error:
        raise InvalidInput(f"cannot read the admin token of {found['server_id']} at {path} ({error.strerror}); only "
                           "the user who started the server can shift its traffic") from None
    body = {k: v for k, v in {"mode": mode, "challenger_share": challenger_share, "active": active,
                              "reason": reason}.items() if v is not None}
    return _post(found["url"] + "/traffic", token, body, timeout)
