"""The ``jupyter-mlops`` command (also ``jupyter mlops``): each command wraps one core call.

Core errors become one line on stderr and exit status 2; nothing prints a traceback.

    $ jupyter-mlops runs --where "metrics.acc > 0.9" --order-by "metrics.acc DESC"
"""

from __future__ import annotations

import json
import sys

import click

from .cli_output import format_option as _format
from .cli_output import show_frame as _show
from .errors import MlopsError


class _CoreErrors(click.Group):
    """Turns every core error into ``Error: <message>`` and exit status 2, in one place."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MlopsError as e:
            click.echo(f"Error: {e}", err=True)
            ctx.exit(2)


@click.group(cls=_CoreErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jupyter-mlops")
def main():
    """jupyter-mlops: track, version, monitor and serve models from Jupyter.

    The store is $MLOPS_HOME, else the nearest .mlops/ folder at or above the current one.
    """


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def info(as_json):
    """Show where the store is, its schema version, row counts and sizes."""
    from .store import open_store
    from .store.maintenance import store_info

    summary = store_info(open_store())
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"store:    {summary['home']}")
    click.echo(f"database: {summary['database']} (schema version {summary['schema_version']})")
    sizes = summary["bytes"]
    click.echo(f"sizes:    database {_human(sizes['database'])}, artifacts {_human(sizes['artifacts'])} "
               f"in {summary['blobs']} blobs, spool {_human(sizes['spool'])}")
    if summary["quarantined"]:
        count = summary["quarantined"]
        click.echo(f"quarantine: {count:,} spool record{'' if count == 1 else 's'} could not be applied; "
                   "run `jupyter-mlops doctor` to see why")
    click.echo("rows:")
    for table, count in summary["tables"].items():
        click.echo(f"  {table:<18} {count:>10,}")


def _human(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024


@main.command()
@click.option("-e", "--experiment", multiple=True, help="Only these experiments (repeatable).")
@click.option("-w", "--where", help="Filter, e.g. \"metrics.acc > 0.9 AND params.model = 'rf'\".")
@click.option("-o", "--order-by", help="Sort, e.g. \"metrics.acc DESC\".")
@click.option("-n", "--max-results", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--deleted", is_flag=True, help="Include deleted runs.")
@_format
def runs(experiment, where, order_by, max_results, deleted, fmt):
    """List and search runs, newest first."""
    from .tracking.search import search_runs

    frame = search_runs(list(experiment) or None, where, order_by, max_results, include_deleted=deleted)
    if fmt == "table" and not frame.empty:
        frame = frame.assign(run_id=frame["run_id"].str.slice(0, 8))
    _show(frame, fmt)


@main.command()
@click.argument("query")
@_format
def sql(query, fmt):
    """Run a read-only SQL query over the store's tables (see README for the schema)."""
    from .store import open_store

    _show(open_store().sql(query), fmt)


@main.command()
@click.option("--older-than", type=click.FloatRange(min=0), help="Only runs deleted more than this many days ago.")
def gc(older_than):
    """Purge deleted runs and remove artifacts nothing references any more."""
    from .store import open_store
    from .store.maintenance import gc as collect

    report = collect(open_store(), older_than)
    click.echo(f"purged {report.runs_purged} deleted runs, removed {report.blobs_removed} blobs, "
               f"freed {_human(report.bytes_freed)}")


@main.command()
@click.argument("run")
def delete(run):
    """Mark RUN deleted (undo with restore until gc runs)."""
    from .tracking.search import delete_run

    click.echo(f"deleted run {delete_run(run)}")


@main.command()
@click.argument("target")
@click.option("--force", is_flag=True, help="Restore a backup over a store that holds data (moved aside, not deleted).")
def restore(target, force):
    """Restore a deleted run (TARGET is a run id), or the store from a backup (TARGET is its folder).

    A backup is restored only while no process writes to the store; the current database is
    moved to <store>/replaced-<time>/, never deleted.
    """
    import os

    if not (os.sep in target or os.path.isdir(target)):
        from .tracking.search import restore_run

        if force:
            raise click.UsageError("--force is for restoring a backup folder, not a run")
        click.echo(f"restored run {restore_run(target)}")
        return
    from .store import open_store
    from .store.restore import restore_store

    result = restore_store(open_store(), target, force)
    click.echo(f"restored {result.source} ({sum(result.tables.values()):,} rows, {result.blobs_added} blobs added)")
    if result.moved_aside:
        click.echo(f"the previous database is kept in {result.moved_aside}")


@main.command()
@click.argument("dest", required=False, type=click.Path(file_okay=False))
def backup(dest):
    """Copy the store (database with pending logs folded in, and artifacts) to DEST.

    DEST must be new or empty; default: mlops-backup-<UTC time> beside the store. Other
    processes keep logging meanwhile; nothing they log is lost.
    """
    from .store import open_store
    from .store.backup import backup_store

    result = backup_store(open_store(), dest)
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    manifest = result.manifest
    click.echo(f"backed up {sum(manifest['tables'].values()):,} rows and {manifest['blobs']['count']} blobs "
               f"({_human(manifest['database']['bytes'] + manifest['blobs']['bytes'])}) to {result.path}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def doctor(as_json):
    """Check the store: database, schema, artifact hashes, missing/orphan blobs, quarantine.

    Exits 0 when the store is healthy, 1 (with one line per problem) otherwise.
    """
    from .store import open_store
    from .store.doctor import diagnose

    report = diagnose(open_store())
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, default=str))
    elif report.healthy:
        click.echo(f"store is healthy: {report.home} (schema {report.schema_version}, "
                   f"{report.blobs_checked} blobs verified)")
    else:
        for finding in report.findings:
            click.echo(f"{finding.check}: {finding.message}")
        for record in report.quarantine["newest"]:
            click.echo(f"  quarantined #{record['quarantine_id']} {record['kind'] or '?'} from {record['segment']}"
                       f"@{record['offset']}: {record['error']}")
        count = len(report.findings)
        click.echo(f"{count} problem{'' if count == 1 else 's'} found in {report.home}")
    if not report.healthy:
        sys.exit(1)


@main.command()
@click.argument("run")
@click.option("--notebook", "notebook", required=True, type=click.Path(dir_okay=False), help="Where to write the .ipynb.")
def export(run, notebook):
    """Rebuild a notebook of RUN's code, with a first cell recording its environment."""
    from .tracking.export import export_notebook

    click.echo(f"wrote {export_notebook(run, notebook)}")


@main.command()
@_format
def experiments(fmt):
    """List experiments with their run counts."""
    from .tracking.search import list_experiments

    _show(list_experiments(), fmt)


from .pipelines.cli import COMMANDS as _PIPELINE_COMMANDS  # noqa: E402  (scheduler, schedule, pipeline)

for _command in _PIPELINE_COMMANDS:
    main.add_command(_command)

from .serving.cli import COMMANDS as _SERVING_COMMANDS  # noqa: E402  (serve, servers, traffic)

for _command in _SERVING_COMMANDS:
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
