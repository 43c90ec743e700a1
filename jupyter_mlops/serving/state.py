"""What a model server does, apart from HTTP: score, log, take feedback, move traffic.

``ServingState`` is shared by the HTTP app (``app.py``), the in-process handle (``server.py``)
and its monitor thread. Each request reads the current predictors and split once, so a hot
swap or a traffic change never lands half-way through a request.

>>> state = ServingState(ModelSet("churn@champion"), TrafficSplit("single"), None, "srv1", writer)   # doctest: +SKIP
>>> state.predict({"records": [{"age": 41}]}, "req-1")[0]["predictions"]                           # doctest: +SKIP
[0]
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

from ..errors import InvalidInput, MlopsError, one_line
from .log import log_feedback, log_prediction
from .payload import PayloadError, parse_payload
from .predictors import ModelSet, Predictor
from .stats import ServingStats
from .traffic import AutoShift, TrafficSplit, choose_side, make_split

KEPT_EVENTS = 20


class PredictionFailed(MlopsError):
    """The model raised while predicting (not a problem with the request's shape)."""

    http_status = 500


class ModelRejectedInput(InvalidInput):
    """The request fits the signature but the model refused the values (e.g. NaN for a model without NaN support)."""

    http_status = 422


def _now() -> str:
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")


class ServingState:
    """The predictors, the traffic split and the stats of one server."""

    def __init__(self, models: ModelSet, split: TrafficSplit, auto_shift: AutoShift | None, server_id: str, writer,
                 log_predictions: bool = True):
        self.models = models
        self.split = self.base_split = split
        self.auto_shift = auto_shift
        self.server_id = server_id
        self.writer = writer
        self.log_predictions = log_predictions
        self.stats = ServingStats()
        self.ready = True
        self.url: str | None = None
        self.started_at = _now()
        self.shifts: list[dict] = []
        self._lock = threading.Lock()

    # -- scoring --------------------------------------------------------------------------------
    def predict(self, payload, request_id: str):
        """``(response dict, shadow job or None)``; PayloadError / ModelRejectedInput / PredictionFailed."""
        sides, split = self.models.current, self.split
        side = choose_side(request_id, split) if "challenger" in sides else "champion"
        predictor = sides[side]
        started = time.perf_counter()
        batch = parse_payload(payload, predictor.spec)
        predictions = self._score(predictor, batch, request_id, started, served=True)
        shadow = None
        if split.shadow and "challenger" in sides:
            shadow = lambda: self._shadow(sides["challenger"], payload, batch, request_id)  # noqa: E731
        return ({"predictions": predictions, "request_id": request_id, "model": predictor.name,
                 "model_version": predictor.version, "side": side}, shadow)

    def _score(self, predictor: Predictor, batch, request_id: str, started: float, served: bool) -> list:
        error = None
        try:
            predictions = predictor.predict(batch.X)
        except (ValueError, TypeError) as exc:
            predictions, error = None, ModelRejectedInput(
                f"model {predictor.label} rejected the input: {type(exc).__name__}: {one_line(str(exc))[:300]}")
        except Exception as exc:  # noqa: BLE001 - any model failure is answered, counted and logged
            predictions, error = None, PredictionFailed(
                f"model {predictor.label} failed to predict: {type(exc).__name__}: {one_line(str(exc))[:300]}")
        latency_ms = (time.perf_counter() - started) * 1000
        self.stats.record(request_id, predictor.side, predictor.name, predictor.version, predictor.task, predictions,
                          latency_ms, rows=len(batch.rows), error=error is not None)
        if self.log_predictions:
            log_prediction(self.writer, request_id, predictor.name, predictor.version, predictor.side, served,
                           self.server_id, batch.columns, batch.rows, predictions, round(latency_ms, 3),
                           None if error is None else str(error))
        if error is not None:
            raise error
        return predictions

    def _shadow(self, challenger: Predictor, payload, served_batch, request_id: str) -> None:
        """Score the challenger on a request already answered; its output is only counted and logged."""
        started = time.perf_counter()
        try:
            batch = parse_payload(payload, challenger.spec)
        except PayloadError as error:  # the challenger takes other columns: a challenger error, not the caller's
            self.stats.record(request_id, "challenger", challenger.name, challenger.version, challenger.task, None,
                              (time.perf_counter() - started) * 1000, rows=len(served_batch.rows), error=True)
            if self.log_predictions:
                log_prediction(self.writer, request_id, challenger.name, challenger.version, "challenger", False,
                               self.server_id, served_batch.columns, served_batch.rows, None, 0.0, str(error))
            return
        try:
            self._score(challenger, batch, request_id, started, served=False)
        except MlopsError:
            pass  # counted and logged by _score

    # -- feedback -------------------------------------------------------------------------------
    def feedback(self, payload) -> dict:
        """Labels for earlier requests: ``{"request_id", "label"}`` (row 0, or ``row_index``), ``{"request_id",
        "labels": [...]}`` (one per row), a list of those, or ``{"feedback": [...]}``."""
        items = payload.get("feedback") if isinstance(payload, dict) and "feedback" in payload else payload
        items = items if isinstance(items, list) else [items]
        labels, errors = [], []
        for i, item in enumerate(items):
            where = f"feedback[{i}]" if len(items) > 1 or isinstance(payload, list) else "body"
            if not isinstance(item, dict) or not isinstance(item.get("request_id"), str) or not item["request_id"]:
                errors.append({"field": f"{where}.request_id", "problem": "missing: give the request_id that /predict "
                                                                            "returned"})
                continue
            if ("label" in item) == ("labels" in item):
                errors.append({"field": where, "problem": 'give "label" (one row) or "labels" (a list, one per row)'})
                continue
            if "labels" in item:
                if not isinstance(item["labels"], list) or not item["labels"]:
                    errors.append({"field": f"{where}.labels", "problem": "expected a list with one label per row"})
                    continue
                labels.extend((item["request_id"], j, label) for j, label in enumerate(item["labels"]))
                continue
            row = item.get("row_index", 0)
            if isinstance(row, bool) or not isinstance(row, int) or not 0 <= row < 2**31:
                errors.append({"field": f"{where}.row_index", "problem": f"expected a row number from 0 to {2**31 - 1}, got {repr(row)[:40]}"})
                continue
            labels.append((item["request_id"], row, item["label"]))
        for request_id, row, label in labels:
            if isinstance(label, dict):
                errors.append({"field": f"label of {request_id}[{row}]", "problem": "expected a single value or a list"})
        if errors or not labels:
            raise PayloadError(errors or [{"field": "body", "problem": "no labels given"}])
        matched, unknown = 0, []
        for request_id, row, label in labels:
            if not self.stats.knows(request_id) and request_id not in unknown:
                unknown.append(request_id)
            matched += bool(self.stats.feedback(request_id, row, label))
            log_feedback(self.writer, request_id, row, label, self.server_id)
        shift = self._auto_shift()
        return {"received": len(labels), "matched": matched, "unknown_request_ids": unknown[:100],
                "traffic": self.split.to_dict(), "shifted": shift}

    # -- traffic --------------------------------------------------------------------------------
    def set_traffic(self, mode: str | None = None, challenger_share=None, active: str | None = None,
                    reason: str | None = None) -> dict:
        """Change the split by command; it also becomes the split restored when the challenger changes."""
        with self._lock:
            new = make_split(mode, self.models.has_challenger, challenger_share, active, current=self.split)
            event = self._move(new, "command", reason)
            self.base_split = new
        return {"traffic": new.to_dict(), "previous": event["from"]}

    def _move(self, new: TrafficSplit, by: str, reason: str | None) -> dict:
        event = {"at": _now(), "by": by, "from": self.split.to_dict(), "to": new.to_dict(), "reason": reason}
        self.split = new
        self.stats.restart_windows()
        self.shifts = (self.shifts + [event])[-KEPT_EVENTS:]
        return event

    def _auto_shift(self) -> dict | None:
        policy, sides = self.auto_shift, self.models.current
        if policy is None or "challenger" not in sides:
            return None
        with self._lock:
            windows = {side: self.stats.window(side, p.name, p.version) for side, p in sides.items()}
            new = policy.apply(self.split, policy.decide(windows["champion"], windows["challenger"]))
            if new == self.split:
                return None
            shown = {s: f"{w['value']:.4g} on {w['n']} labels" for s, w in windows.items()}
            return self._move(new, "auto-shift", f"{policy.metric}: challenger {shown['challenger']}, "
                                                 f"champion {shown['champion']}")

    def after_swaps(self, swaps: list[dict]) -> None:
        """A moved alias: fresh quality windows; a new challenger starts again from the commanded split."""
        with self._lock:
            if any(s["side"] == "challenger" for s in swaps) and self.auto_shift is not None and self.split != self.base_split:
                self._move(self.base_split, "swap", "the challenger changed: back to the commanded split")
            self.stats.restart_windows()

    # -- reporting ------------------------------------------------------------------------------
    def status(self) -> dict:
        """Everything ``GET /stats`` answers: split, predictors, per-version stats, recent swaps and shifts."""
        sides = self.models.current
        return {
            "server_id": self.server_id, "url": self.url, "ready": self.ready, "started_at": self.started_at,
            "model": sides["champion"].name, "traffic": self.split.to_dict(),
            "auto_shift": self.auto_shift.to_dict() if self.auto_shift else None,
            "predictors": {side: {"ref": p.ref, "model": p.name, "version": p.version, "task": p.task}
                           for side, p in sides.items()},
            "stats": self.stats.snapshot(self.models.versions()),
            "swaps": self.models.swaps[-KEPT_EVENTS:], "shifts": self.shifts, "last_error": self.models.last_error,
        }
