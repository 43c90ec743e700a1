"""The actions behind ``%mlops pipeline ...`` and ``%mlops schedule ...`` (grammar in ``notebook/commands.py``).

Each action makes one call into the pipelines core and returns what the cell should display.
Plain Python: errors are the core's typed errors, which the magic turns into one-line UsageErrors.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InvalidInput
from .params import parse_parameters

OUTPUT_FOLDER = "pipeline-outputs"


def _need(targets: list, count: int, usage: str) -> list:
    if len(targets) != count:
        raise InvalidInput(f"usage: {usage} (see %mlops help {usage.split()[1]})")
    return targets


class PipelineSummary:
    """What ``%mlops pipeline show`` displays: the run, its cells and a link to the executed notebook."""

    def __init__(self, run, cells: list[dict], link: str | None):
        self.run, self.cells, self.link = run, cells, link

    def _repr_html_(self) -> str:
        from .summary import pipeline_html

        return pipeline_html(self.run, self.cells, self.link)

    def __repr__(self) -> str:
        run = self.run
        return f"{run!r}; executed notebook: {self.link or 'none'}"


def show_pipeline_run(ref: str, folder: str | Path = OUTPUT_FOLDER) -> PipelineSummary:
    """Summarise one pipeline run and write its executed notebook to ``folder`` so Lab can open it.

    >>> show_pipeline_run("3f2a9c1b")     # doctest: +SKIP
    <pipeline run 3f2a9c1b (retrain) finished; pipeline-outputs/retrain-3f2a9c1b.ipynb>
    """
    from .runs import get_pipeline_run
    from .summary import cell_summary

    run = get_pipeline_run(ref)
    if not run.output_sha256:
        return PipelineSummary(run, [], None)
    notebook = run.output_notebook()
    path = Path(folder) / f"{re.sub(r'[^A-Za-z0-9._-]', '-', run.name)}-{run.short_id}.ipynb"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        run.save_output(path)
    return PipelineSummary(run, cell_summary(notebook), path.as_posix())


def pipeline_action(args):
    """Dispatch one parsed ``%mlops pipeline`` line."""
    from . import runs

    if args.action == "run":
        (notebook,) = _need(args.targets, 1, "%mlops pipeline run NOTEBOOK [-p key=value ...]")
        return runs.run_pipeline(notebook, parse_parameters(args.param), name=args.name, timeout=args.timeout,
                                 kernel=args.kernel, executor=args.executor)
    if args.action == "list":
        _need(args.targets, 0, "%mlops pipeline list [--schedule NAME]")
        return runs.list_pipeline_runs(schedule=args.schedule)
    (ref,) = _need(args.targets, 1, "%mlops pipeline show RUN")
    return show_pipeline_run(ref)


def schedule_action(args):
    """Dispatch one parsed ``%mlops schedule`` line."""
    from . import schedules

    if args.action == "add":
        name, notebook = _need(args.targets, 2, "%mlops schedule add NAME NOTEBOOK [--cron ...] [--on-dataset ...]")
        drift = schedules.drift_settings(args.on_drift_dataset, args.on_drift_predictions, model=args.drift_model,
                                         reference=args.drift_reference, threshold=args.drift_threshold,
                                         min_rows=args.drift_min_rows, target=args.drift_target)
        created = schedules.schedule(name, notebook, args.cron, on_dataset=args.on_dataset, on_drift=drift,
                                     parameters=parse_parameters(args.param), timezone=args.timezone,
                                     timeout=args.timeout, retries=args.retries, max_concurrent=args.max_concurrent,
                                     catch_up=args.catch_up, executor=args.executor, replace=args.replace)
        print(f"scheduled {created.name}; the scheduler runs it: jupyter-mlops scheduler")
        return created
    if args.action == "list":
        _need(args.targets, 0, "%mlops schedule list")
        return schedules.list_schedules()
    if args.action == "status":
        from .scheduler import scheduler_status

        return scheduler_status()
    (name,) = _need(args.targets, 1, f"%mlops schedule {args.action} NAME")
    verbs = {"pause": schedules.pause_schedule, "resume": schedules.resume_schedule,
             "remove": schedules.remove_schedule, "run": schedules.request_run}
    verbs[args.action](name)
    done = {"pause": "paused", "resume": "resumed", "remove": "removed", "run": "asked the scheduler to run"}
    print(f"{done[args.action]} {name}")
    return None
