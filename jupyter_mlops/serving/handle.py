"""The handle of a running model server: ``url``, ``status()``, ``set_traffic()``, ``poll()``, ``stop()``.

It owns the monitor thread (alias polling and hot swap, heartbeats) and the admin token file.

>>> server = serve("churn")          # doctest: +SKIP
>>> server.status()["traffic"]       # doctest: +SKIP
{'mode': 'single', 'challenger_share': 0.0, 'champion_share': 1.0, 'active': None}
"""

from __future__ import annotations

import os
import socket
import threading
import time

from ..errors import InvalidInput, MlopsError
from .log import log_server_event

_RUNNING: dict = {}  # server_id -> ModelServer started by this process


def _url(host: str, port: int) -> str:
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def token_path(store, server_id: str):
    return store.home / "servers" / f"{server_id}.token"


def _write_token(store, server_id: str, token: str):
    path = token_path(store, server_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token)
    return path


def db_signature(store) -> tuple:
    """What changes whenever anyone writes the database: inode, size and mtime of its file and WAL."""
    out = []
    for path in (store.db_path, store.db_path.with_name(store.db_path.name + ".wal")):
        try:
            stat = path.stat()
            out.append((stat.st_ino, stat.st_size, stat.st_mtime_ns))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


class ModelServer:
    """A running server: ``url``, ``port``, ``status()``, ``set_traffic(...)``, ``stop()``."""

    def __init__(self, state, store, host: str, sock: socket.socket, token_file, beat_interval: float,
                 poll_interval: float, uvicorn_server):
        self.state, self.store, self.host = state, store, host
        self.port = sock.getsockname()[1]
        self.url = state.url = _url(host, self.port)
        self.server_id = state.server_id
        self.token_file = token_file
        self.auth = False
        self._sock, self._uvicorn = sock, uvicorn_server
        self._beat_interval, self._poll_interval = beat_interval, poll_interval
        self._stop = threading.Event()
        self._seen = None
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._monitor = threading.Thread(target=self._watch, name=f"mlops-serve-monitor-{self.server_id}", daemon=True)

    def __repr__(self) -> str:
        sides = self.state.models.current
        other = f", {self.state.split.mode} with {sides['challenger'].label}" if "challenger" in sides else ""
        state = "stopped" if self._stopped else "running"
        return f"<ModelServer {sides['champion'].label} at {self.url} ({state}{other})>"

    def status(self) -> dict:
        """The traffic split, the predictors and per-version stats (what ``GET /stats`` answers).

        >>> server.status()["stats"][0]["latency_p99_ms"]     # doctest: +SKIP
        """
        return self.state.status()

    def set_traffic(self, mode: str | None = None, challenger_share=None, active: str | None = None,
                    reason: str | None = None) -> dict:
        """Shift traffic now: ``mode`` (canary | blue-green | shadow | single), ``challenger_share`` (canary),
        ``active`` (blue-green: champion | challenger).

        >>> server.set_traffic(challenger_share=0.5, reason="looks good")     # doctest: +SKIP
        """
        result = self.state.set_traffic(mode, challenger_share, active, reason)
        self._beat("beat")
        return result

    def poll(self, force: bool = True) -> list[dict]:
        """Check the aliases now (the monitor does it every ``poll_interval``); the swaps made.

        Opening the database costs tens of milliseconds (and folds the spool), so the monitor polls
        with ``force=False``: only when the database file changed since its last look.
        """
        if not force and db_signature(self.store) == self._seen:
            return []
        # Holding the store's lock until the signature is taken: no writer in this process can slip a
        # change in unseen, and another process needs far longer to open the file than we take to stat it.
        with self.store._lock:
            changes = self.state.models.moved()
            self.store.release()
            self._seen = db_signature(self.store)
        swaps = self.state.models.swap_in(changes) if changes else []
        if swaps:
            self.state.after_swaps(swaps)
            self._beat("beat")
        return swaps

    # -- life cycle ---------------------------------------------------------------------------------
    def _fields(self) -> dict:
        sides = self.state.models.current
        status = self.state.status()
        return {"mode": self.state.split.mode, "split": self.state.split.to_dict(),
                "champion": sides["champion"].label,
                "challenger": sides["challenger"].label if "challenger" in sides else None,
                "stats": {k: status[k] for k in ("predictors", "stats", "auto_shift", "swaps", "shifts", "last_error")}}

    def _beat(self, event: str, **extra) -> None:
        try:
            log_server_event(self.store.writer, self.server_id, event, {**self._fields(), **extra})
        except (OSError, RuntimeError):
            pass  # the spool is closed at interpreter exit; the fold marks a gone writer's servers stopped

    def _watch(self) -> None:
        last_beat = time.monotonic()
        while not self._stop.wait(self._poll_interval):
            try:
                self.poll(force=False)
            except MlopsError as error:  # e.g. StoreBusy: keep serving, say why in the status
                self.state.models.last_error = str(error)
            except Exception as error:  # noqa: BLE001 - the monitor must outlive any one failed poll
                self.state.models.last_error = f"{type(error).__name__}: {error}"
            if time.monotonic() - last_beat >= self._beat_interval:
                self._beat("beat")
                last_beat = time.monotonic()

    def _announce(self) -> None:
        from ..tracking.runs import _HOST

        fields = self._fields()
        fields.update(model=self.state.models.current["champion"].name, url=self.url, host=self.host, port=self.port,
                      machine=_HOST, pid=os.getpid(), writer=self.store.writer.writer_id, auth=self.auth,
                      interval_s=self._beat_interval)
        log_server_event(self.store.writer, self.server_id, "start", fields)
        _RUNNING[self.server_id] = self
        self._monitor.start()

    def _start_thread(self, timeout: float = 30.0) -> None:
        self._thread = threading.Thread(target=self._uvicorn.run, kwargs={"sockets": [self._sock]},
                                        name=f"mlops-serve-{self.server_id}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._uvicorn.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._cleanup()
                raise InvalidInput(f"the model server on {self.url} did not start; see the log above")
            time.sleep(0.01)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving (requests in flight finish first) and record it in the store.

        >>> server.stop()      # doctest: +SKIP
        """
        if self._stopped:
            return
        self._uvicorn.should_exit = True
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._cleanup()

    def _cleanup(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.state.ready = False
        self._stop.set()
        if self._monitor.is_alive() and self._monitor is not threading.current_thread():
            self._monitor.join(5)
        if self.server_id in _RUNNING:
            self._beat("stop")
        _RUNNING.pop(self.server_id, None)
        try:
            self._sock.close()
        except OSError:
            pass
        if self.token_file is not None:
            self.token_file.unlink(missing_ok=True)

    @property
    def running(self) -> bool:
        return not self._stopped
