"""Starting, nesting and ending runs, and logging into them.

Everything here writes to the process's spool and returns without touching the database, so
``log_metric`` costs microseconds however many processes share the store.

>>> import jupyter_mlops as ml
>>> with ml.start_run(name="baseline") as run:      # doctest: +SKIP
...     ml.log_param("C", 1.0)
...     for step, loss in enumerate([0.9, 0.5, 0.3]):
...         ml.log_metric("loss", loss, step=step)
"""

from __future__ import annotations

import atexit
import getpass
import io
import json
import os
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import InvalidInput
from ..store import open_store
from ..store.database import _close_all
from ..names import INT64_MAX, check_artifact_path, check_name
from .validation import check_key, metric_value, step_value, text_value, timestamp_value

DEFAULT_EXPERIMENT = "Default"
EXPERIMENT_ENV = "MLOPS_EXPERIMENT"
PARENT_RUN_ENV = "MLOPS_PARENT_RUN_ID"
FINAL_STATUSES = ("finished", "failed", "killed")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return str(os.getuid())


_HOST = socket.gethostname()
_USER = _user()
_stack: list["ActiveRun"] = []
_stack_lock = threading.RLock()
_experiment: str | None = None
_start_hooks: list = []  # hook(run) after a run starts: environment capture, notebook context...
_end_hooks: list = []  # hook(run) after a run ends
_exit_hooks: list = []  # hook() at interpreter exit, before active runs end and spools close


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class Experiment:
    """An experiment, identified by its unique name."""

    name: str


class ActiveRun:
    """A run this process is logging into. Use it as a context manager, or call ``end()``.

    >>> with start_run() as run:          # doctest: +SKIP
    ...     run.log_metric("acc", 0.91)
    """

    def __init__(self, store, run_id: str, experiment: str, name: str, parent_run_id: str | None):
        self.store = store
        self.run_id = run_id
        self.experiment = experiment
        self.name = name
        self.parent_run_id = parent_run_id
        self.status = "running"
        self._write = store.writer.write
        self._steps: dict[str, int] = {}
        self._params: dict[str, str] = {}
        self._listeners: list = []

    def __repr__(self) -> str:
        return f"<ActiveRun {self.name!r} {self.run_id[:8]} in {self.experiment!r}: {self.status}>"

    def __enter__(self) -> "ActiveRun":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.end("finished")
        elif issubclass(exc_type, KeyboardInterrupt):
            self.end("killed", error="KeyboardInterrupt")
        else:
            self.end("failed", error=f"{exc_type.__name__}: {exc}")
        return False

    # -- metrics ---------------------------------------------------------------------------
    def log_metric(self, key: str, value, step: int | None = None, timestamp: int | None = None) -> None:
        """Log one value. ``step`` defaults to 0, 1, 2... per key; ``timestamp`` is epoch ms (1990-2200).

        A step outside int64 or a timestamp in another unit is refused here, before it is spooled.
        """
        key = check_key("metric", key)
        value = metric_value(key, value)
        if step is None:
            step = self._steps.get(key, 0)
            if step > INT64_MAX:
                raise InvalidInput(f"metric '{key}' already reached step {INT64_MAX}; give step= explicitly")
        else:
            step = step_value(step)
        self._steps[key] = step + 1
        self._write(["m", self.run_id, key, value, step, now_ms() if timestamp is None else timestamp_value(timestamp)])
        for listener in self._listeners:
            listener(self, key, value, step)

    def add_listener(self, listener) -> None:
        """Call ``listener(run, key, value, step)`` after each metric is logged (e.g. a live chart).

        >>> run.add_listener(lambda run, key, value, step: print(key, value))   # doctest: +SKIP
        """
        self._listeners.append(listener)

    def remove_listener(self, listener) -> None:
        """Stop calling ``listener`` (no error if it is not registered)."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def log_metrics(self, metrics: dict, step: int | None = None, timestamp: int | None = None) -> None:
        """Log several metrics at the same step."""
        for key, value in _as_dict("metrics", metrics).items():
            self.log_metric(key, value, step, timestamp)

    # -- params and tags ---------------------------------------------------------------------
    def log_param(self, key: str, value) -> None:
        """Record a parameter. Params are written once: logging a different value is an error."""
        key = check_key("param", key)
        text = text_value("param", key, value)
        old = self._params.get(key)
        if old is not None and old != text:
            raise InvalidInput(
                f"param '{key}' of run {self.name!r} is already {old[:60]!r}; params are written once, "
                "so use a tag (set_tag) for values that change, or start a new run"
            )
        self._params[key] = text
        self._write(["param", self.run_id, key, text])

    def log_params(self, params: dict) -> None:
        """Record several parameters."""
        for key, value in _as_dict("params", params).items():
            self.log_param(key, value)

    def set_tag(self, key: str, value) -> None:
        """Set a tag; the last value set wins."""
        key = check_key("tag", key)
        self._write(["tag", self.run_id, key, text_value("tag", key, value)])

    def set_tags(self, tags: dict) -> None:
        """Set several tags."""
        for key, value in _as_dict("tags", tags).items():
            self.set_tag(key, value)

    # -- artifacts -------------------------------------------------------------------------
    def log_artifact(self, local_path: str | os.PathLike, artifact_path: str | None = None) -> list[str]:
        """Store a file, or a folder recursively, under ``artifact_path``; return the stored paths."""
        source = Path(local_path)
        prefix = _artifact_dir(artifact_path)
        if source.is_file():
            return [self._put_file(source, _stored_path(prefix / source.name))]
        if source.is_dir():
            files = sorted(p for p in source.rglob("*") if p.is_file())
            # every stored path is checked before the first file is stored, so a bad name stores nothing
            paths = [_stored_path(prefix / source.name / p.relative_to(source).as_posix()) for p in files]
            return [self._put_file(p, path) for p, path in zip(files, paths)]
        raise InvalidInput(f"cannot log artifact {str(source)!r}: no such file or folder")

    def log_text(self, text: str, artifact_file: str) -> str:
        """Store ``text`` as a UTF-8 file at ``artifact_file``."""
        if not isinstance(text, str):
            raise InvalidInput(f"log_text needs a str, got {type(text).__name__}; use log_dict for objects")
        return self._put_bytes(_utf8(text, "log_text"), artifact_file)

    def log_dict(self, dictionary: dict, artifact_file: str) -> str:
        """Store a dict as JSON (or YAML when the name ends in .yaml/.yml)."""
        _artifact_dir(artifact_file)
        if artifact_file.endswith((".yaml", ".yml")):
            try:
                import yaml
            except ImportError:
                raise InvalidInput("YAML output needs PyYAML: pip install pyyaml, or name the file .json") from None
            data = yaml.safe_dump(dictionary, sort_keys=False, allow_unicode=True)
        else:
            data = json.dumps(dictionary, indent=2, default=str, ensure_ascii=False)
        return self._put_bytes(_utf8(data, "log_dict"), artifact_file)

    def log_figure(self, figure, artifact_file: str) -> str:
        """Store a matplotlib figure (PNG, SVG or PDF by extension) or a plotly figure (.html)."""
        _artifact_dir(artifact_file)
        suffix = PurePosixPath(artifact_file).suffix.lower().lstrip(".") or "png"
        buffer = io.BytesIO()
        if hasattr(figure, "savefig"):
            figure.savefig(buffer, format=suffix, bbox_inches="tight")
        elif hasattr(figure, "to_html") and suffix == "html":
            buffer.write(figure.to_html(include_plotlyjs="cdn").encode("utf-8"))
        else:
            raise InvalidInput(
                f"log_figure takes a matplotlib Figure (png/svg/pdf) or a plotly Figure (.html), "
                f"got {type(figure).__name__} for {artifact_file!r}"
            )
        return self._put_bytes(buffer.getvalue(), artifact_file)

    def _put_bytes(self, data: bytes, artifact_file: str) -> str:
        path = _artifact_dir(artifact_file)
        if not path.name:
            raise InvalidInput("artifact_file needs a file name, e.g. 'notes/summary.txt'")
        with self.store.blobs.referencing():
            digest, size = self.store.blobs.put_bytes(data)
            self._write(["art", self.run_id, str(path), digest, size, now_ms()])
        return str(path)

    def _put_file(self, source: Path, path: PurePosixPath) -> str:
        with self.store.blobs.referencing():
            digest, size = self.store.blobs.put_file(source)
            self._write(["art", self.run_id, str(path), digest, size, now_ms()])
        return str(path)

    # -- ending ------------------------------------------------------------------------------
    def end(self, status: str = "finished", error: str | None = None) -> None:
        """End this run (and any still-active child runs) with ``status``."""
        if status not in FINAL_STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(FINAL_STATUSES)}, got {status!r}")
        with _stack_lock:
            if self in _stack:
                while _stack:
                    top = _stack.pop()
                    if top is self:
                        break
                    top._finish(status, error)
            if self.status == "running":
                self._finish(status, error)

    def _finish(self, status: str, error: str | None) -> None:
        self.status = status
        self._write(["end", self.run_id, status, now_ms(), error])
        for hook in list(_end_hooks):
            hook(self)


def _as_dict(what: str, value) -> dict:
    if not isinstance(value, dict):
        raise InvalidInput(f"log {what} from a dict such as {{'lr': 0.1}}, got {type(value).__name__}")
    return value


def _utf8(text: str, verb: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate, e.g. from a file name read with surrogateescape
        raise InvalidInput(f"{verb} got text that is not valid Unicode (U+{ord(exc.object[exc.start]):04X} at "
                           f"position {exc.start}); clean it, e.g. text.encode('utf-8', 'replace').decode()") from None


def _stored_path(path: PurePosixPath) -> PurePosixPath:
    """A path made from local file names, checked like a path the caller gave (control characters...)."""
    check_artifact_path(str(path))
    return path


def _artifact_dir(path: str | None) -> PurePosixPath:
    if path is None or path == "":
        return PurePosixPath("")
    return PurePosixPath(check_artifact_path(path).replace("\\", "/"))


_ADJECTIVES = "amber bold brisk calm clever crisp dapper eager fair gentle keen lucid merry nimble quiet rapid sly sunny tidy vivid".split()
_NOUNS = "badger crane dolphin falcon fox gecko heron ibex koala lark lynx marten otter panda quokka raven seal tapir wren yak".split()


def _random_name() -> str:
    return f"{random.choice(_ADJECTIVES)}-{random.choice(_NOUNS)}-{random.randint(1, 999)}"


def _experiment_name(name) -> str:
    return check_name("experiment", name)


def set_experiment(name: str) -> Experiment:
    """Make ``name`` the experiment new runs go into (created if needed).

    >>> set_experiment("churn")     # doctest: +SKIP
    Experiment(name='churn')
    """
    global _experiment
    name = _experiment_name(name)
    open_store().writer.write(["exp", name, now_ms()])
    _experiment = name
    return Experiment(name)


def current_experiment() -> str:
    """The experiment new runs go into: set_experiment's, else $MLOPS_EXPERIMENT, else 'Default'."""
    return _experiment or os.environ.get(EXPERIMENT_ENV) or DEFAULT_EXPERIMENT


def start_run(
    name: str | None = None,
    *,
    experiment: str | None = None,
    tags: dict | None = None,
    parent_run_id: str | None = None,
    run_name: str | None = None,
) -> ActiveRun:
    """Start a run and make it active; use it as a context manager.

    A run started while another is active becomes its child (a nested run). When the ``with``
    block raises, the run ends as ``failed`` with the exception recorded; otherwise ``finished``.

    >>> with start_run("baseline", experiment="churn") as run:   # doctest: +SKIP
    ...     log_metric("acc", 0.91)
    """
    name = check_name("run", name or run_name or _random_name())
    store = open_store()
    experiment = _experiment_name(experiment) if experiment is not None else current_experiment()
    with _stack_lock:
        if parent_run_id is None:
            parent_run_id = _stack[-1].run_id if _stack else os.environ.get(PARENT_RUN_ENV) or None
        run = _record_new_run(store, experiment, name, parent_run_id)
        _stack.append(run)
    if tags:
        run.set_tags(tags)
    for hook in list(_start_hooks):
        hook(run)
    return run


def _record_new_run(store, experiment: str, name: str, parent_run_id: str | None,
                    run_id: str | None = None) -> ActiveRun:
    # run_id: a pipeline's tracking run reuses its pipeline_run_id (pipelines/execute.py)
    run = ActiveRun(store, run_id or uuid.uuid4().hex, experiment, name, parent_run_id)
    run._write(["run", run.run_id, experiment, name, parent_run_id, now_ms(), _USER, _HOST,
                os.getpid(), store.writer.writer_id])
    return run


def child_run(parent: ActiveRun, name: str) -> ActiveRun:
    """Record a child of ``parent`` without making it active or capturing context again.

    For many children logged at once (e.g. every candidate of a hyper-parameter search): the
    parent carries the environment; each child costs only a few spool writes. End it with ``end()``.

    >>> child = child_run(parent, "candidate-3"); child.log_metric("score", 0.8); child.end()  # doctest: +SKIP
    """
    return _record_new_run(parent.store, parent.experiment, check_name("run", name), parent.run_id)


def active_run() -> ActiveRun | None:
    """The innermost active run of this process, or None."""
    return _stack[-1] if _stack else None


def end_run(status: str = "finished") -> None:
    """End the innermost active run (no-op when none is active)."""
    run = active_run()
    if run is not None:
        run.end(status)


def run_for_logging() -> ActiveRun:
    """The active run; when none is active, start one (as MLflow does) that stays active."""
    run = _stack[-1] if _stack else None
    return run if run is not None else start_run()


def _reset_after_fork() -> None:
    global _stack_lock
    _stack.clear()
    _stack_lock = threading.RLock()


def _end_all_at_exit() -> None:
    for hook in list(_exit_hooks):
        hook()
    with _stack_lock:
        while _stack:
            _stack[-1].end("finished")
    _close_all()


os.register_at_fork(after_in_child=_reset_after_fork)
atexit.register(_end_all_at_exit)
