"""Spool segments written by hand for the fault tests: good records, hostile lines, dead writers.

The lines go straight into a segment file, past every call-time check, the way a buggy or older
writer, a torn write or a hostile file would put them there.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

MS = 1_733_300_000_000  # a plausible epoch-ms timestamp
NS = MS * 1_000_000  # the same moment in nanoseconds: the classic mistake
BIG = 2**63  # one past int64
SMALL = -(2**63) - 1
NAN = float("nan")


def line(record) -> bytes:
    """One spool line (without its newline), as the writer encodes it (NaN allowed)."""
    return json.dumps(record, separators=(",", ":"), allow_nan=True).encode()


def dead_writer_id() -> str:
    """A writer id whose process holds no lock: the fold treats it as dead and finishes its files."""
    return f"{os.getpid()}0{uuid.uuid4().hex[:4]}-{uuid.uuid4().hex[:12]}"


def write_segment(spool_dir: Path, writer: str, lines: list[bytes], segment: int = 0, end: bytes = b"\n") -> dict:
    """Write ``lines`` as one segment; return ``{byte offset: line}``. ``end`` follows the last line."""
    offsets, position, chunks = {}, 0, []
    for index, data in enumerate(lines):
        offsets[position] = data
        tail = b"\n" if index < len(lines) - 1 else end
        chunks.append(data + tail)
        position += len(data) + len(tail)
    path = Path(spool_dir) / f"{writer}.{segment:06d}.jsonl"
    path.write_bytes(b"".join(chunks))
    return offsets


def run_start(run_id: str, experiment: str = "faults") -> list[bytes]:
    return [line(["exp", experiment, MS]),
            line(["run", run_id, experiment, f"name-{run_id[:6]}", None, MS, "user", "host", 1, "w"])]


def metric(run_id: str, step: int, key: str = "v") -> bytes:
    return line(["m", run_id, key, float(step), step, MS + step])


def hostile_lines(run_id: str) -> dict[str, bytes]:
    """For every record kind, values that must be refused (each set aside, never landing, never blocking)."""
    r = run_id
    records = {
        # tracking
        "exp arity": ["exp"],
        "run ms in ns": ["run", "r-ns", "faults", "n", None, NS, "u", "h", 1, "w"],
        "run pid beyond int64": ["run", "r-big", "faults", "n", None, MS, "u", "h", BIG, "w"],
        "run arity": ["run", "r-short", "faults"],
        "param arity": ["param", r, "k"],
        "tag arity": ["tag", r],
        "metric timestamp in ns": ["m", r, "v", 1.0, 10**7, NS],
        "metric step 2**63": ["m", r, "v", 1.0, BIG, MS],
        "metric step below int64": ["m", r, "v", 1.0, SMALL, MS],
        "metric step NaN": ["m", r, "v", 1.0, NAN, MS],
        "metric ms NaN": ["m", r, "v", 1.0, 10**7 + 1, NAN],
        "metric value text": ["m", r, "v", "high", 10**7 + 2, MS],
        "metric arity": ["m", r, "v"],
        "artifact size text": ["art", r, "model.bin", "ab" * 32, "big", MS],
        "artifact ms in ns": ["art", r, "model.bin", "ab" * 32, 10, NS],
        "end ms in ns": ["end", r, "finished", NS, None],
        "end arity": ["end"],
        # datasets
        "dsrun version text": ["dsrun", r, "churn", "latest", "input", MS],
        "dsrun ms beyond int64": ["dsrun", r, "churn", 1, "input", BIG],
        # serving
        "pred arity": ["pred", "q1", "churn"],
        "pred rows not a list": ["pred", "q2", "churn", 1, "champion", True, "s", ["a"], 7, None, 1.0, None, MS],
        "pred ms in ns": ["pred", "q3", "churn", 1, "champion", True, "s", ["a"], [[1]], [0], 1.0, None, NS],
        "feedback row text": ["fb", "q1", "first", 1, "s", MS],
        "feedback ms in ns": ["fb", "q1", 0, 1, "s", NS],
        "server fields not a dict": ["srv", "s1", "start", 5, MS],
        "server ms in ns": ["srv", "s1", "start", {"model": "churn"}, NS],
        # pipelines
        "prun fields not a dict": ["prun", "p1", "queued"],
        "prun queued_at in ns": ["prun", "p2", {"name": "n", "notebook": "a.ipynb", "parameters": {},
                                                "trigger": "manual", "attempt": 1, "executor": "inline",
                                                "status": "queued", "queued_at": NS}],
        # no record at all
        "unknown kind": ["no-such-kind", 1, 2],
        "kind not text": [["m"], r],
        "empty list": [],
        "object": {"kind": "m"},
        "number": 42,
        "text": "m",
    }
    lines = {name: line(record) for name, record in records.items()}
    lines.update({
        "not JSON": b"\xff\xfe this is not JSON {",
        "cut JSON": b'["m","' + r.encode() + b'","v",1.0',
        "deep nesting": b"[" * 100_000 + b"]" * 100_000,
        "empty line": b"",
        "huge line": b'["tag","' + r.encode() + b'","k","' + b"x" * 300_000 + b'"',
    })
    return lines
