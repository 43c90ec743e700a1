"""A live metric chart that follows a run while it trains.

The chart listens to its run (``ActiveRun.add_listener``), keeps the points in memory and
redraws itself as inline SVG at most every ``min_interval`` seconds, so logging stays cheap
however fast the loop runs. When the run ends (or on ``finish()``) it draws once more and
stops listening. Nothing here imports matplotlib.
"""

from __future__ import annotations

import threading
import time
import warnings

import ipywidgets as widgets

from ..errors import InvalidInput
from ._base import StaticForm
from ._html import note, wrap
from .svg import MAX_POINTS, svg_line_chart, thin

MAX_SERIES = 8
_MAX_BUFFER = 4 * MAX_POINTS  # per key; past this the buffer is thinned to half (first/last kept)


class LiveMetricChart(StaticForm, widgets.HTML):
    """Inline SVG chart of a run's metrics, updated while the run logs them.

    ``keys`` picks the metrics to draw (None: the first ``max_series`` keys logged). The chart
    redraws at most every ``min_interval`` seconds; ``finish()`` (called automatically when the
    run ends) draws the final state. ``redraws`` counts renders, ``metric_keys`` holds ``keys``
    (``keys`` itself is an ipywidgets trait).

    >>> import jupyter_mlops as ml                                    # doctest: +SKIP
    >>> with ml.start_run("train") as run:                            # doctest: +SKIP
    ...     chart = LiveMetricChart(run, keys=["loss"]); chart.display()
    ...     for step in range(100):
    ...         ml.log_metric("loss", 1 / (step + 1))
    """

    def __init__(self, run, keys=None, min_interval: float = 0.5, *, width: int = 560, height: int = 260,
                 max_series: int = MAX_SERIES):
        if isinstance(keys, str):
            keys = [keys]
        if keys is not None and not all(isinstance(k, str) for k in keys):
            raise InvalidInput(f"keys must be metric names (strings) or None, got {keys!r}")
        if isinstance(min_interval, bool) or not isinstance(min_interval, (int, float)) or not min_interval >= 0:
            raise InvalidInput(f"min_interval must be a number of seconds >= 0, got {min_interval!r}")
        if not hasattr(run, "add_listener"):
            raise InvalidInput(f"LiveMetricChart follows an active run (from start_run), got {type(run).__name__}")
        super().__init__(value="")
        self.run = run
        self.metric_keys = tuple(dict.fromkeys(keys)) if keys is not None else None
        self.min_interval = float(min_interval)
        self.width, self.height, self.max_series = width, height, max(int(max_series), 1)
        self.points: dict[str, list[tuple[int, float]]] = {}
        self.hidden: set[str] = set()  # keys not drawn because max_series was reached
        self.redraws = 0
        self.finished = False
        self.error: str | None = None  # a redraw failure, kept (and warned once) instead of breaking training
        self._dirty = False
        self._lock = threading.RLock()
        self._handle = None
        self._draw()
        if getattr(run, "status", "running") == "running":
            from ..tracking import runs

            run.add_listener(self._on_metric)
            runs._end_hooks.append(self._on_run_end)
        else:
            self.finished = True  # an ended run logs nothing more: nothing to follow

    # -- listening ---------------------------------------------------------------------------
    def _on_metric(self, run, key, value, step) -> None:
        if self.finished or (self.metric_keys is not None and key not in self.metric_keys):
            return
        try:
            with self._lock:
                points = self.points.get(key)
                if points is None:
                    if len(self.points) >= self.max_series:
                        self.hidden.add(key)
                        return
                    points = self.points[key] = []
                points.append((step, value))
                if len(points) > _MAX_BUFFER:
                    points[:] = thin(points, _MAX_BUFFER // 2)
                self._dirty = True
                if time.monotonic() - self._last_draw >= self.min_interval:
                    self._draw()
        except Exception as exc:  # a chart must never break training
            self._fail(exc)

    def _on_run_end(self, run) -> None:
        if run is self.run:
            self.finish()

    def _fail(self, exc: Exception) -> None:
        if self.error is None:
            warnings.warn(f"live metric chart could not redraw: {type(exc).__name__}: {exc}",
                          RuntimeWarning, stacklevel=3)
        self.error = f"{type(exc).__name__}: {exc}"

    # -- drawing -----------------------------------------------------------------------------
    def _draw(self) -> None:
        with self._lock:
            self._drawn_status = self.run.status
            self.value = self.to_html()
            self.redraws += 1
            self._dirty = False
            self._last_draw = time.monotonic()

    def series(self) -> dict[str, list[tuple[int, float]]]:
        """A copy of the buffered points, ``{key: [(step, value), ...]}`` in logging order."""
        with self._lock:
            return {key: list(points) for key, points in self.points.items()}

    def to_html(self) -> str:
        """The chart as self-contained HTML (an SVG plus a status line), safe to save in a notebook."""
        data = self.series()
        total = sum(len(p) for p in data.values())
        lines = [f"{self.run.status} \u00b7 {total} point{'s' * (total != 1)}"]
        if self.metric_keys is not None and not data:
            lines.append("waiting for " + ", ".join(self.metric_keys))
        if self.hidden:
            lines.append(f"not drawn (more than {self.max_series} metrics): " + ", ".join(sorted(self.hidden)[:10]))
        if self.error:
            lines.append("a redraw failed: " + self.error)
        svg = svg_line_chart(data, f"{self.run.name} \u2014 metrics", self.width, self.height)
        return wrap("mlops-live-chart", svg + "".join(note(line) for line in lines))

    def _summary(self) -> str:
        return f"LiveMetricChart({self.run.name!r}, {sum(len(p) for p in self.points.values())} points)"

    # -- lifecycle ---------------------------------------------------------------------------
    def display(self):
        """Display the chart with a display id, so ``finish()`` also refreshes the saved HTML snapshot."""
        from IPython.display import display

        self._handle = display(self, display_id=True)
        return self._handle

    def finish(self) -> None:
        """Stop listening and draw the final state (idempotent; called again when the run ends)."""
        from ..tracking import runs

        with self._lock:
            already = self.finished
            self.finished = True
            self.run.remove_listener(self._on_metric)
            if self.run.status != "running" and self._on_run_end in runs._end_hooks:
                runs._end_hooks.remove(self._on_run_end)  # else stay hooked to show the final status
            if already and not self._dirty and self._drawn_status == self.run.status:
                return
            try:
                self._draw()
                if self._handle is not None:
                    self._handle.update(self)
            except Exception as exc:
                self._fail(exc)
