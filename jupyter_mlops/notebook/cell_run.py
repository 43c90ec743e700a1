"""``%%mlops run``: execute a cell inside a fresh run, whatever happened to the previous one.

The cell's source, execution count, duration, status and exception are recorded; every
``log_*`` call in the cell lands in the run; a live chart appears once the cell logs a metric.
"""

from __future__ import annotations

import ast
import time
import traceback

from ..tracking import runs as _runs

_previous: list = []  # runs this magic started that are somehow still active (e.g. interrupted)


def _parse_params(pairs: list[str] | None) -> dict:
    from IPython.core.error import UsageError

    params = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--param takes key=value, got {pair!r}; for example --param lr=0.01")
        params[key] = value
    return params


def _compile(shell, cell: str):
    """Compile the cell like IPython would: exec the body, eval a trailing expression for Out."""
    source = shell.transform_cell(cell)
    filename = shell.compile.cache(source)
    tree = ast.parse(source, filename=filename)
    tail = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        tail = compile(ast.Expression(tree.body.pop().value), filename, "eval")
    return compile(tree, filename, "exec"), tail


def _attach_live_chart(run) -> list:
    """Show a live chart the first time the cell logs a metric (an empty cell shows nothing)."""
    charts: list = []

    def first_metric(run, key, value, step):
        run.remove_listener(first_metric)
        try:
            from ..widgets import LiveMetricChart

            chart = LiveMetricChart(run)
            chart._on_metric(run, key, value, step)  # the point that triggered the chart
            chart.display()  # keeps a display handle, so the saved static form is the final chart
            charts.append(chart)
        except Exception:  # a chart must never break training
            pass

    run.add_listener(first_metric)
    return charts, first_metric


def run_cell(shell, args, cell: str):
    """Run ``cell`` in a new run configured by the parsed ``args``; return the cell's value."""
    while _previous:
        stale = _previous.pop()
        if stale.status == "running":
            stale.end("killed", error="superseded: the cell was run again before this run ended")
    params = _parse_params(args.param)
    code, tail = _compile(shell, cell)  # a SyntaxError surfaces before any run starts
    run = _runs.start_run(args.name, experiment=args.experiment)
    _previous.append(run)
    # In[n] holds the cell being run (IPython stores it before executing; its counter moved between 8 and 9)
    run.set_tag("mlops.cell.execution_count", max(len(shell.user_ns.get("In") or [None]) - 1, 0))
    run.log_text(cell, "code/cell.py")
    if params:
        run.log_params(params)
    charts, first_metric_listener = _attach_live_chart(run)
    autolog_was = None
    if args.autolog:
        from ..autolog import autolog, is_enabled

        autolog_was = is_enabled()
        if not autolog_was:
            autolog(True, silent=True)
    started = time.perf_counter()

    def finish(status: str, error: str | None = None) -> None:
        for chart in charts:
            run.remove_listener(chart._on_metric)  # the duration is not a training metric
        run.remove_listener(first_metric_listener)
        run.log_metric("cell.duration_s", time.perf_counter() - started)
        run.end(status, error=error)

    try:
        exec(code, shell.user_ns)
        value = eval(tail, shell.user_ns) if tail is not None else None
    except BaseException as error:
        run.log_text("".join(traceback.format_exception(error)), "error/traceback.txt")
        finish("killed" if isinstance(error, KeyboardInterrupt) else "failed", f"{type(error).__name__}: {error}")
        raise
    else:
        finish("finished")
        return value
    finally:
        if autolog_was is False:
            from ..autolog import autolog

            autolog(False)
        for chart in charts:
            chart.finish()
        if run in _previous:
            _previous.remove(run)
