"""Schedules: a notebook, its parameters and what runs it (cron, new dataset versions, drift, requests).

A schedule is a row of ``schedules``; the scheduler daemon (``jupyter-mlops scheduler``) fires it.
Each trigger keeps what it has already seen in the row's ``state``, so a restarted (or another)
scheduler carries on where the last one stopped.

>>> schedule("nightly", "retrain.ipynb", cron="0 3 * * *", timezone="Europe/Paris", retries=2)   # doctest: +SKIP
<Schedule nightly: cron 0 3 * * * (Europe/Paris); next 2030-01-02 02:00 UTC; enabled>
>>> schedule("on-new-data", "retrain.ipynb", on_dataset="churn")                              # doctest: +SKIP
>>> request_run("nightly")                                                                    # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone as tz_utc

from ..errors import AlreadyExists, InvalidInput, NotFound, closest
from ..names import check_name
from ..store import open_store
from .cron import check_timezone, from_db, to_db
from .triggers import get_trigger, trigger_kinds
from ..store.transaction import rollback

_TCP = re.compile(r"tcp://[A-Za-z0-9_.\-\[\]:]+:[0-9]{1,5}")
CATCH_UP = ("skip", "once")
MAX_RETRIES = 10
MAX_CONCURRENT = 100
MAX_TIMEOUT = 7 * 24 * 3600.0
COLUMNS = ("name", "notebook", "cron", "timezone", "triggers", "parameters", "timeout", "retries", "max_concurrent",
           "catch_up", "enabled", "executor", "kernel", "state", "created_at", "updated_at")


@dataclass
class Schedule:
    """One schedule as stored; ``triggers`` maps each configured trigger kind to its settings."""

    name: str
    notebook: str
    cron: str | None
    timezone: str
    triggers: dict
    parameters: dict
    timeout: float | None
    retries: int
    max_concurrent: int
    catch_up: str
    enabled: bool
    executor: str
    kernel: str | None
    state: dict = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def next_run(self, now: datetime | None = None) -> datetime | None:
        """The next time a time trigger fires it (aware, UTC), None when only events fire it."""
        now = now or datetime.now(tz_utc.utc)
        kinds = trigger_kinds()
        times = [t for kind in self.triggers if kind in kinds and (t := kinds[kind].next_run(self, now)) is not None]
        return min(times) if times else None

    def describe(self) -> str:
        """The triggers in words, e.g. ``cron 0 3 * * * (Europe/Paris); dataset churn``."""
        kinds = trigger_kinds()
        parts = [f"{kind} (trigger kind not installed here)" if kind not in kinds else
                 kinds[kind].describe(config) + (f" ({self.timezone})" if kind == "cron" else "")
                 for kind, config in self.triggers.items()]
        return "; ".join(parts) or "on request only"

    def to_dict(self) -> dict:
        """JSON-able fields (times as UTC ISO text), plus ``description`` and ``next_run``."""
        data = {k: getattr(self, k) for k in COLUMNS}
        upcoming = self.next_run() if self.enabled else None
        for key, value in (("created_at", self.created_at), ("updated_at", self.updated_at), ("next_run", upcoming)):
            data[key] = value.isoformat() if value else None
        return data | {"description": self.describe()}

    def __repr__(self) -> str:
        upcoming = self.next_run() if self.enabled else None
        when = f"; next {upcoming:%Y-%m-%d %H:%M} UTC" if upcoming else ""
        return f"<Schedule {self.name}: {self.describe()}{when}; {'enabled' if self.enabled else 'paused'}>"


def _from_row(row) -> Schedule:
    values = dict(zip(COLUMNS, row))
    for key in ("triggers", "parameters", "state"):
        values[key] = json.loads(values[key]) if isinstance(values[key], str) else (values[key] or {})
    values["created_at"], values["updated_at"] = from_db(values["created_at"]), from_db(values["updated_at"])
    return Schedule(**values)


def _fetch(con, name: str | None = None) -> list[Schedule]:
    where, params = ("WHERE name = ?", [name]) if name is not None else ("", [])
    cols = ", ".join(f"{c}::VARCHAR" if c in ("triggers", "parameters", "state") else c for c in COLUMNS)
    return [_from_row(r) for r in con.execute(f"SELECT {cols} FROM schedules {where} ORDER BY name", params).fetchall()]


def check_schedule_name(name) -> str:
    """Return ``name`` if it is a valid schedule name (``names.KINDS``), else InvalidInput."""
    return check_name("schedule", name)


def check_executor(executor) -> str:
    """A registered executor: ``local`` (worker processes), ``inline`` (threads) or ``tcp://host:port`` (Dask)."""
    from .executors import _FACTORIES, _load_entry_points, executor_names

    _load_entry_points()
    if isinstance(executor, str) and "://" in executor:
        scheme = executor.split("://", 1)[0]
        if scheme in _FACTORIES and _TCP.fullmatch("tcp://" + executor.split("://", 1)[1]):
            return executor
    elif isinstance(executor, str) and executor in _FACTORIES:
        return executor
    hint = closest(executor, list(_FACTORIES)) if isinstance(executor, str) and "://" not in executor else ""
    raise InvalidInput(f"unknown executor {executor!r}{hint}{' ' if hint else '; '}executors: "
                       f"{', '.join(executor_names())} (a Dask address looks like tcp://127.0.0.1:8786)")


def _check_number(value, name: str, low, high, integer: bool, what: str):
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        raise InvalidInput(f"{name} must be {'a whole number' if integer else 'a number'} {what}, got {value!r}")
    return value


def _check_settings(parameters, timezone, timeout, retries, max_concurrent, catch_up, enabled, executor, kernel):
    if parameters is not None and not isinstance(parameters, dict):
        raise InvalidInput(f"parameters must be a dict such as {{'alpha': 0.1}}, got {type(parameters).__name__}")
    check_timezone(timezone)
    if timeout is not None:
        _check_number(timeout, "timeout", 1e-9, MAX_TIMEOUT, False, "of seconds above 0 (at most 7 days), or None")
    _check_number(retries, "retries", 0, MAX_RETRIES, True, f"from 0 to {MAX_RETRIES}")
    _check_number(max_concurrent, "max_concurrent", 1, MAX_CONCURRENT, True, f"from 1 to {MAX_CONCURRENT}")
    if catch_up not in CATCH_UP:
        raise InvalidInput(f"catch_up must be 'skip' (missed cron times are not run) or 'once' (one run makes up "
                           f"for them){closest(str(catch_up), CATCH_UP)}, got {catch_up!r}")
    if not isinstance(enabled, bool):
        raise InvalidInput(f"enabled must be True or False, got {enabled!r}")
    check_executor(executor)
    if kernel is not None and (not isinstance(kernel, str) or not kernel):
        raise InvalidInput(f"kernel must be a kernel name such as 'python3', or None for the notebook's own, "
                           f"got {kernel!r}")


def drift_settings(dataset=None, predictions=None, *, model=None, reference=None, threshold=None, min_rows=None,
                   target=None) -> dict | None:
    """The ``on_drift`` dict from flat options (what the CLI and the magic take); None when neither source is given.

    >>> drift_settings(predictions="churn@champion", threshold=0.3, target="churned")
    {'predictions': 'churn@champion', 'threshold': 0.3, 'target': 'churned'}
    """
    given = {"model": model, "reference": reference, "threshold": threshold, "min_rows": min_rows, "target": target}
    given = {key: value for key, value in given.items() if value is not None}
    if dataset and predictions:
        raise InvalidInput("drift watches either a dataset's new versions or a model's served predictions, not both")
    if not dataset and not predictions:
        if given:
            raise InvalidInput(f"{', '.join(given)} go with a drift source: a dataset (--on-drift-dataset) "
                               "or served predictions (--on-drift-predictions)")
        return None
    if dataset:
        return {"dataset": dataset, **given}
    return {"predictions": predictions, **given}


def _trigger_configs(cron, on_dataset, on_drift, data_parameter, triggers) -> dict:
    configs = {}
    if cron is not None:
        configs["cron"] = {"cron": cron}
    if on_dataset is not None:
        configs["dataset"] = {"name": on_dataset, "parameter": data_parameter}
    if on_drift is not None:
        # on_drift watches new versions of a dataset, or (with "predictions") what a model server saw
        kind = "prediction_drift" if isinstance(on_drift, dict) and "predictions" in on_drift else "drift"
        configs[kind] = {"parameter": data_parameter, **on_drift} if isinstance(on_drift, dict) else on_drift
    if triggers is not None and not isinstance(triggers, dict):
        raise InvalidInput(f"triggers must be a dict {{kind: settings}}, got {type(triggers).__name__}")
    for kind, config in (triggers or {}).items():
        if get_trigger(kind).always:
            raise InvalidInput(f"trigger {kind!r} is active on every schedule; leave it out of triggers=")
        if kind in configs:
            raise InvalidInput(f"trigger {kind!r} is given twice (as an argument and in triggers=); give it once")
        configs[kind] = config
    return configs


def schedule(name: str, notebook, cron: str | None = None, *, on_dataset: str | None = None,
             on_drift: dict | None = None, parameters: dict | None = None, timezone: str = "UTC",
             timeout: float | None = None, retries: int = 0, max_concurrent: int = 1, catch_up: str = "skip",
             enabled: bool = True, executor: str = "local", kernel: str | None = None, replace: bool = False,
             data_parameter: str = "dataset", triggers: dict | None = None) -> Schedule:
    """Create (or with ``replace=True`` replace) schedule ``name`` running ``notebook``; return it.

    Triggers, any combination: ``cron`` (in ``timezone``); ``on_dataset="churn"`` (once for each new
    version of dataset churn, passing ``{data_parameter: "churn@N"}``); ``on_drift={"dataset": "churn",
    "model": "churn@champion" | "reference": "churn@1", "threshold": 0.3}`` (each new version that
    drifts from the model's training data); ``on_drift={"predictions": "churn@champion", "threshold": 0.3,
    "min_rows": 200, "target": "churned"}`` (each window of a model server's predictions that drifts
    from that training data; the window, labels included, is registered as dataset ``churn-live``
    and passed on); ``triggers={kind: settings}`` for registered kinds; and
    always ``request_run(name)``. A failed run is re-run up to ``retries`` times; at most
    ``max_concurrent`` runs of the schedule are active (further occurrences wait); ``catch_up``
    says what a scheduler does about cron times it missed while down: ``skip`` or run ``once``.
    ``executor="local"`` (the default) runs on the scheduler's own executor (``jupyter-mlops scheduler
    --executor``, worker processes unless told otherwise); ``inline`` or ``tcp://host:port`` pin it.

    >>> schedule("nightly", "retrain.ipynb", "0 3 * * *", parameters={"alpha": 0.1}, retries=2)   # doctest: +SKIP
    <Schedule nightly: cron 0 3 * * * (UTC); next 2030-01-02 03:00 UTC; enabled>
    """
    from .notebooks import check_notebook, notebook_path

    check_schedule_name(name)
    _check_settings(parameters, timezone, timeout, retries, max_concurrent, catch_up, enabled, executor, kernel)
    configs = _trigger_configs(cron, on_dataset, on_drift, data_parameter, triggers)
    path = str(notebook_path(notebook))
    store = open_store()
    with store.connect() as con:
        if not replace and con.execute("SELECT 1 FROM schedules WHERE name = ?", [name]).fetchone():
            raise AlreadyExists(f"schedule {name!r} already exists; pass replace=True (CLI: --replace) to change it "
                                f"(or remove_schedule({name!r}) first)")
        configs = {kind: get_trigger(kind).configure(config, con) for kind, config in configs.items()}
        state = {kind: get_trigger(kind).baseline(config, con) for kind, config in configs.items()}
    samples = {}
    for kind, config in configs.items():
        samples.update(get_trigger(kind).sample_parameters(config))
    check_notebook(path, {**(parameters or {}), **samples}, kernel)
    now = to_db(datetime.now(tz_utc.utc))
    row = [name, path, configs.get("cron", {}).get("cron"), timezone, json.dumps(configs),
           json.dumps(parameters or {}, default=str), timeout, retries, max_concurrent, catch_up, enabled, executor,
           kernel, json.dumps(state), now, now]
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM schedules WHERE name = ?", [name])
            con.execute(f"INSERT INTO schedules ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", row)
            con.execute("COMMIT")
        except BaseException as error:
            rollback(con, error)
            raise
        return _fetch(con, name)[0]


def _missing(con, name: str) -> NotFound:
    names = [n for (n,) in con.execute("SELECT name FROM schedules ORDER BY name").fetchall()]
    hint = closest(name, names)
    listing = ", ".join(names) or "none yet (create one with schedule(name, notebook, cron=...))"
    return NotFound(f"no schedule {name!r}{hint}{' ' if hint else '; '}schedules: {listing}")


def get_schedule(name: str) -> Schedule:
    """The schedule called ``name``; NotFound names the closest one.

    >>> get_schedule("nightly").next_run()     # doctest: +SKIP
    datetime.datetime(2030, 1, 2, 3, 0, tzinfo=datetime.timezone.utc)
    """
    check_schedule_name(name)
    with open_store().connect() as con:
        found = _fetch(con, name)
        if not found:
            raise _missing(con, name)
        return found[0]


def _set_enabled(name: str, enabled: bool) -> Schedule:
    check_schedule_name(name)
    with open_store().connect() as con:
        found = _fetch(con, name)
        if not found:
            raise _missing(con, name)
        current = found[0]
        state = current.state
        if enabled and not current.enabled:  # resumed: what happened while paused does not fire
            state = {kind: get_trigger(kind).baseline(config, con) for kind, config in current.triggers.items()}
            if "cron" in state:
                state["cron"] = {"rebase": True}
        con.execute("UPDATE schedules SET enabled = ?, state = ?, updated_at = ? WHERE name = ?",
                    [enabled, json.dumps(state), to_db(datetime.now(tz_utc.utc)), name])
        return _fetch(con, name)[0]


def pause_schedule(name: str) -> Schedule:
    """Stop ``name`` firing until ``resume_schedule``; runs already started go on.

    >>> pause_schedule("nightly")      # doctest: +SKIP
    """
    return _set_enabled(name, False)


def resume_schedule(name: str) -> Schedule:
    """Let ``name`` fire again; cron times and dataset versions from the paused stretch do not fire.

    >>> resume_schedule("nightly")     # doctest: +SKIP
    """
    return _set_enabled(name, True)


def remove_schedule(name: str) -> None:
    """Delete schedule ``name`` and its waiting requests (its pipeline runs and fires stay as history).

    >>> remove_schedule("nightly")     # doctest: +SKIP
    """
    check_schedule_name(name)
    with open_store().connect() as con:
        if not _fetch(con, name):
            raise _missing(con, name)
        con.execute("DELETE FROM schedule_requests WHERE schedule = ? AND claimed_at IS NULL", [name])
        con.execute("DELETE FROM schedules WHERE name = ?", [name])


@dataclass
class RunRequest:
    """A run-now request waiting for a scheduler (``schedule_requests``)."""

    request_id: str
    schedule: str
    parameters: dict
    requested_at: datetime


def request_run(name: str, parameters: dict | None = None) -> RunRequest:
    """Ask the scheduler to run schedule ``name`` now (with ``parameters`` over its own); return the request.

    The scheduler claims it on its next tick (trigger ``request``), even while the schedule is paused.

    >>> request_run("nightly", {"alpha": 0.5})     # doctest: +SKIP
    """
    from ..tracking.runs import _USER
    from .notebooks import check_notebook

    current = get_schedule(name)
    check_notebook(current.notebook, {**current.parameters, **(parameters or {})}, current.kernel)
    request = RunRequest(uuid.uuid4().hex, name, dict(parameters or {}), datetime.now(tz_utc.utc))
    with open_store().connect() as con:
        con.execute("INSERT INTO schedule_requests VALUES (?, ?, ?, ?, ?, NULL)",
                    [request.request_id, name, json.dumps(request.parameters, default=str),
                     to_db(request.requested_at), _USER])
    return request


def list_schedules():
    """Every schedule with its triggers, next run, and last run's time and status; a DataFrame.

    >>> list_schedules()[["name", "triggers", "next_run", "last_status"]]     # doctest: +SKIP
    """
    import pandas as pd

    with open_store().connect() as con:
        found = _fetch(con)
        last = {row[0]: row[1:] for row in con.execute(
            """SELECT schedule, pipeline_run_id, coalesce(started_at, queued_at), status, error_name
               FROM pipeline_runs WHERE schedule IS NOT NULL
               QUALIFY row_number() OVER (PARTITION BY schedule ORDER BY queued_at DESC) = 1""").fetchall()}
    rows = []
    for s in found:
        run_id, run_at, status, error = last.get(s.name, (None, None, None, None))
        rows.append({"name": s.name, "enabled": s.enabled, "triggers": s.describe(),
                     "next_run": s.next_run() if s.enabled else None, "last_run": from_db(run_at),
                     "last_status": status, "last_error": error, "last_run_id": run_id,
                     "notebook": s.notebook, "parameters": s.parameters, "retries": s.retries,
                     "max_concurrent": s.max_concurrent, "catch_up": s.catch_up, "executor": s.executor,
                     "created_at": s.created_at})
    columns = ["name", "enabled", "triggers", "next_run", "last_run", "last_status", "last_error", "last_run_id",
               "notebook", "parameters", "retries", "max_concurrent", "catch_up", "executor", "created_at"]
    return pd.DataFrame(rows, columns=columns)

