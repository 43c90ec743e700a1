"""Taking turns at the database file: waiters announce themselves, holders make way.

DuckDB lets one process at a time hold the file. A process that finds it locked writes a marker
``<home>/turns/waiting.<pid>`` while it retries; a holder that sees a live waiter closes the file
as soon as its current call ends (no linger) and then stays away until those waiters have had
their turn (their markers are gone) or ``YIELD_SECONDS`` have passed. Markers of dead processes
are ignored and removed, so a killed waiter stalls nobody.

The holder also leaves ``<home>/turns/holder`` (its pid, command line and since when), so a
``StoreBusy`` error can say which process holds the file and whether it is one of ours.

>>> turns = Turns("/tmp/example-store")   # doctest: +SKIP
>>> turns.announce(); turns.waiters()     # doctest: +SKIP
set()
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

TURNS_DIR = "turns"
WAITING_PREFIX = "waiting."
HOLDER_NOTE = "holder"
# How long a process that made way stays away while the waiters it saw have not yet had their turn.
YIELD_SECONDS = 1.0


def process_start(pid: int) -> str | None:
    """The start time of ``pid`` (clock ticks since boot, from /proc), or None if it is not running.

    Telling a process apart from a later one that reuses its pid.

    >>> process_start(os.getpid()) is not None
    True
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return fields[19].decode()
    except (OSError, IndexError):
        return None


def _alive(pid: int, start: str | None) -> bool:
    current = process_start(pid)
    if current is not None:
        return start is None or current == start
    try:  # no /proc (not Linux): fall back to the signal probe
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not Path("/proc").is_dir()


def command_line(pid: int, limit: int = 160) -> str:
    """``pid``'s command line on one line (shortened), or '' when it cannot be read.

    >>> "python" in command_line(os.getpid()).lower()
    True
    """
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    text = " ".join(raw.replace(b"\0", b" ").decode(errors="replace").split())
    if len(text) <= limit:
        return text
    tail = limit // 3  # keep the end too: the arguments that tell two such processes apart
    return f"{text[: limit - tail - 3]}...{text[-tail:]}"


class Turns:
    """The waiting markers and the holder note of one store folder."""

    def __init__(self, home: str | os.PathLike):
        self.dir = Path(home) / TURNS_DIR
        self._marker: Path | None = None

    def announce(self) -> None:
        """Mark this process as waiting for the database (until ``withdraw``)."""
        pid = os.getpid()
        marker = self.dir / f"{WAITING_PREFIX}{pid}"
        try:
            self.dir.mkdir(exist_ok=True)
            marker.write_text(process_start(pid) or "")
        except OSError:
            return  # a full or read-only folder: we still wait, just without asking for a turn
        self._marker = marker

    def withdraw(self) -> None:
        marker, self._marker = self._marker, None
        if marker is not None:
            try:
                marker.unlink()
            except OSError:
                pass

    def waiters(self) -> set[int]:
        """The pids of other live processes waiting for the database; stale markers are removed."""
        try:
            names = os.listdir(self.dir)
        except OSError:
            return set()
        own = os.getpid()
        found = set()
        for name in names:
            pid_text = name[len(WAITING_PREFIX):]
            if not name.startswith(WAITING_PREFIX) or not (pid_text.isascii() and pid_text.isdigit()):
                continue
            pid = int(name[len(WAITING_PREFIX):])
            if pid == own:
                continue
            try:
                start = (self.dir / name).read_text().strip() or None
            except OSError:
                continue
            if _alive(pid, start):
                found.add(pid)
            else:
                try:
                    (self.dir / name).unlink()
                except OSError:
                    pass
        return found

    def wait_until_served(self, waiters: set[int], seconds: float = YIELD_SECONDS) -> None:
        """Stay away while any of ``waiters`` still waits, for at most ``seconds``."""
        deadline = time.monotonic() + seconds
        while waiters and time.monotonic() < deadline:
            waiters = waiters & self.waiters()
            if waiters:
                time.sleep(0.01)

    def note_holder(self) -> None:
        """Record that this process now holds the database (read by ``describe_holder``)."""
        note = {"pid": os.getpid(), "start": process_start(os.getpid()), "since": time.time(),
                "command": command_line(os.getpid())}
        try:
            self.dir.mkdir(exist_ok=True)
            (self.dir / HOLDER_NOTE).write_text(json.dumps(note))
        except OSError:
            pass

    def clear_holder(self) -> None:
        path = self.dir / HOLDER_NOTE
        try:
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()
        except (OSError, ValueError, AttributeError):
            pass

    def describe_holder(self, lock_message: str) -> tuple[int | None, str]:
        """(pid, one-line description) of the process DuckDB's lock error names.

        >>> Turns("/nonexistent").describe_holder("Conflicting lock is held in /usr/bin/python3 (PID 1)")[0]
        1
        """
        match = re.search(r"\(PID (\d+)\)", lock_message)
        if not match:
            return None, "another program"
        pid = int(match.group(1))
        command = command_line(pid) or lock_message.split(" in ", 1)[-1].split(" (PID", 1)[0].strip()
        try:
            note = json.loads((self.dir / HOLDER_NOTE).read_text())
        except (OSError, ValueError):
            note = None
        if isinstance(note, dict) and note.get("pid") == pid and _alive(pid, note.get("start")):
            held = time.time() - float(note.get("since") or time.time())
            return pid, f"jupyter-mlops process PID {pid} ({command}), holding it for {held:.0f} s"
        return pid, f"PID {pid} ({command})"
