"""The scheduler daemon: fires schedules' occurrences into executors, one leader at a time.

Each ``tick``: beat (``scheduler_heartbeats``), take or renew the lease (``scheduler_lease``: only
its holder fires; another scheduler takes over once it lapses), then for each schedule ask its
triggers what is due and claim each occurrence by inserting it into ``schedule_fires`` in a
transaction that also checks the lease is still held: the primary key turns a second claim of
one occurrence into a no-op, so two schedulers never fire it twice. A claimed occurrence becomes a
``PipelineSpec``, recorded as queued and handed to an executor.

``max_concurrent``: a schedule's queued and running pipeline runs count against it; at the limit
its triggers wait (cron coalesces what waits into one run, dataset versions and requests queue up
in order) until a run ends. A failed run with ``attempt <= retries`` fires a retry. At start-up,
and on taking over the lease, runs a dead scheduler left queued (or running with no live worker)
are marked failed (``Orphaned``).

>>> Scheduler(executor="local", interval=1.0).run_forever()      # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import time
import uuid
from datetime import datetime

from ..errors import InvalidInput
from ..store import open_store
from .cron import FileClock, from_db, real_clock, to_db  # noqa: F401  (FileClock: the CLI's --clock-file)
from .liveness import LEASE, mark_orphans, scheduler_status, take_lease  # noqa: F401  (scheduler_status: API)
from .schedules import Schedule, _fetch, check_executor
from .spec import PipelineSpec
from .triggers import PollContext, get_trigger, trigger_kinds
from ..store.transaction import rollback

log = logging.getLogger("jupyter_mlops.scheduler")
ORDER = ("cron", "request", "retry", "dataset", "drift")  # kinds polled first; others follow


class Scheduler:
    """Fires due occurrences of every schedule in the store at ``home`` (see the module doc).

    ``executor`` runs the schedules whose executor is ``local`` (the default); a schedule naming
    another executor (``inline``, ``tcp://host:port``) runs there. ``clock`` (a callable returning an
    aware datetime) replaces the wall clock, so tests can drive time.

    >>> frozen = lambda: datetime(2030, 1, 1, tzinfo=timezone.utc)      # doctest: +SKIP
    >>> scheduler = Scheduler(executor="inline", clock=frozen)           # doctest: +SKIP
    >>> scheduler.tick()          # doctest: +SKIP
    ['3f2a9c1b...']
    """

    def __init__(self, home=None, executor: str = "local", max_workers: int = 2, interval: float = 1.0,
                 clock=None, scheduler_id: str | None = None):
        check_executor(executor)
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not 0.01 <= interval <= 3600:
            raise InvalidInput(f"interval is the seconds between ticks, from 0.01 to 3600, got {interval!r}")
        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or not 1 <= max_workers <= 256:
            raise InvalidInput(f"max_workers must be a whole number from 1 to 256, got {max_workers!r}")
        self.store = open_store(home)
        self.home = str(self.store.home)
        self.executor = executor
        self.max_workers = max_workers
        self.interval = float(interval)
        self.clock = clock or real_clock
        self.host, self.pid = socket.gethostname(), os.getpid()
        self.scheduler_id = scheduler_id or f"{self.host}-{self.pid}-{uuid.uuid4().hex[:6]}"
        self.lease_seconds = max(5.0, 3 * self.interval)  # a holder that stops renewing loses it after this
        self.grace = max(10.0, 5 * self.interval)  # a cron time later than this was missed (catch_up applies)
        self.leader = False
        self._executors: dict = {}
        self._inflight: dict = {}  # pipeline_run_id -> (future, spec)
        self._started = False
        self._beat_at: datetime | None = None
        self._next_due: datetime | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._shut_down = False

    # --- one pass ---------------------------------------------------------------------------

    def tick(self) -> list[str]:
        """One pass: heartbeat, lease, fire what is due; return the pipeline_run_ids fired."""
        now = self.clock()
        specs: list[PipelineSpec] = []
        try:
            with self.store.connect() as con:
                was_leader = self.leader
                if not self._started:
                    self._register(con, now)
                self.leader = self._take_lease(con, now)
                self._beat(con, now, force=self.leader != was_leader)
                if self.leader and not was_leader:
                    self._mark_orphans(con, now)
                    log.info("leader: %s fires the schedules", self.scheduler_id)
                if self.leader:
                    schedules = _fetch(con)
                    active = dict(con.execute(
                        "SELECT schedule, count(*) FROM pipeline_runs WHERE schedule IS NOT NULL "
                        "AND status IN ('queued', 'running') GROUP BY schedule").fetchall())
            # Triggers read the store briefly and claims are short transactions: between them (e.g.
            # during a drift check) the database is free for other processes.
            if self.leader:
                specs = self._fire_due(schedules, active, now)
        finally:
            self.store.release()  # other processes share the file: no linger
        return [spec.pipeline_run_id for spec in specs]

    def _fire_due(self, schedules: list[Schedule], active: dict, now: datetime) -> list[PipelineSpec]:
        specs, upcoming = [], []
        for s in schedules:
            self._fire_schedule(s, s.max_concurrent - active.get(s.name, 0), now, specs)
            if s.enabled and (due := s.next_run(now)) is not None:
                upcoming.append(due)
            if not self.leader:
                break
        self._next_due = min(upcoming) if upcoming else None
        return specs

    def _fire_schedule(self, s: Schedule, slots: int, now: datetime, specs: list) -> None:
        for kind_name in self._kinds_of(s):
            try:
                kind = get_trigger(kind_name)
                ctx = PollContext(s, now, slots, self.grace, self.store)
                found = kind.poll(ctx, s.triggers.get(kind_name, {}), s.state.get(kind_name, {}))
            except Exception as e:  # one broken trigger (e.g. a kind not installed here) spares the others
                log.error("schedule %s, trigger %s: %s: %s", s.name, kind_name, type(e).__name__, e)
                continue
            for occurrence in found:
                spec = self._spec(s, occurrence) if occurrence.key else None
                if not self._claim(s, occurrence, spec, now):
                    if not self.leader:
                        return
                    continue
                if spec is not None:
                    specs.append(spec)
                    slots -= 1
                    log.info("fire %s %s %s -> run %s", s.name, occurrence.kind, occurrence.key,
                             spec.pipeline_run_id[:8])
                    self._submit(spec)

    @staticmethod
    def _kinds_of(s: Schedule) -> list[str]:
        if not s.enabled:
            return ["request"]  # a paused schedule still runs when asked to
        kinds = [k for k, kind in trigger_kinds().items() if kind.always] + list(s.triggers)
        return sorted(kinds, key=lambda k: ORDER.index(k) if k in ORDER else len(ORDER))

    def _spec(self, s: Schedule, occurrence) -> PipelineSpec:
        parameters = occurrence.parameters if occurrence.exact_parameters else {**s.parameters, **occurrence.parameters}
        executor = self.executor if s.executor == "local" else s.executor
        return PipelineSpec.new(s.notebook, parameters, home=self.home, name=s.name, timeout=s.timeout,
                                kernel=s.kernel, schedule=s.name, trigger=occurrence.kind,
                                trigger_key=occurrence.trigger_key or occurrence.key, attempt=occurrence.attempt,
                                executor=executor, scheduler_id=self.scheduler_id)

    def _claim(self, s: Schedule, occurrence, spec, now: datetime) -> bool:
        """Record ``occurrence`` (and the trigger's new state) if the lease is still ours; False if not."""
        with self.store.connect() as con:
            return self._claim_in(con, s, occurrence, spec, now)

    def _claim_in(self, con, s: Schedule, occurrence, spec, now: datetime) -> bool:
        import duckdb

        con.execute("BEGIN TRANSACTION")
        try:
            holder = con.execute("SELECT holder, expires_at FROM scheduler_lease WHERE lease = ?", [LEASE]).fetchone()
            if holder is None or holder[0] != self.scheduler_id or from_db(holder[1]) <= now:
                con.execute("ROLLBACK")
                self.leader = False
                return False
            if occurrence.key is not None:
                con.execute("INSERT INTO schedule_fires VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [s.name, occurrence.key, occurrence.kind, to_db(occurrence.due_at), to_db(now),
                             self.scheduler_id, spec.pipeline_run_id, json.dumps(spec.parameters, default=str),
                             json.dumps(occurrence.detail, default=str)])
            if occurrence.request_id is not None:
                con.execute("UPDATE schedule_requests SET claimed_at = ? WHERE request_id = ? AND claimed_at IS NULL",
                            [to_db(now), occurrence.request_id])
            if occurrence.state and not self._save_state(con, s, occurrence):
                con.execute("ROLLBACK")
                return False
            con.execute("COMMIT")
            return True
        except duckdb.ConstraintException:  # already fired (by us earlier, or another scheduler)
            con.execute("ROLLBACK")
            return False
        except BaseException as error:
            rollback(con, error)
            raise

    @staticmethod
    def _save_state(con, s: Schedule, occurrence) -> bool:
        row = con.execute("SELECT state::VARCHAR, updated_at FROM schedules WHERE name = ?", [s.name]).fetchone()
        if row is None or from_db(row[1]) != s.updated_at:
            return False  # removed, replaced, paused or resumed since it was read: next tick sees it anew
        state = json.loads(row[0] or "{}")
        state[occurrence.kind] = occurrence.state
        s.state = state
        con.execute("UPDATE schedules SET state = ? WHERE name = ?", [json.dumps(state, default=str), s.name])
        return True

    def _submit(self, spec: PipelineSpec) -> None:
        from .executors import get_executor, record_executor_died
        from .records import record_queued

        record_queued(spec)
        try:
            executor = self._executors.get(spec.executor)
            if executor is None:
                executor = self._executors[spec.executor] = get_executor(spec.executor, self.max_workers)
            future = executor.submit(spec)
        except Exception as e:  # e.g. the Dask scheduler is unreachable
            record_executor_died(spec, f"executor {spec.executor!r} could not take the run: {e}")
            log.error("end %s run %s failed: executor %s unavailable (%s)", spec.name, spec.pipeline_run_id[:8],
                      spec.executor, e)
            return
        with self._lock:
            self._inflight[spec.pipeline_run_id] = (future, spec)
        future.add_done_callback(lambda f, spec=spec: self._ended(spec, f))

    def _ended(self, spec: PipelineSpec, future) -> None:
        with self._lock:
            self._inflight.pop(spec.pipeline_run_id, None)
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:
            log.error("end %s run %s failed: %s", spec.name, spec.pipeline_run_id[:8], error)
            return
        result = future.result()
        why = f" ({result.error_name}: {result.error})" if not result.ok else ""
        log.info("end %s run %s %s in %.1f s%s", spec.name, spec.pipeline_run_id[:8], result.status,
                 result.duration_s or 0.0, why)

    # --- lease, heartbeat, orphans ------------------------------------------------------------

    def _take_lease(self, con, now: datetime) -> bool:
        return take_lease(con, self.scheduler_id, self.host, self.pid, now, self.lease_seconds)

    def _mark_orphans(self, con, now: datetime) -> int:
        orphans = mark_orphans(con, self.scheduler_id, self.host, now)
        if orphans:
            log.warning("marked %d orphaned run(s) failed: %s", len(orphans), ", ".join(o[:8] for o in orphans))
        return len(orphans)

    def _register(self, con, now: datetime) -> None:
        con.execute("INSERT OR REPLACE INTO scheduler_heartbeats VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 0)",
                    [self.scheduler_id, self.host, self.pid, self.executor, to_db(now), to_db(now), self.interval,
                     False])
        self._mark_orphans(con, now)
        self._started = True

    def _beat(self, con, now: datetime, force: bool = False) -> None:
        if not force and self._beat_at is not None and (now - self._beat_at).total_seconds() < self.interval / 2:
            return  # throttled: ticks woken early (a cron time, a changed clock file) do not each write a beat
        self._beat_at = now
        con.execute("UPDATE scheduler_heartbeats SET beat_at = ?, leader = ?, running = ?, stopped_at = NULL "
                    "WHERE scheduler_id = ?", [to_db(now), self.leader, len(self._inflight), self.scheduler_id])

    # --- the daemon ---------------------------------------------------------------------------

    def run_forever(self) -> None:
        """Tick every ``interval`` seconds (sooner when a cron time or a clock-file change is due) until stopped.

        SIGTERM or SIGINT stops firing, lets running runs end and records ``stopped_at``; a second
        signal stops at once.

        >>> Scheduler().run_forever()      # doctest: +SKIP
        """
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._on_signal)
        log.info("scheduler %s started (pid %s, executor %s, interval %g s, store %s)", self.scheduler_id,
                 self.pid, self.executor, self.interval, self.home)
        try:
            while not self._stop.is_set():
                try:
                    self.tick()
                except Exception as e:  # a busy store or a bad schedule must not end the daemon
                    log.error("tick failed: %s: %s", type(e).__name__, e)
                self._sleep()
        finally:
            self.shutdown()

    def _on_signal(self, signum, frame) -> None:
        if self._stop.is_set():
            raise KeyboardInterrupt  # the second signal: stop waiting for running runs
        log.info("stopping on %s", signal.Signals(signum).name)
        self._stop.set()

    def _sleep(self) -> None:
        deadline = time.monotonic() + self.interval
        if self._next_due is not None and not hasattr(self.clock, "changed"):
            until_due = (self._next_due - self.clock()).total_seconds()
            deadline = min(deadline, time.monotonic() + max(0.0, until_due) + 0.001)
        changed = getattr(self.clock, "changed", None)
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or (changed is not None and changed()):
                return
            self._stop.wait(min(left, 0.02 if changed is not None else left))

    def stop(self) -> None:
        """Ask ``run_forever`` to return after the current tick."""
        self._stop.set()

    def shutdown(self) -> None:
        """Give up the lease, cancel runs not started, wait for running ones, record ``stopped_at``."""
        self._stop.set()
        with self._lock:
            if self._shut_down:
                return
            self._shut_down = True
        self._release_lease()
        with self._lock:
            waiting = list(self._inflight.values())
        for future, spec in waiting:
            if future.cancel():
                from .executors import record_executor_died

                record_executor_died(spec, "the scheduler stopped before the run started; run it again")
        running = [spec for future, spec in waiting if not future.cancelled()]
        if running:
            log.info("waiting for %d running run(s) to end (signal again to stop now)", len(running))
        try:
            for executor in self._executors.values():
                executor.shutdown(wait=True)
        finally:
            self._record_stopped()

    def _release_lease(self) -> None:
        try:
            with self.store.connect() as con:
                con.execute("UPDATE scheduler_lease SET expires_at = ? WHERE lease = ? AND holder = ?",
                            [to_db(self.clock()), LEASE, self.scheduler_id])
        finally:
            self.store.release()
        self.leader = False

    def _record_stopped(self) -> None:
        try:
            with self.store.connect() as con:
                con.execute("UPDATE scheduler_heartbeats SET stopped_at = ?, leader = false, running = 0 "
                            "WHERE scheduler_id = ?", [to_db(self.clock()), self.scheduler_id])
        finally:
            self.store.release()
        log.info("scheduler %s stopped", self.scheduler_id)


def start_in_thread(home=None, **options) -> Scheduler:
    """Run a ``Scheduler`` in a daemon thread of this process (the Jupyter server hosts one this way).

    >>> scheduler = start_in_thread(interval=1.0)      # doctest: +SKIP
    >>> scheduler.stop()                               # doctest: +SKIP
    """
    import atexit

    scheduler = Scheduler(home, **options)
    thread = threading.Thread(target=scheduler.run_forever, name="mlops-scheduler", daemon=True)
    thread.start()
    scheduler.thread = thread
    atexit.register(scheduler.shutdown)  # a daemon thread gets no finally at exit: record stopped_at here
    return scheduler
