"""``jupyter-mlops serve``, ``servers`` and ``traffic``: each parses, makes one core call, prints.

    $ jupyter-mlops serve churn@champion --port 8080 --challenger challenger --mode canary --canary-share 0.1
    $ jupyter-mlops servers
    $ jupyter-mlops traffic srv-3f2a --share 0.5
"""

from __future__ import annotations

import json

import click

from ..errors import InvalidInput
from .app import DEFAULT_MAX_BODY_BYTES

_FIELDS = {"metric": str, "min_samples": int, "min_improvement": float, "step": float, "max_share": float,
           "min_share": float}


def parse_auto_shift(text: str | None) -> dict | None:
    """``on`` (the default policy) or ``metric=accuracy,min_samples=50,step=0.25`` -> a dict for ``serve``.

    >>> parse_auto_shift("metric=accuracy,min_samples=20,step=0.5")
    {'metric': 'accuracy', 'min_samples': 20, 'step': 0.5}
    """
    if text is None:
        return None
    if text.strip().lower() == "on":
        return {}
    policy = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or key.strip() not in _FIELDS:
            raise InvalidInput(f"--auto-shift takes 'on' or KEY=VALUE pairs separated by commas (keys: "
                               f"{', '.join(_FIELDS)}), got {part!r}")
        try:
            policy[key.strip()] = _FIELDS[key.strip()](value.strip())
        except ValueError:
            raise InvalidInput(f"--auto-shift {key.strip()} takes a {_FIELDS[key.strip()].__name__}, got {value!r}") from None
    return policy


@click.command()
@click.argument("model")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="0 picks a free port.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on; 0.0.0.0 opens it to the network (set a --token then).")
@click.option("--challenger", help="Challenger: an alias of the same model (challenger), a version (5) or a reference.")
@click.option("--mode", type=click.Choice(["canary", "blue-green", "shadow"]), help="How the challenger runs (default canary).")
@click.option("--canary-share", type=click.FloatRange(0, 1), help="Share of requests the canary answers (default 0.1).")
@click.option("--token", envvar="MLOPS_SERVE_TOKEN", help="Bearer token every request but /health and /ready must "
              "send (or $MLOPS_SERVE_TOKEN, which keeps it out of the process list).")
@click.option("--max-body-bytes", type=click.IntRange(min=1024), default=DEFAULT_MAX_BODY_BYTES, show_default=True,
              help="Larger request bodies get 413.")
@click.option("--auto-shift", metavar="on|KEY=VALUE,...", help="Move traffic by observed quality, e.g. "
              "metric=accuracy,min_samples=50,min_improvement=0.02,step=0.25.")
@click.option("--poll-interval", type=click.FloatRange(min=0.05), default=1.0, show_default=True,
              help="Seconds between checks of the registry's aliases (hot swap).")
@click.option("--allow-unsafe", is_flag=True, help="Allow unsafe (pickle) model flavours: loading runs code from the file.")
@click.option("--no-log", is_flag=True, help="Do not log predictions to the store.")
def serve(model, port, host, challenger, mode, canary_share, token, max_body_bytes, auto_shift, poll_interval,
          allow_unsafe, no_log):
    """Serve MODEL (churn, churn/3 or churn@champion) over HTTP in the foreground until Ctrl+C."""
    from .server import serve_forever

    serve_forever(model, port, host, echo=click.echo, challenger=challenger, mode=mode, canary_share=canary_share,
                  token=token, max_body_bytes=max_body_bytes, auto_shift=parse_auto_shift(auto_shift),
                  poll_interval=poll_interval, allow_unsafe=allow_unsafe, log_predictions=not no_log)


def _current(stats: list, side: str) -> dict:
    return next((s for s in stats if s.get("side") == side and s.get("current")), {})


def server_rows(servers: list[dict]) -> list[dict]:
    """One flat row per server, for tables."""
    rows = []
    for s in servers:
        champion, challenger = _current(s["stats"], "champion"), _current(s["stats"], "challenger")
        traffic = s.get("traffic") or {}
        rows.append({"server_id": s["server_id"], "model": s["model"], "url": s["url"], "mode": s["mode"],
                     "challenger_share": traffic.get("challenger_share"), "champion": s["champion"],
                     "challenger": s["challenger"], "requests": champion.get("requests", 0) + challenger.get("requests", 0),
                     "p50_ms": champion.get("latency_p50_ms"), "p99_ms": champion.get("latency_p99_ms"),
                     "errors": champion.get("errors", 0) + challenger.get("errors", 0), "alive": s["alive"],
                     "started_at": s["started_at"]})
    return rows


@click.command()
@click.option("--model", help="Only servers of this model.")
@click.option("--all", "include_stopped", is_flag=True, help="Include stopped servers.")
@click.option("--json", "as_json", is_flag=True, help="Everything, as JSON (per-version stats included).")
def servers(model, include_stopped, as_json):
    """List running model servers: address, traffic split, requests, latency, errors."""
    from .servers import list_servers

    found = list_servers(model, include_stopped)
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    if not found:
        click.echo("(no running model servers; start one with: jupyter-mlops serve MODEL)")
        return
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_colwidth", 40):
        click.echo(pd.DataFrame(server_rows(found)).to_string(index=False))


@click.command()
@click.argument("server")
@click.option("--mode", type=click.Choice(["single", "canary", "blue-green", "shadow"]))
@click.option("--share", "challenger_share", type=click.FloatRange(0, 1), help="The canary's share of requests.")
@click.option("--active", type=click.Choice(["champion", "challenger"]), help="Blue-green: the side that answers.")
@click.option("--reason", help="Why (kept in the server's shift history).")
def traffic(server, mode, challenger_share, active, reason):
    """Shift the traffic of SERVER (its id, an id prefix or its URL)."""
    from .servers import set_traffic

    result = set_traffic(server, mode=mode, challenger_share=challenger_share, active=active, reason=reason)
    new, old = result["traffic"], result["previous"]
    click.echo(f"{old['mode']} {old['challenger_share']:.0%} -> {new['mode']} {new['challenger_share']:.0%} "
               "to the challenger")


COMMANDS = (serve, servers, traffic)
