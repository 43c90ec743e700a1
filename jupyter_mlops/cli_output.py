"""How every ``jupyter-mlops`` command prints a table: ``--format table|csv|json``, shared by the command groups.

>>> @click.command()            # doctest: +SKIP
... @format_option
... def runs(fmt): show_frame(list_runs(), fmt)
"""

from __future__ import annotations

import click

format_option = click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
                             show_default=True)


def show_frame(frame, fmt: str) -> None:
    """Print a DataFrame as an aligned table, CSV or JSON records; an empty table says so."""
    if fmt == "json":
        click.echo(frame.to_json(orient="records", date_format="iso", indent=2))
    elif fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    elif frame.empty:
        click.echo("(no rows)")
    else:
        import pandas as pd

        with pd.option_context("display.max_colwidth", 40, "display.width", 200):
            click.echo(frame.to_string(index=False))
