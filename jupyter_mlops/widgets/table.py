"""An interactive runs table: filter, sort, select runs and compare them."""

from __future__ import annotations

import ipywidgets as widgets

from ..errors import InvalidInput, MlopsError
from ._base import StaticForm
from ._html import SELECTED_BG, error_block, fmt_value, html_table, note, wrap
from .compare import CompareView

MAX_COLUMNS = 40
_ATTRIBUTES = ("run_name", "status", "start_time", "end_time", "user", "experiment")
_PREFIXES = ("metrics.", "params.", "tags.")
_INFER = object()  # experiment scope: take it from the frame's experiment column
_SELECTED_STYLE = f"background:{SELECTED_BG};"


def _field(column: str) -> str:
    """The order_by field for a frame column, back-quoting the key so any key is accepted."""
    for prefix in _PREFIXES:
        if column.startswith(prefix):
            key = column[len(prefix):].replace("`", "``")
            return f"{prefix}`{key}`"
    return column


def _infer_experiment(frame):
    """A frame's experiment scope: one name, a list of names, or None (all experiments)."""
    if "experiment" not in frame.columns:
        return None
    names = [str(n) for n in frame["experiment"].dropna().unique()]
    return names[0] if len(names) == 1 else (sorted(names) or None)


class RunsTable(StaticForm, widgets.VBox):
    """Runs as a table with a filter box, a sort control, a run selection and a compare button.

    The filter box takes the ``where`` language of ``search_runs`` and the sort control becomes
    its ``order_by``: both re-run the search (same experiment scope) in the store. A bad filter
    shows its message under the box and keeps the last rows. "Compare selected" shows a
    ``CompareView`` below the table, or calls ``on_compare(run_ids)`` when given.

    >>> import jupyter_mlops as ml                                                 # doctest: +SKIP
    >>> RunsTable(ml.search_runs("iris"))                                          # doctest: +SKIP
    >>> RunsTable.from_search("iris", where="metrics.acc > 0.9", order_by="metrics.acc DESC")  # doctest: +SKIP
    """

    def __init__(self, frame, *, on_compare=None, experiment=_INFER, where: str | None = None,
                 order_by: str | list[str] | None = None, max_results: int | None = 100):
        if not hasattr(frame, "columns") or "run_id" not in frame.columns:
            raise InvalidInput(
                f"RunsTable shows a search_runs() DataFrame (with a run_id column), got {type(frame).__name__}")
        self.frame = frame
        self.experiment = _infer_experiment(frame) if experiment is _INFER else experiment
        self.where = where
        self.order_by = order_by
        self.max_results = max_results
        self.on_compare = on_compare
        self.error: str | None = None
        self.compare_view: CompareView | None = None
        self._syncing = False

        self.filter_box = widgets.Text(
            value=where or "", description="Filter", continuous_update=False,
            placeholder="e.g. metrics.acc > 0.9 AND params.model = 'rf'",
            layout=widgets.Layout(flex="1 1 auto", min_width="240px"),
        )
        self.sort_column = widgets.Dropdown(description="Sort", layout=widgets.Layout(width="260px"))
        self.sort_direction = widgets.Dropdown(options=[("desc", "DESC"), ("asc", "ASC")],
                                               layout=widgets.Layout(width="80px"))
        self.message = widgets.HTML()
        self.table = widgets.HTML(layout=widgets.Layout(max_height="380px", overflow="auto"))
        self.selection = widgets.SelectMultiple(description="Select", rows=6,
                                                layout=widgets.Layout(flex="1 1 auto", min_width="240px"))
        self.compare_button = widgets.Button(description="Compare selected", icon="columns", disabled=True,
                                             tooltip="select two or more runs")
        self.compare_area = widgets.VBox()
        super().__init__(children=[
            widgets.HBox([self.filter_box, self.sort_column, self.sort_direction]),
            self.message,
            self.table,
            widgets.HBox([self.selection, self.compare_button]),
            self.compare_area,
        ])
        self.add_class("mlops-runs-table")
        self._set_frame(frame, initial_order=order_by)
        self.filter_box.observe(self._on_query_change, "value")
        self.sort_column.observe(self._on_query_change, "value")
        self.sort_direction.observe(self._on_query_change, "value")
        self.selection.observe(self._on_selection, "value")
        self.compare_button.on_click(self._on_compare_click)

    @classmethod
    def from_search(cls, experiment=None, where: str | None = None, order_by=None, max_results: int | None = 100,
                    *, on_compare=None) -> "RunsTable":
        """Search the store and show the result; filter/sort changes keep ``experiment`` as scope.

        >>> RunsTable.from_search("iris", order_by="metrics.acc DESC", max_results=20)   # doctest: +SKIP
        """
        from ..tracking.search import search_runs

        frame = search_runs(experiment, where=where, order_by=order_by, max_results=max_results)
        return cls(frame, on_compare=on_compare, experiment=experiment, where=where, order_by=order_by,
                   max_results=max_results)

    # -- querying --------------------------------------------------------------------------------
    def _current_order(self) -> str | list[str] | None:
        column = self.sort_column.value
        return f"{column} {self.sort_direction.value}" if column else None

    def refresh(self) -> bool:
        """Re-run the search with the filter box and sort control; return False (message shown) on error."""
        from ..tracking.search import search_runs

        where = self.filter_box.value.strip() or None
        order_by = self._current_order()
        try:
            frame = search_runs(self.experiment, where=where, order_by=order_by, max_results=self.max_results)
        except Exception as exc:  # shown inline under the box; never a traceback in the widget
            self._show_error(exc)
            return False
        self.where, self.order_by, self.error = where, order_by, None
        self.message.value = ""
        self._set_frame(frame)
        return True

    def _show_error(self, exc: Exception) -> None:
        self.error = str(exc) if isinstance(exc, MlopsError) else f"{type(exc).__name__}: {exc}"
        self.message.value = error_block(self.error)

    def _on_query_change(self, _change) -> None:
        if not self._syncing:
            self.refresh()

    # -- state -----------------------------------------------------------------------------------
    def _set_frame(self, frame, initial_order=None) -> None:
        self.frame = frame
        self._syncing = True
        try:
            self._sync_sort_options(initial_order)
            ids = [str(i) for i in frame["run_id"].tolist()]
            names = frame["run_name"].tolist() if "run_name" in frame.columns else [""] * len(ids)
            kept = tuple(i for i in self.selection.value if i in ids)
            self.selection.options = [(f"{fmt_value(n)}  ({i[:8]})", i) for n, i in zip(names, ids)]
            self.selection.value = kept
            self.selection.rows = max(2, min(len(ids), 8))
        finally:
            self._syncing = False
        self._on_selection(None)

    def _sync_sort_options(self, initial_order) -> None:
        columns = list(self.frame.columns)
        options = [("newest first", "")]
        options += [(c, c) for c in _ATTRIBUTES if c in columns or c in ("run_name", "start_time")]
        options += [(c, _field(c)) for c in columns if c.startswith(_PREFIXES)]
        current, direction = self.sort_column.value or "", self.sort_direction.value
        if initial_order is not None:
            item = initial_order[0] if isinstance(initial_order, (list, tuple)) and initial_order else initial_order
            parts = str(item or "").rsplit(None, 1)
            if len(parts) == 2 and parts[1].upper() in ("ASC", "DESC"):
                current, direction = parts[0], parts[1].upper()
            else:
                current, direction = str(item or "").strip(), "ASC"
            current = {label: value for label, value in options}.get(current, current)
        if current and current not in [value for _label, value in options]:
            options.append((current, current))  # keep a sort whose column this page lacks
        self.sort_column.options = options
        self.sort_column.value = current
        self.sort_direction.value = direction

    def _on_selection(self, _change) -> None:
        count = len(self.selection.value)
        self.compare_button.disabled = count < 2
        self.compare_button.tooltip = "compare the selected runs" if count >= 2 else "select two or more runs"
        if not self._syncing:
            self.table.value = self._table_html()

    @property
    def selected_run_ids(self) -> list[str]:
        """The run ids selected, in table order."""
        chosen = set(self.selection.value)
        return [value for _label, value in self.selection.options if value in chosen]

    # -- comparing -------------------------------------------------------------------------------
    def _on_compare_click(self, _button=None) -> None:
        run_ids = self.selected_run_ids
        try:
            if self.on_compare is not None:
                self.on_compare(run_ids)
                return
            self.compare_view = CompareView(run_ids)
        except Exception as exc:
            self._show_error(exc)
            return
        self.compare_area.children = (self.compare_view,)

    # -- rendering -------------------------------------------------------------------------------
    def _columns(self) -> list[str]:
        columns = list(self.frame.columns)
        multi = "experiment" in columns and self.frame["experiment"].nunique() > 1
        base = ["run_name", "run_id"] + (["experiment"] if multi else []) + ["status", "start_time"]
        return [c for c in base if c in columns] + [c for c in columns if c.startswith(_PREFIXES)]

    def _table_html(self) -> str:
        frame = self.frame
        if len(frame) == 0:
            return note("no runs match" + (f" the filter {self.where}" if self.where else ""))
        columns = self._columns()
        shown, hidden = columns[:MAX_COLUMNS], len(columns) - MAX_COLUMNS
        selected = set(self.selection.value)
        rows, classes, styles = [], [], []
        for record in frame[shown].itertuples(index=False, name=None):
            cells = dict(zip(shown, record))
            run_id = str(cells.get("run_id", ""))
            is_selected = run_id in selected
            rows.append([run_id[:8] if c == "run_id" else fmt_value(cells[c]) for c in shown])
            classes.append("mlops-selected" if is_selected else "")
            styles.append(_SELECTED_STYLE if is_selected else "")
        headers = ["run" if c == "run_name" else "id" if c == "run_id" else "started (UTC)" if c == "start_time" else c
                   for c in shown]
        more = note(f"{hidden} more columns not shown") if hidden > 0 else ""
        return html_table(headers, rows, row_classes=classes, row_styles=styles,
                          css_class="mlops-table mlops-runs") + more

    def _status_line(self) -> str:
        count = len(self.frame)
        parts = [f"{count} run{'s' * (count != 1)}"]
        if self.max_results is not None and count >= self.max_results:
            parts[0] = f"first {count} runs"
        if self.experiment:
            scope = self.experiment if isinstance(self.experiment, str) else ", ".join(self.experiment)
            parts.append(f"experiment: {scope}")
        if self.where:
            parts.append(f"filter: {self.where}")
        if self.order_by:
            parts.append(f"sorted by: {self.order_by}")
        return " \u00b7 ".join(parts)

    def to_html(self) -> str:
        """The table as self-contained HTML (status line, error if any, rows, comparison if shown)."""
        parts = [note(self._status_line())]
        if self.error:
            parts.append(error_block(self.error))
        parts.append(self._table_html())
        if self.compare_view is not None:
            parts.append(self.compare_view.to_html())
        return wrap("mlops-runs-table", "".join(parts))

    def _summary(self) -> str:
        return f"RunsTable({self._status_line()})"
