"""Is a scheduler alive, which one may fire, and what did a dead one leave behind.

The lease (``scheduler_lease``, one row) names the scheduler that may fire; its holder renews it
each tick and another takes it once it lapses. Each scheduler beats in ``scheduler_heartbeats``;
``scheduler_status`` reads them for the sidebar and the CLI.

>>> scheduler_status()["alive"]      # doctest: +SKIP
True
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from ..store import open_store
from .cron import from_db, iso, real_clock, to_db

LEASE = "scheduler"
START_COMMAND = "jupyter-mlops scheduler"


def pid_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, TypeError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def take_lease(con, scheduler_id: str, host: str, pid: int, now: datetime, seconds: float) -> bool:
    """Take the lease if it is free or lapsed, renew it if ours; True when ``scheduler_id`` holds it."""
    expires = to_db(now + timedelta(seconds=seconds))
    row = con.execute("SELECT holder, expires_at FROM scheduler_lease WHERE lease = ?", [LEASE]).fetchone()
    if row is None:
        con.execute("INSERT INTO scheduler_lease VALUES (?, ?, ?, ?, ?, ?)",
                    [LEASE, scheduler_id, host, pid, to_db(now), expires])
        return True
    holder, expires_at = row
    if holder == scheduler_id:
        con.execute("UPDATE scheduler_lease SET expires_at = ? WHERE lease = ?", [expires, LEASE])
        return True
    if from_db(expires_at) <= now:
        con.execute("UPDATE scheduler_lease SET holder = ?, host = ?, pid = ?, acquired_at = ?, expires_at = ? "
                    "WHERE lease = ?", [scheduler_id, host, pid, to_db(now), expires, LEASE])
        return True
    return False


def dead_schedulers(con, me: str, my_host: str, now: datetime) -> list[str]:
    """Other schedulers that stopped, or died: on this host their pid is gone, elsewhere their beat is stale."""
    dead = []
    for sid, host, pid, beat_at, interval_s, stopped in con.execute(
            "SELECT scheduler_id, host, pid, beat_at, interval_s, stopped_at FROM scheduler_heartbeats "
            "WHERE scheduler_id != ?", [me]).fetchall():
        if host == my_host:
            gone = stopped is not None or not pid_alive(pid)
        else:
            gone = stopped is not None or now - from_db(beat_at) > timedelta(seconds=stale_after(interval_s))
        if gone:
            dead.append(sid)
    return dead


def mark_orphans(con, me: str, my_host: str, now: datetime) -> list[str]:
    """Fail runs a dead scheduler left queued, or running where no live worker has them; return their ids.

    A run another host runs is left alone (its worker cannot be checked from here); the store marks
    a run failed (ExecutorDied) once the process that last wrote it is gone.
    """
    dead = dead_schedulers(con, me, my_host, now)
    if not dead:
        return []
    orphans = [run_id for run_id, status, host, pid in con.execute(
        "SELECT pipeline_run_id, status, host, pid FROM pipeline_runs WHERE status IN ('queued', 'running') "
        "AND scheduler_id IN (SELECT unnest(?))", [dead]).fetchall()
        if status == "queued" or (host == my_host and not pid_alive(pid))]
    if orphans:
        con.execute(
            "UPDATE pipeline_runs SET status = 'failed', error_name = 'Orphaned', ended_at = ?, error = "
            "'the scheduler that queued it stopped before the run ended (found at the start of scheduler ' || ? "
            "|| '); run it again, or set retries on the schedule' WHERE pipeline_run_id IN (SELECT unnest(?))",
            [to_db(datetime.now(timezone.utc)), me, orphans])
    return orphans


def stale_after(interval_s: float) -> float:
    """Seconds without a beat after which a scheduler counts as not alive."""
    return max(3 * float(interval_s or 1.0), 5.0)


def scheduler_status(home=None, clock=None) -> dict:
    """Whether a scheduler is alive (a beat within ~3 intervals), which one leads, and how to start one.

    >>> scheduler_status()      # doctest: +SKIP
    {'alive': True, 'leader': 'host-4242-1a2b3c', 'pid': 4242, 'host': 'host', 'last_beat': '2030-...', ...}
    """
    now = (clock or real_clock)()
    with open_store(home).connect() as con:
        rows = con.execute("SELECT scheduler_id, host, pid, executor, started_at, beat_at, interval_s, leader, "
                           "stopped_at, running FROM scheduler_heartbeats ORDER BY beat_at DESC LIMIT 20").fetchall()
        lease = con.execute("SELECT holder, expires_at FROM scheduler_lease WHERE lease = ?", [LEASE]).fetchone()
    schedulers = []
    for sid, host, pid, executor, started, beat, interval_s, leader, stopped, running in rows:
        age = (now - from_db(beat)).total_seconds()
        alive = stopped is None and age <= stale_after(interval_s)
        schedulers.append({"scheduler_id": sid, "host": host, "pid": pid, "executor": executor,
                           "started_at": iso(from_db(started)), "last_beat": iso(from_db(beat)),
                           "seconds_since_beat": round(age, 3), "leader": bool(leader) and alive, "alive": alive,
                           "stopped_at": iso(from_db(stopped)), "running": running})
    live = [s for s in schedulers if s["alive"]]
    holder = lease[0] if lease and from_db(lease[1]) > now else None
    main = next((s for s in live if s["scheduler_id"] == holder), live[0] if live else
                (schedulers[0] if schedulers else None))
    status = {"alive": bool(live), "leader": holder if any(s["scheduler_id"] == holder for s in live) else None,
              "last_beat": main["last_beat"] if main else None, "pid": main["pid"] if main else None,
              "host": main["host"] if main else None, "schedulers": schedulers}
    if not live:
        status["start_command"] = START_COMMAND
        status["message"] = ("no scheduler is running, so schedules do not fire; start one with: "
                             f"{START_COMMAND} (it runs in the foreground: use systemd, tmux or nohup)")
    return status
