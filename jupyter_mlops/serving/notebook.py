"""The actions behind ``%mlops serve ...`` (the grammar is declared in ``notebook/commands.py``).

- ``%mlops serve churn [--port 8080] [--challenger challenger --mode canary ...]``: serve in the kernel;
- ``%mlops serve status [SERVER]``: traffic split and per-version stats of the running servers;
- ``%mlops serve traffic [SERVER] --canary-share 0.5 | --mode M | --active SIDE``: shift traffic;
- ``%mlops serve stop [SERVER]``: stop this kernel's servers (or one).

Plain Python (no IPython import): errors are the core's typed errors; the magic makes them one line.
"""

from __future__ import annotations

import html

from ..errors import InvalidInput

ACTIONS = ("status", "stop", "traffic")
_STAT_COLUMNS = (("side", "side"), ("version", "version"), ("share", "share"), ("requests", "requests"),
                 ("errors", "errors"), ("p50 ms", "latency_p50_ms"), ("p99 ms", "latency_p99_ms"),
                 ("labelled", "labelled"), ("quality", "quality"))


def _share(server: dict, side: str) -> str:
    traffic = server.get("traffic") or {}
    share = traffic.get("challenger_share", 0.0) if side == "challenger" else traffic.get("champion_share", 1.0)
    if traffic.get("mode") == "shadow" and side == "challenger":
        return "shadow"
    return f"{share:.0%}"


def _cell(row: dict, key: str, server: dict):
    if key == "share":
        return _share(server, row["side"]) if row.get("current") else "-"
    value = row.get(key)
    if key == "quality" and value is not None:
        return f"{value:.4g} {row.get('quality_metric', '')}"
    if isinstance(value, float):
        return f"{value:.3g}"
    return "-" if value is None else value


class ServersView:
    """Running servers with their split and per-version stats; text and (escaped) HTML."""

    def __init__(self, servers: list[dict]):
        self.servers = servers

    def _title(self, server: dict) -> str:
        traffic = server.get("traffic") or {}
        mode = traffic.get("mode", server.get("mode"))
        if mode == "blue-green":
            mode += f" (active: {traffic.get('active')})"
        auth = ", token required" if server.get("auth") else ""
        return f"{server['server_id']}  {server['model']} at {server['url']}  mode: {mode}{auth}"

    def __repr__(self) -> str:
        if not self.servers:
            return "no running model servers; start one with %mlops serve MODEL"
        lines = []
        for server in self.servers:
            lines.append(self._title(server))
            table = [[label for label, _ in _STAT_COLUMNS]]
            table += [[str(_cell(row, key, server)) for _, key in _STAT_COLUMNS] for row in server["stats"]]
            widths = [max(len(r[i]) for r in table) for i in range(len(_STAT_COLUMNS))]
            lines += ["  " + "  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in table]
            if server.get("last_error"):
                lines.append(f"  last error: {server['last_error']}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        if not self.servers:
            return "<p>No running model servers; start one with <code>%mlops serve MODEL</code>.</p>"
        e = html.escape
        parts = []
        for server in self.servers:
            head = "".join(f"<th>{e(label)}</th>" for label, _ in _STAT_COLUMNS)
            body = "".join("<tr>" + "".join(f"<td>{e(str(_cell(row, key, server)))}</td>" for _, key in _STAT_COLUMNS)
                           + "</tr>" for row in server["stats"])
            error = f"<p>last error: {e(server['last_error'])}</p>" if server.get("last_error") else ""
            parts.append(f"<div class='mlops-server'><p><b>{e(self._title(server))}</b></p>"
                         f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{error}</div>")
        return "".join(parts)


def _servers(which: str | None) -> list[dict]:
    """The running servers (all, or the one named), live stats for this kernel's own."""
    from .handle import _RUNNING
    from .servers import find_server, list_servers

    found = [find_server(which)] if which else list_servers()
    for server in found:
        local = _RUNNING.get(server["server_id"])
        if local is not None and local.running:
            status = local.status()
            server.update(traffic=status["traffic"], stats=status["stats"], last_error=status["last_error"])
    return found


def _own(which: str | None) -> list:
    from .server import running_servers

    own = running_servers()
    if which is None:
        return own
    chosen = [s for s in own if s.server_id.startswith(which) or s.url == which.rstrip("/")]
    if not chosen:
        listed = ", ".join(f"{s.server_id} ({s.url})" for s in own) or "none"
        raise InvalidInput(f"this kernel runs no model server {which!r}; its servers: {listed}")
    return chosen


def run_action(args) -> object:
    """Dispatch one parsed ``%mlops serve`` line."""
    if args.target == "status":
        return ServersView(_servers(args.server))
    if args.target == "stop":
        stopped = _own(args.server)
        for server in stopped:
            server.stop()
            print(f"stopped {server.server_id} ({server.url})")
        if not stopped:
            print("this kernel runs no model server")
        return None
    if args.target == "traffic":
        from .servers import set_traffic

        which = args.server
        if which is None:
            own = _own(None)
            if len(own) != 1:
                raise InvalidInput(f"name the server: %mlops serve traffic SERVER --canary-share 0.5 (this kernel runs "
                                   f"{len(own)})")
            which = own[0].server_id
        result = set_traffic(which, mode=args.mode, challenger_share=args.canary_share, active=args.active,
                             reason=args.reason)
        print(f"traffic: {result['previous']['mode']} {result['previous']['challenger_share']:.0%} -> "
              f"{result['traffic']['mode']} {result['traffic']['challenger_share']:.0%} to the challenger")
        return None
    if args.server is not None:
        raise InvalidInput(f"%mlops serve MODEL takes options only, got an extra {args.server!r}; see %mlops help serve")
    from .cli import parse_auto_shift
    from .server import describe, serve

    server = serve(args.target, args.port, args.host, challenger=args.challenger, mode=args.mode,
                   canary_share=args.canary_share, token=args.token, auto_shift=parse_auto_shift(args.auto_shift),
                   allow_unsafe=args.allow_unsafe, log_predictions=not args.no_log,
                   **({"max_body_bytes": args.max_body_bytes} if args.max_body_bytes else {}))
    print(f"serving {describe(server)} (server {server.server_id}); %mlops serve stop ends it")
    return None
