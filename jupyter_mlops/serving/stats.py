"""Per-version serving stats: requests, errors, latency percentiles and quality from feedback labels.

Quality is ``accuracy`` (share of labelled rows predicted right) for classifiers and ``mae``
(mean absolute error) for regressors. Labels are matched to predictions by request id: the
server remembers the predictions of its latest ``REMEMBERED`` requests (both sides' in shadow
mode, so both get quality on the same rows). Latency percentiles cover each version's latest
``LATENCY_WINDOW`` requests.

>>> stats = ServingStats()
>>> stats.record("r1", "champion", "churn", 3, "classification", [1, 0], 2.5)
>>> stats.feedback("r1", 0, 1)
1
>>> stats.snapshot()[0]["quality"], stats.snapshot()[0]["quality_metric"]
(1.0, 'accuracy')
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field

LATENCY_WINDOW = 10_000
REMEMBERED = 100_000


def metric_for(task: str) -> str:
    """``mae`` for regressors, ``accuracy`` for everything else."""
    return "mae" if task == "regression" else "accuracy"


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _score(task: str, prediction, label) -> float | None:
    """1/0 (right or wrong) for a classifier, the absolute error for a regressor; None if not comparable."""
    if task == "regression":
        p, y = _number(prediction), _number(label)
        return None if p is None or y is None else abs(p - y)
    p, y = _number(prediction), _number(label)
    if p is not None and y is not None:
        return float(p == y)
    return float(str(prediction) == str(label))


@dataclass
class VersionStats:
    """Counters of one side's version."""

    side: str
    model: str
    version: int
    task: str
    requests: int = 0
    rows: int = 0
    errors: int = 0
    latencies: deque = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    labelled: int = 0
    score_sum: float = 0.0
    window_labelled: int = 0  # since the last traffic shift (for auto-shift)
    window_score: float = 0.0

    def snapshot(self) -> dict:
        """The wire form: plain JSON values."""
        import numpy as np

        p50 = p99 = None
        if self.latencies:
            p50, p99 = (round(float(v), 3) for v in np.percentile(np.fromiter(self.latencies, float), [50, 99]))
        return {"side": self.side, "model": self.model, "version": self.version, "requests": self.requests,
                "rows": self.rows, "errors": self.errors,
                "error_rate": round(self.errors / self.requests, 6) if self.requests else 0.0,
                "latency_p50_ms": p50, "latency_p99_ms": p99, "labelled": self.labelled,
                "quality_metric": metric_for(self.task),
                "quality": round(self.score_sum / self.labelled, 6) if self.labelled else None}


class ServingStats:
    """Thread-safe stats of every (side, version) a server has run, and the labels' matching."""

    def __init__(self):
        self._lock = threading.Lock()
        self._versions: dict[tuple[str, int, str], VersionStats] = {}
        self._remembered: OrderedDict[str, list] = OrderedDict()

    def _entry(self, side, model, version, task) -> VersionStats:
        key = (side, version, model)
        if key not in self._versions:
            self._versions[key] = VersionStats(side, model, version, task)
        return self._versions[key]

    def record(self, request_id: str, side: str, model: str, version: int, task: str, predictions: list | None,
               latency_ms: float, rows: int | None = None, error: bool = False) -> None:
        """Count one request scored by ``side`` (its predictions are kept for feedback)."""
        with self._lock:
            entry = self._entry(side, model, version, task)
            entry.requests += 1
            entry.rows += rows if rows is not None else len(predictions or ())
            entry.errors += bool(error)
            entry.latencies.append(latency_ms)
            if predictions is not None:
                self._remembered.setdefault(request_id, []).append((entry, predictions))
                self._remembered.move_to_end(request_id)
                while len(self._remembered) > REMEMBERED:
                    self._remembered.popitem(last=False)

    def knows(self, request_id: str) -> bool:
        with self._lock:
            return request_id in self._remembered

    def feedback(self, request_id: str, row_index: int, label) -> int:
        """Score ``label`` against each side's prediction of that row; how many sides it matched."""
        matched = 0
        with self._lock:
            for entry, predictions in self._remembered.get(request_id, ()):
                if row_index >= len(predictions):
                    continue
                score = _score(entry.task, predictions[row_index], label)
                if score is None:
                    continue
                entry.labelled += 1
                entry.score_sum += score
                entry.window_labelled += 1
                entry.window_score += score
                matched += 1
        return matched

    def window(self, side: str, model: str, version: int) -> dict:
        """``{"n", "value"}``: labelled rows and quality of one version since the last shift."""
        with self._lock:
            entry = self._versions.get((side, version, model))
            if entry is None or not entry.window_labelled:
                return {"n": 0, "value": None}
            return {"n": entry.window_labelled, "value": entry.window_score / entry.window_labelled}

    def restart_windows(self) -> None:
        with self._lock:
            for entry in self._versions.values():
                entry.window_labelled, entry.window_score = 0, 0.0

    def snapshot(self, current: dict | None = None) -> list[dict]:
        """Every version's stats; ``current`` (side -> (model, version)) marks and orders the live ones."""
        current = current or {}
        with self._lock:
            entries = list(self._versions.values())
        out = []
        for entry in entries:
            row = entry.snapshot()
            row["current"] = current.get(entry.side) == (entry.model, entry.version)
            out.append(row)
        out.sort(key=lambda r: (not r["current"], r["side"] != "champion", -r["version"]))
        return out
