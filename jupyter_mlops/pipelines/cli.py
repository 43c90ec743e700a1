"""``jupyter-mlops scheduler``, ``jupyter-mlops schedule ...`` and ``jupyter-mlops pipeline ...``.

Each command parses its options and makes one call into the core; ``jupyter_mlops/cli.py``'s
group turns core errors into one line on stderr and exit status 2.

    $ jupyter-mlops schedule add nightly retrain.ipynb --cron "0 3 * * *" -p alpha=0.1 --retries 2
    $ jupyter-mlops scheduler --executor tcp://127.0.0.1:8786
"""

from __future__ import annotations

import logging
import sys

import click

from ..cli_output import format_option as _format
from ..cli_output import show_frame as _show
from .params import parse_parameters

_param = click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE",
                      help="A notebook parameter (repeatable); JSON values keep their type: -p alpha=0.1 -p fast=true.")




@click.command("scheduler")
@click.option("--executor", default="local", show_default=True,
              help="Where runs execute: local (worker processes), inline, or a Dask address tcp://host:port.")
@click.option("--max-workers", type=click.IntRange(1, 256), default=2, show_default=True,
              help="Runs executing at once on this scheduler's executor.")
@click.option("--interval", type=click.FloatRange(0.01, 3600), default=1.0, show_default=True,
              help="Seconds between checks (cron times are also met on time between checks).")
@click.option("--once", is_flag=True, help="Make one pass (fire what is due now) and exit.")
@click.option("--clock-file", type=click.Path(dir_okay=False), hidden=True,
              help="Testing: read the current time from this file (an ISO timestamp), re-read at each pass.")
@click.option("--id", "scheduler_id", hidden=True, help="Testing: this scheduler's id.")
def scheduler_command(executor, max_workers, interval, once, clock_file, scheduler_id):
    """Run the scheduler in the foreground: fires due schedules until SIGTERM/Ctrl-C.

    Fits systemd or cron (with --once). Logs one line per fire and per run's end on stderr.
    Several schedulers may run: a lease in the store lets one fire at a time.
    """
    from .scheduler import FileClock, Scheduler

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("jupyter_mlops.scheduler")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        clock = FileClock(clock_file) if clock_file else None
        scheduler = Scheduler(executor=executor, max_workers=max_workers, interval=interval, clock=clock,
                              scheduler_id=scheduler_id)
        if not once:
            scheduler.run_forever()
            return
        try:
            fired = scheduler.tick()
        finally:
            scheduler.shutdown()
        click.echo(f"fired {len(fired)} run(s)", err=True)
    finally:
        logger.removeHandler(handler)


@click.group("schedule")
def schedule_group():
    """Create, list, pause, resume, remove and run schedules (the scheduler fires them)."""


@schedule_group.command("add")
@click.argument("name")
@click.argument("notebook", type=click.Path(dir_okay=True))
@click.option("--cron", help="Cron expression, e.g. '0 3 * * *' (03:00 daily) or @hourly.")
@click.option("--on-dataset", metavar="DATASET", help="Run for each new version of this dataset.")
@click.option("--on-drift-dataset", metavar="DATASET", help="Run when a new version of this dataset drifts.")
@click.option("--drift-model", metavar="MODEL",
              help="Drift reference: this model's training data, e.g. churn@champion.")
@click.option("--drift-reference", metavar="DATASET@N", help="Drift reference: this dataset version, e.g. churn@1.")
@click.option("--on-drift-predictions", metavar="MODEL",
              help="Run when a window of this served model's predictions drifts from its training data, e.g. churn@champion.")
@click.option("--drift-threshold", type=float,
              help="Fire when this share of columns drifts (default: the report's verdict).")
@click.option("--drift-min-rows", type=int, help="Served predictions per drift window (default 200).")
@click.option("--drift-target", metavar="COLUMN", help="Keep the feedback labels as this column of the drift window.")
@click.option("--data-parameter", default="dataset", show_default=True,
              help="Notebook parameter that receives the new dataset version (dataset and drift triggers).")
@_param
@click.option("--timezone", default="UTC", show_default=True, help="Time zone of the cron expression.")
@click.option("--timeout", type=float, help="Seconds a run may take, kernel start included.")
@click.option("--retries", type=int, default=0, show_default=True, help="Re-runs of a failed run.")
@click.option("--max-concurrent", type=int, default=1, show_default=True, help="Runs of this schedule at once.")
@click.option("--catch-up", default="skip", show_default=True, help="Cron times missed while down: skip or once.")
@click.option("--executor", default="local", show_default=True, help="local, inline or tcp://host:port.")
@click.option("--kernel", help="Kernel name (default: the notebook's own).")
@click.option("--paused", is_flag=True, help="Create it paused.")
@click.option("--replace", is_flag=True, help="Replace a schedule of the same name.")
def schedule_add(name, notebook, cron, on_dataset, on_drift_dataset, drift_model, drift_reference,
                 on_drift_predictions, drift_threshold, drift_min_rows, drift_target, data_parameter, params, timezone,
                 timeout, retries, max_concurrent, catch_up, executor, kernel, paused, replace):
    """Create schedule NAME running NOTEBOOK on a cron, new dataset versions or drift."""
    from .schedules import drift_settings, schedule

    drift = drift_settings(on_drift_dataset, on_drift_predictions, model=drift_model, reference=drift_reference,
                           threshold=drift_threshold, min_rows=drift_min_rows, target=drift_target)
    created = schedule(name, notebook, cron, on_dataset=on_dataset, on_drift=drift, parameters=parse_parameters(params),
                       timezone=timezone, timeout=timeout, retries=retries, max_concurrent=max_concurrent,
                       catch_up=catch_up, enabled=not paused, executor=executor, kernel=kernel, replace=replace,
                       data_parameter=data_parameter)
    click.echo(f"scheduled {created.name}: {created.describe()}")
    _warn_if_no_scheduler()


def _warn_if_no_scheduler() -> None:
    from .scheduler import scheduler_status

    status = scheduler_status()
    if not status["alive"]:
        click.echo(f"note: {status['message']}", err=True)


@schedule_group.command("list")
@_format
def schedule_list(fmt):
    """List schedules with their triggers, next run and last run."""
    from .schedules import list_schedules

    frame = list_schedules()
    if fmt == "table":
        frame = frame[["name", "enabled", "triggers", "next_run", "last_run", "last_status", "last_run_id"]]
        frame = frame.assign(last_run_id=frame["last_run_id"].str.slice(0, 8))
    _show(frame, fmt)


@schedule_group.command("pause")
@click.argument("name")
def schedule_pause(name):
    """Stop NAME firing until resumed (requests still run)."""
    from .schedules import pause_schedule

    click.echo(f"paused {pause_schedule(name).name}")


@schedule_group.command("resume")
@click.argument("name")
def schedule_resume(name):
    """Let NAME fire again (what came due while paused does not fire)."""
    from .schedules import resume_schedule

    click.echo(f"resumed {resume_schedule(name).name}")


@schedule_group.command("remove")
@click.argument("name")
def schedule_remove(name):
    """Delete NAME (its runs stay as history)."""
    from .schedules import remove_schedule

    remove_schedule(name)
    click.echo(f"removed {name}")


@schedule_group.command("run")
@click.argument("name")
@_param
def schedule_run(name, params):
    """Ask the scheduler to run NAME now (with -p overrides)."""
    from .schedules import request_run

    request = request_run(name, parse_parameters(params))
    click.echo(f"requested a run of {name} (request {request.request_id[:8]})")
    _warn_if_no_scheduler()


@schedule_group.command("status")
def schedule_status():
    """Is a scheduler alive? Which one leads?"""
    from .scheduler import scheduler_status

    status = scheduler_status()
    if status["alive"]:
        click.echo(f"alive: leader {status['leader'] or '(none yet)'}, pid {status['pid']} on {status['host']}, "
                   f"last beat {status['last_beat']}")
    else:
        click.echo(status["message"])
        sys.exit(1)


@click.group("pipeline")
def pipeline_group():
    """Run a notebook as a pipeline now, list pipeline runs, show one."""


@pipeline_group.command("run")
@click.argument("notebook", type=click.Path(dir_okay=True))
@_param
@click.option("--name", help="Pipeline name (default: the notebook's file name).")
@click.option("--timeout", type=float, help="Seconds the run may take, kernel start included.")
@click.option("--kernel", help="Kernel name (default: the notebook's own).")
@click.option("--executor", default="inline", show_default=True, help="inline, local or tcp://host:port.")
def pipeline_run(notebook, params, name, timeout, kernel, executor):
    """Execute NOTEBOOK now with papermill and record it; exit 1 when the run fails."""
    from .runs import failure_message, run_pipeline

    run = run_pipeline(notebook, parse_parameters(params), name=name, timeout=timeout, kernel=kernel, executor=executor,
                       raise_on_error=False)
    if not run.ok:
        click.echo(f"Error: {failure_message(run)}", err=True)
        sys.exit(1)
    took = f" in {run.duration_s:.1f} s" if run.duration_s is not None else ""
    click.echo(f"pipeline run {run.short_id} ({run.name}) finished{took}")


@pipeline_group.command("list")
@click.option("--schedule", help="Only this schedule's runs.")
@_format
def pipeline_list(schedule, fmt):
    """List pipeline runs, newest first."""
    from .runs import list_pipeline_runs

    frame = list_pipeline_runs(schedule=schedule)
    if fmt == "table" and not frame.empty and "pipeline_run_id" in frame:
        frame = frame.assign(pipeline_run_id=frame["pipeline_run_id"].str.slice(0, 8))
    _show(frame, fmt)


@pipeline_group.command("show")
@click.argument("run")
def pipeline_show(run):
    """Show one pipeline run: status, parameters, timings, the failing cell."""
    from .runs import get_pipeline_run

    click.echo(get_pipeline_run(run).summary())


COMMANDS = (scheduler_command, schedule_group, pipeline_group)
