"""Starting a model server: ``serve()`` in the background (a handle), or in the foreground (the CLI).

The server is uvicorn running the Starlette app on a socket bound here (``port=0`` picks a free
port), in a daemon thread of this process for ``serve()``. Beside it a monitor thread checks every
``poll_interval`` seconds whether the database file changed and, only then (opening it costs tens of
milliseconds), re-reads the aliases and hot-swaps a side whose alias moved (``predictors.py``). Every
``beat_interval`` seconds it writes a heartbeat with the split and stats to the spool. Predictions,
feedback and heartbeats all go to the spool without waiting; whoever opens the store next folds them
into ``predictions`` and ``model_servers`` (``list_servers()`` reads them from any process).

The admin token (for ``POST /traffic``) is the ``token`` if one is given, else a random one: it
is written to ``<store>/servers/<server_id>.token`` (mode 0600, removed at stop), so
``set_traffic(server_id, ...)`` from another process of the same user can use it, and nobody
else on the machine can shift traffic even when predictions are open.

>>> server = serve("churn", challenger="challenger", mode="canary", canary_share=0.2)   # doctest: +SKIP
>>> server.url, server.status()["traffic"]                                              # doctest: +SKIP
('http://127.0.0.1:41237', {'mode': 'canary', 'challenger_share': 0.2, ...})
>>> server.stop()                                                                       # doctest: +SKIP
"""

from __future__ import annotations

import atexit
import secrets
import socket
import uuid
import warnings

from ..errors import InvalidInput
from .app import DEFAULT_MAX_BODY_BYTES
from .handle import _RUNNING, ModelServer, _write_token

DEFAULT_POLL_INTERVAL = 1.0
DEFAULT_BEAT_INTERVAL = 2.0
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _bind(host: str, port: int) -> socket.socket:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise InvalidInput(f"port is a number from 0 to 65535 (0 picks a free one), got {port!r}")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise InvalidInput(f"cannot listen on host {host!r} ({error.strerror}); use 127.0.0.1 (this machine only) "
                           "or 0.0.0.0 (every interface)") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise InvalidInput(f"cannot listen on {host}:{port} ({error.strerror}); choose another port, or port=0 for a "
                           "free one") from None
    sock.listen(2048)
    return sock


def _prepare(model, port: int = 0, host: str = "127.0.0.1", *, challenger=None, mode=None, canary_share=None,
             token=None, max_body_bytes=DEFAULT_MAX_BODY_BYTES, auto_shift=None, poll_interval=DEFAULT_POLL_INTERVAL,
             beat_interval=DEFAULT_BEAT_INTERVAL, allow_unsafe=False, log_predictions=True) -> ModelServer:
    import uvicorn

    from ..registry.refs import parse_model_ref
    from ..store import open_store
    from .app import build_app
    from .predictors import ModelSet, challenger_ref
    from .state import ServingState
    from .traffic import AutoShift, make_split

    parsed = parse_model_ref(model)
    if parsed.alias is None and parsed.version is None:
        model = f"{parsed.name}@champion"  # a bare name serves the champion, and follows it as it moves
    if token is not None and (not isinstance(token, str) or len(token) < 8 or any(c.isspace() for c in token)):
        raise InvalidInput("token is a secret of at least 8 characters without spaces (e.g. secrets.token_urlsafe())")
    if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes < 1024:
        raise InvalidInput(f"max_body_bytes is a number of bytes, at least 1024, got {max_body_bytes!r}")
    for name, value in (("poll_interval", poll_interval), ("beat_interval", beat_interval)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise InvalidInput(f"{name} is a number of seconds > 0, got {value!r}")
    policy = AutoShift.from_value(auto_shift)
    store = open_store()
    models = ModelSet(model, challenger_ref(model, challenger), allow_unsafe=allow_unsafe, store=store)
    if policy is not None:
        task = models.current["champion"].task
        if (policy.metric == "mae") != (task == "regression"):
            raise InvalidInput(f"auto_shift metric {policy.metric!r} does not fit a {task} model; use "
                               f"{'mae' if task == 'regression' else 'accuracy'}")
    split = make_split(mode, models.has_challenger, canary_share)
    if host not in _LOOPBACK and token is None:
        warnings.warn(f"serving on {host} without a token: anyone who can reach this machine can call the model; "
                      "pass token=... (or --token)", stacklevel=3)
    server_id = f"srv-{uuid.uuid4().hex[:12]}"
    state = ServingState(models, split, policy, server_id, store.writer, log_predictions)
    sock = _bind(host, port)
    admin = token or secrets.token_urlsafe(24)
    app = build_app(state, token, admin, max_body_bytes)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=5)
    server = ModelServer(state, store, host, sock, None, beat_interval, poll_interval, uvicorn.Server(config))
    server.token_file = _write_token(store, server_id, admin)
    server.auth = token is not None
    return server


def serve(model: str, port: int = 0, host: str = "127.0.0.1", *, challenger: str | None = None,
          mode: str | None = None, canary_share: float | None = None, token: str | None = None,
          max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, auto_shift: dict | None = None,
          poll_interval: float = DEFAULT_POLL_INTERVAL, beat_interval: float = DEFAULT_BEAT_INTERVAL,
          allow_unsafe: bool = False, log_predictions: bool = True) -> ModelServer:
    """Serve a registered model over HTTP in the background of this process; return its handle.

    ``model``: ``churn@champion``, ``churn/3`` or ``churn`` (its champion); an alias is watched and
    hot-swapped when it moves. ``challenger``: an alias (``"challenger"``), a version or a full
    reference; ``mode``: ``canary`` (``canary_share`` of requests, default 0.1), ``blue-green`` or
    ``shadow``. ``token``: a bearer token every request but /health and /ready must send.
    ``auto_shift``: e.g. ``dict(metric="accuracy", min_samples=50, min_improvement=0.02, step=0.25)``
    (the rule is in ``jupyter_mlops.serving.traffic``). Binds 127.0.0.1 unless ``host`` says
    otherwise; ``port=0`` picks a free port. Models load through ``load_model``: unsafe flavours
    only with ``allow_unsafe=True``. Every prediction is logged (``prediction_log``) unless
    ``log_predictions=False``.

    >>> server = serve("churn@champion", challenger="challenger", mode="shadow")    # doctest: +SKIP
    >>> httpx.post(server.url + "/predict", json={"records": [{"age": 41}]}).json()  # doctest: +SKIP
    {'predictions': [0], 'request_id': '9f1c...', 'model': 'churn', 'model_version': 3, 'side': 'champion'}
    >>> server.stop()                                                                # doctest: +SKIP
    """
    server = _prepare(model, port, host, challenger=challenger, mode=mode, canary_share=canary_share, token=token,
                      max_body_bytes=max_body_bytes, auto_shift=auto_shift, poll_interval=poll_interval,
                      beat_interval=beat_interval, allow_unsafe=allow_unsafe, log_predictions=log_predictions)
    server._start_thread()
    server._announce()
    return server


class _Stopped(Exception):
    pass


def _raise_stopped(signum, frame):
    raise _Stopped


def serve_forever(model: str, port: int = 8080, host: str = "127.0.0.1", echo=print, **options) -> None:
    """Serve in the foreground until SIGINT/SIGTERM (what ``jupyter-mlops serve`` runs); options as ``serve``."""
    import signal

    server = _prepare(model, port, host, **options)
    server._announce()
    echo(f"serving {describe(server)}")
    echo(f"server {server.server_id}; the admin token for POST /traffic is in {server.token_file}; Ctrl+C stops")
    # uvicorn stops gracefully on these signals, then raises them again: ours end the process cleanly.
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server._uvicorn.run(sockets=[server._sock])
    except _Stopped:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server._cleanup()
    echo(f"stopped {server.server_id}")


def describe(server: ModelServer) -> str:
    """``churn/3 (churn@champion) at http://127.0.0.1:8080, canary 10% -> churn/5``."""
    sides = server.state.models.current
    text = f"{sides['champion'].label} ({sides['champion'].ref}) at {server.url}"
    if "challenger" in sides:
        split = server.state.split
        how = f"canary {split.challenger_share:.0%}" if split.mode == "canary" else split.mode
        if split.mode == "blue-green":
            how += f" (active: {split.to_dict()['active']})"
        text += f", {how} -> {sides['challenger'].label}"
    return text


def running_servers() -> list[ModelServer]:
    """The servers this process started and has not stopped."""
    return [s for s in _RUNNING.values() if s.running]


def _stop_all_at_exit() -> None:
    for server in running_servers():
        server._uvicorn.should_exit = True
        server._cleanup()


atexit.register(_stop_all_at_exit)
