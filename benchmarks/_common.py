"""Shared pieces of the benchmark suite: the Row a module reports, formatting, child processes.

A benchmark module (``benchmarks/bench_<name>.py``) exposes ``run(quick: bool) -> list[Row]``.
Each side of a comparison runs in its own child process (``run_side``) so imports, caches and
global state of one library never affect the other; the child prints one JSON object on its
last stdout line.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass

# Keep peers quiet and offline: no telemetry, no progress bars, no async logging.
QUIET_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "MLFLOW_ENABLE_ASYNC_LOGGING": "false",
    "PYTHONWARNINGS": "ignore",
}


@dataclass
class Row:
    """One figure: our time and the peer's, in seconds (per unit when ``per`` is set)."""

    figure: str
    ours: float
    peer_name: str
    peer: float | None
    target: float | None
    per: str = ""  # unit suffix, e.g. "run" -> "1.2 ms/run"
    note: str = ""
    unit: str = "s"  # "s" for times (shown in s/ms/µs); anything else is shown as "<value> <unit>"
    higher_is_better: bool = False  # throughputs: the ratio is ours/peer and a target is a minimum

    @property
    def ratio(self) -> float | None:
        """How many times better ours is: peer/ours for times, ours/peer for throughputs."""
        if self.peer is None or not self.ours or not self.peer:
            return None
        return self.ours / self.peer if self.higher_is_better else self.peer / self.ours

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.ours >= self.target if self.higher_is_better else self.ours <= self.target


def fmt_time(seconds: float | None, per: str = "") -> str:
    """Human units: 7.2 µs, 48 ms, 1.3 s (three significant figures at most)."""
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            value = seconds / scale
            break
    text = f"{value:.3g}" if value < 1000 else f"{value:,.0f}"
    return f"{text} {unit}" + (f"/{per}" if per else "")


def fmt_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    return f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.2g}x"


def fmt_value(value: float | None, row: Row) -> str:
    if row.unit == "s":
        return fmt_time(value, row.per)
    return "—" if value is None else f"{value:,.0f} {row.unit}"


def markdown_table(rows: list[Row]) -> str:
    """The result table, plus numbered notes for rows that carry one."""
    peer_names = sorted({r.peer_name for r in rows if r.peer_name}) or ["peer"]
    lines = [
        f"| figure | jupyter-mlops | {' / '.join(peer_names)} | times better (ours vs peer) | target | met |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    notes = []
    for row in rows:
        figure = row.figure
        if row.note:
            notes.append(row.note)
            figure += f" [{len(notes)}]"
        met = {True: "yes", False: "**no**", None: "—"}[row.met]
        target = "—" if row.target is None else ("≥ " if row.higher_is_better else "≤ ") + fmt_value(row.target, row)
        lines.append(
            f"| {figure} | {fmt_value(row.ours, row)} | {fmt_value(row.peer, row)} "
            f"| {fmt_ratio(row.ratio)} | {target} | {met} |"
        )
    if notes:
        lines.append("")
        lines.extend(f"[{i}] {note}" for i, note in enumerate(notes, 1))
    return "\n".join(lines)


def median_of(fn, repeat: int) -> float:
    """Median wall time in seconds of ``repeat`` calls of ``fn()``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@contextmanager
def temp_dir(prefix: str):
    """A scratch folder that is removed however the block ends."""
    path = tempfile.mkdtemp(prefix=f"bench-{prefix}-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run_side(
    script: str, side: str, sizes: dict, env: dict | None = None, cwd: str | None = None, timeout: float = 3600
) -> dict:
    """Run ``python <script> <side> '<sizes json>'`` in a child process; return its JSON result."""
    child_env = {**os.environ, **QUIET_ENV, **(env or {})}
    proc = subprocess.run(
        [sys.executable, script, side, json.dumps(sizes)],
        capture_output=True, text=True, env=child_env, cwd=cwd, timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{os.path.basename(script)} {side} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    lines = proc.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"{os.path.basename(script)} {side} printed nothing:\n{proc.stderr[-4000:]}")
    return json.loads(lines[-1])


def side_main(sides: dict) -> None:
    """Entry point of a child process: ``sides[name](sizes) -> dict`` printed as JSON."""
    name, sizes = sys.argv[1], json.loads(sys.argv[2])
    result = sides[name](sizes)
    sys.stdout.write("\n" + json.dumps(result) + "\n")
