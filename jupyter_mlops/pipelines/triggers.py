"""What makes a schedule fire: a small registry of trigger kinds, each registered by name.

Built in: ``cron`` (times), ``dataset`` (each new version of a named dataset), ``drift`` (each new
version that drifts from a model's training data, see ``drift_trigger.py``), ``request`` (run now)
and ``retry`` (a failed run with retries left). ``request`` and ``retry`` are active on every
schedule; the others are configured per schedule (``schedule(..., triggers={"kind": {...}})``).

Another package adds a kind with ``register_trigger`` or the ``jupyter_mlops.triggers`` entry point.
A kind validates its configuration once (``configure``), sets what it has "already seen" when a
schedule is created or resumed (``baseline``), and on each scheduler tick reports what is due
(``poll``) as ``Occurrence`` objects. The scheduler claims each one in the store (the primary key
of ``schedule_fires`` stops a second claim) together with the kind's new state.

>>> class Hourly(TriggerKind):                      # doctest: +SKIP
...     name = "hourly"
...     def poll(self, ctx, config, state): ...
>>> register_trigger(Hourly())                     # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..errors import InvalidInput, NotFound, closest
from .cron import check_cron, count_between, from_db, iso, latest_at_or_before, next_after


@dataclass
class Occurrence:
    """One thing a trigger found due: fire a run (``key`` set) or only record the trigger's new state."""

    kind: str
    key: str | None  # fire_key in schedule_fires; None: nothing to run, just save ``state``
    due_at: datetime
    state: dict  # the kind's state once this occurrence is handled
    parameters: dict = field(default_factory=dict)  # merged over the schedule's parameters
    detail: dict = field(default_factory=dict)
    attempt: int = 1
    trigger_key: str | None = None  # what the run is for (a retry keeps the original's); default: key
    request_id: str | None = None
    exact_parameters: bool = False  # the run gets ``parameters`` as they are (a retry repeats a run)


@dataclass
class PollContext:
    """What a trigger sees on one tick: the schedule, the scheduler's clock, the free run slots."""

    schedule: object  # schedules.Schedule
    now: datetime
    slots: int  # runs the schedule may still start this tick (max_concurrent minus active runs)
    grace: float  # seconds a cron occurrence may be late and still count as on time
    store: object

    def rows(self, query: str, params=()) -> list[tuple]:
        with self.store.connect() as con:
            return con.execute(query, list(params)).fetchall()


class TriggerKind:
    """Base of a trigger kind. Override ``poll``; the rest have sensible defaults."""

    name = ""
    always = False  # active on every schedule, without configuration

    def configure(self, config, con) -> dict:
        """Check ``config`` (InvalidInput/NotFound naming the fix); return it as stored (JSON-able)."""
        return dict(config or {})

    def baseline(self, config: dict, con) -> dict:
        """The state of a new (or resumed) schedule: what the trigger counts as already seen."""
        return {}

    def sample_parameters(self, config: dict) -> dict:
        """Parameters this kind adds to a run, with sample values, to check against the notebook."""
        return {}

    def poll(self, ctx: PollContext, config: dict, state: dict) -> list[Occurrence]:
        raise NotImplementedError

    def next_run(self, schedule, now: datetime) -> datetime | None:
        return None

    def describe(self, config: dict) -> str:
        return self.name


_KINDS: dict[str, TriggerKind] = {}
# Modules that register kinds when imported (the built-in drift kind; more can be appended here),
# and the entry-point group through which other packages add kinds: ``name = "pkg.module:KindClass"``.
KIND_MODULES = ["jupyter_mlops.pipelines.drift_trigger", "jupyter_mlops.pipelines.prediction_trigger"]
ENTRY_POINT_GROUP = "jupyter_mlops.triggers"
_loaded = False


def register_trigger(kind: TriggerKind) -> TriggerKind:
    """Register a trigger kind under ``kind.name`` (replacing one of the same name); return it.

    >>> register_trigger(PredictionsTrigger())     # doctest: +SKIP
    """
    if not isinstance(kind, TriggerKind) or not kind.name:
        raise InvalidInput("register_trigger needs a TriggerKind instance with a name")
    _KINDS[kind.name] = kind
    return kind


def trigger_kinds() -> dict[str, TriggerKind]:
    """Every registered kind by name (the built-ins are registered on import)."""
    global _loaded
    if not _loaded:
        _loaded = True
        import importlib
        from importlib.metadata import entry_points

        for module in KIND_MODULES:
            importlib.import_module(module)
        for point in entry_points(group=ENTRY_POINT_GROUP):
            kind = point.load()
            register_trigger(kind() if isinstance(kind, type) else kind)
    return dict(_KINDS)


def get_trigger(name: str) -> TriggerKind:
    """The kind registered as ``name``, or InvalidInput listing the known kinds.

    >>> get_trigger("cron").name
    'cron'
    """
    kinds = trigger_kinds()
    if name not in kinds:
        raise InvalidInput(f"unknown trigger {name!r}{closest(name, kinds)}; triggers: {', '.join(kinds)}")
    return kinds[name]


def data_ref(name: str, version: int) -> str:
    return f"{name}@{version}"


def dataset_versions_after(ctx: PollContext, name: str, seen: int, limit: int) -> list[tuple[int, datetime]]:
    """New versions of dataset ``name`` (above ``seen``), oldest first: ``[(version, created_at)]``."""
    rows = ctx.rows("SELECT version, created_at FROM dataset_versions WHERE name = ? AND version > ? "
                    "ORDER BY version LIMIT ?", (name, seen, limit))
    return [(version, from_db(created)) for version, created in rows]


def latest_dataset_version(con, name: str) -> int:
    return con.execute("SELECT coalesce(max(version), 0) FROM dataset_versions WHERE name = ?", [name]).fetchone()[0]


def check_dataset_exists(con, name, option: str) -> str:
    from ..datasets.refs import check_name

    check_name(name)
    if not latest_dataset_version(con, name):
        names = [n for (n,) in con.execute("SELECT name FROM datasets ORDER BY name").fetchall()]
        raise NotFound(f"{option}: no dataset {name!r}{closest(name, names)}; register it first with "
                       f"register_dataset(df, {name!r}) (datasets: {', '.join(names) or 'none yet'})")
    return name


def check_parameter_name(name, option: str) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        raise InvalidInput(f"{option}: the data parameter must be a Python name such as 'dataset', got {name!r}")
    return name


class CronTrigger(TriggerKind):
    """Fires at the times of a cron expression in the schedule's time zone.

    State: ``last`` (the latest occurrence handled), ``waiting`` (an on-time occurrence deferred
    because the schedule had ``max_concurrent`` runs active), ``rebase`` (set by resume: start
    counting from the scheduler's next tick). Occurrences more than ``grace`` seconds late were
    missed (the scheduler was down): ``catch_up="skip"`` fires none of them, ``"once"`` fires one run
    for all of them. Deferred occurrences coalesce: at most one waits per schedule.
    """

    name = "cron"

    def configure(self, config, con) -> dict:
        return {"cron": check_cron(config.get("cron"))}

    def poll(self, ctx, config, state):
        schedule, now = ctx.schedule, ctx.now
        last = from_db(state.get("last")) or schedule.created_at
        if state.get("rebase"):
            return [Occurrence(self.name, None, now, {"last": iso(now)})]
        latest = latest_at_or_before(config["cron"], now, schedule.timezone)
        waiting = state.get("waiting")
        if latest <= last and not waiting:
            return []
        due = latest if latest > last else from_db(waiting)
        on_time = (now - due).total_seconds() <= ctx.grace
        if not (on_time or waiting or schedule.catch_up == "once"):
            return [Occurrence(self.name, None, due, {"last": iso(latest)})]  # missed, and skip says skip
        if ctx.slots <= 0:
            return [Occurrence(self.name, None, due, {"last": iso(last), "waiting": iso(due)})]
        missed = count_between(config["cron"], last, due, schedule.timezone) if latest > last else 1
        detail = {"late_s": round((now - due).total_seconds(), 3)} | ({"missed": missed} if missed > 1 else {})
        return [Occurrence(self.name, f"cron:{iso(due)}", due, {"last": iso(max(latest, last))}, detail=detail)]

    def next_run(self, schedule, now):
        config = schedule.triggers.get(self.name)
        if not config:
            return None
        state = schedule.state.get(self.name, {})
        if state.get("waiting"):
            return from_db(state["waiting"])
        last = from_db(state.get("last")) or schedule.created_at
        return next_after(config["cron"], max(now, last), schedule.timezone)

    def describe(self, config):
        return f"cron {config['cron']}"


class DatasetTrigger(TriggerKind):
    """Fires once for each new version of dataset ``name``, passing ``{parameter: "name@N"}``."""

    name = "dataset"

    def configure(self, config, con) -> dict:
        name = check_dataset_exists(con, config.get("name"), "on_dataset")
        return {"name": name, "parameter": check_parameter_name(config.get("parameter", "dataset"), "on_dataset")}

    def baseline(self, config, con):
        return {"seen": latest_dataset_version(con, config["name"])}

    def sample_parameters(self, config):
        return {config["parameter"]: data_ref(config["name"], 1)}

    def poll(self, ctx, config, state):
        if ctx.slots <= 0:
            return []
        found = []
        for version, created in dataset_versions_after(ctx, config["name"], state.get("seen", 0), ctx.slots):
            ref = data_ref(config["name"], version)
            found.append(Occurrence(self.name, f"dataset:{ref}", created, {"seen": version},
                                    parameters={config["parameter"]: ref}, detail={"dataset": ref}))
        return found

    def describe(self, config):
        return f"dataset {config['name']}"


class RequestTrigger(TriggerKind):
    """Run-now requests (``request_run``), oldest first; they run even while the schedule is paused."""

    name = "request"
    always = True

    def poll(self, ctx, config, state):
        if ctx.slots <= 0:
            return []
        rows = ctx.rows("SELECT request_id, parameters, requested_at, requested_by FROM schedule_requests "
                        "WHERE schedule = ? AND claimed_at IS NULL ORDER BY requested_at LIMIT ?",
                        (ctx.schedule.name, ctx.slots))
        import json

        return [Occurrence(self.name, f"request:{rid}", from_db(at), {}, parameters=json.loads(params or "{}"),
                           detail={"requested_by": by}, request_id=rid) for rid, params, at, by in rows]


class RetryTrigger(TriggerKind):
    """Re-runs a failed run of the schedule while its attempt is within ``retries`` (attempt + 1)."""

    name = "retry"
    always = True

    def poll(self, ctx, config, state):
        schedule = ctx.schedule
        if ctx.slots <= 0 or schedule.retries <= 0:
            return []
        import json

        rows = ctx.rows(
            """SELECT pipeline_run_id, parameters, attempt, trigger_key, error_name, ended_at FROM pipeline_runs p
               WHERE schedule = ? AND status = 'failed' AND attempt <= ? AND queued_at >= ?
                 AND NOT EXISTS (SELECT 1 FROM schedule_fires f
                                 WHERE f.schedule = p.schedule AND f.fire_key = 'retry:' || p.pipeline_run_id)
               ORDER BY queued_at LIMIT ?""",
            (schedule.name, schedule.retries, schedule.created_at.replace(tzinfo=None), ctx.slots))
        return [Occurrence(self.name, f"retry:{run_id}", from_db(ended) or ctx.now, {},
                           parameters=json.loads(params or "{}"), exact_parameters=True, attempt=attempt + 1,
                           trigger_key=key, detail={"retry_of": run_id, "error_name": error})
                for run_id, params, attempt, key, error, ended in rows]


for _kind in (CronTrigger(), DatasetTrigger(), RequestTrigger(), RetryTrigger()):
    register_trigger(_kind)
