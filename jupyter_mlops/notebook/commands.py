"""The ``%mlops`` subcommands, one function each, their grammar declared with magic_arguments.

Each takes ``(shell, argstring, cell)``, parses, makes one call into the core and returns what
the notebook should display. Core errors are turned into a one-line UsageError by the caller.
"""

from __future__ import annotations

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

def parse_argstring(fn, line: str):
    """Parse ``line`` with ``fn``'s declared grammar, splitting it as a shell would (quotes removed)."""
    import shlex

    try:
        argv = shlex.split(line)
    except ValueError as e:
        raise UsageError(f"{e} in: {line}; close the quote") from None
    return fn.parser.parse_args(argv)


COMMANDS: dict = {}
CELL_COMMANDS = {"run", "sql"}


def command(fn):
    """Register ``fn`` as ``%mlops <name>`` under its function name (trailing _ dropped)."""
    COMMANDS[fn.__name__.rstrip("_")] = fn
    return fn


@command
@magic_arguments("mlops experiment")
@argument("name", nargs="?", help="Experiment to log new runs into; omit to list experiments.")
def experiment(shell, line, cell):
    """Set the experiment new runs go into, or list experiments."""
    from ..tracking.runs import current_experiment, set_experiment
    from ..tracking.search import list_experiments

    args = parse_argstring(experiment, line)
    if args.name is not None:
        set_experiment(args.name)
        print(f"experiment: {args.name}")
        return None
    print(f"current experiment: {current_experiment()}")
    return list_experiments()


@command
@magic_arguments("mlops runs")
@argument("-e", "--experiment", help="Experiment to search (default: the current one).")
@argument("-a", "--all", action="store_true", help="Search every experiment.")
@argument("-w", "--where", help="Filter, e.g. \"metrics.acc > 0.9 AND params.model = 'rf'\".")
@argument("-o", "--order-by", help="Sort, e.g. \"metrics.acc DESC\".")
@argument("-n", "--max", type=int, default=100, help="Most runs to show (default 100).")
def runs(shell, line, cell):
    """Search runs and show them in an interactive table (sort, filter, select, compare)."""
    from ..tracking.runs import current_experiment
    from ..widgets import RunsTable

    args = parse_argstring(runs, line)
    scope = None if args.all else (args.experiment or current_experiment())
    return RunsTable.from_search(experiment=scope, where=args.where, order_by=args.order_by, max_results=args.max)


@command
@magic_arguments("mlops compare")
@argument("runs", nargs="+", help="Two or more run ids, id prefixes or run names.")
def compare(shell, line, cell):
    """Compare runs: params side by side with differences marked, metric curves overlaid."""
    from ..widgets import CompareView

    return CompareView(parse_argstring(compare, line).runs)


@command
@magic_arguments("mlops autolog")
@argument("state", choices=["on", "off"], help="Turn scikit-learn autologging on or off.")
def autolog(shell, line, cell):
    """Turn scikit-learn autologging on or off for this kernel."""
    from ..autolog import autolog as set_autolog

    state = parse_argstring(autolog, line).state
    set_autolog(state == "on")
    print(f"scikit-learn autolog {state}")


@command
@magic_arguments("mlops sql")
@argument("query", nargs="*", help="SQL over the store's tables (or the cell body with %%%%mlops sql).")
def sql(shell, line, cell):
    """Run read-only SQL over the store; returns a DataFrame."""
    from ..store import open_store

    query = cell if cell is not None and cell.strip() else line
    return open_store().sql(query)


@command
@magic_arguments("mlops info")
def info(shell, line, cell):
    """Show where the store is, its schema version, row counts and sizes."""
    from ..store import open_store
    from ..store.maintenance import store_info
    from ..tracking.runs import current_experiment

    parse_argstring(info, line)
    summary = store_info(open_store())
    print(f"store: {summary['home']} (schema v{summary['schema_version']}); experiment: {current_experiment()}")
    print(", ".join(f"{count:,} {table}" for table, count in summary["tables"].items() if table != "spool_offsets"))


@command
@magic_arguments("mlops run")
@argument("-e", "--experiment", help="Experiment for the run (default: the current one).")
@argument("-n", "--name", help="Run name (default: a generated one).")
@argument("-p", "--param", action="append", metavar="KEY=VALUE", help="Log a param; repeatable.")
@argument("--autolog", action="store_true", help="Autolog scikit-learn fits in this cell.")
def run(shell, line, cell):
    """(cell magic) Run the cell inside a fresh run; its log_* calls land there."""
    from IPython.core.error import UsageError

    from .cell_run import run_cell

    args = parse_argstring(run, line)
    if cell is None:
        raise UsageError("run is a cell magic: start the cell with %%mlops run [--name N] ...")
    return run_cell(shell, args, cell)


@command
@magic_arguments("mlops dataset")
@argument("action", choices=["register", "list", "show", "diff", "lineage"], help="What to do.")
@argument("targets", nargs="*", help="register: a DataFrame variable, a .parquet/.csv path or a quoted SQL query; "
          "show/lineage: NAME[@VERSION]; diff: two of them.")
@argument("-n", "--name", help="Dataset name (register).")
@argument("-d", "--description", help="Description (register).")
@argument("--reference", action="store_true", help="Reference a file in place instead of snapshotting it.")
def dataset(shell, line, cell):
    """Register, list, show (profile), diff and trace datasets."""
    from .. import datasets
    from ..widgets.dataset import DatasetProfile

    args = parse_argstring(dataset, line)
    want = {"register": 1, "list": 0, "show": 1, "diff": 2, "lineage": 1}[args.action]
    if len(args.targets) != want:
        raise UsageError(f"%mlops dataset {args.action} takes {want} argument(s), got {len(args.targets)}; see %mlops help dataset")
    if args.action == "register":
        if not args.name:
            raise UsageError("give the dataset a name: %mlops dataset register df --name churn")
        source = args.targets[0]
        data = shell.user_ns.get(source, source) if source.isidentifier() else source
        version = datasets.register_dataset(data, args.name, args.description, snapshot=not args.reference)
        print(f"registered {version.ref}: {version.rows:,} rows x {len(version.schema)} columns")
        return DatasetProfile(version)
    if args.action == "list":
        return datasets.list_datasets()
    if args.action == "show":
        return DatasetProfile(datasets.describe_dataset(args.targets[0]))
    if args.action == "diff":
        return datasets.diff_datasets(*args.targets)
    found = datasets.lineage(args.targets[0])
    print(f"{found.kind} {found.ref}: upstream (what it came from), then downstream (what used it)")
    from IPython.display import display

    display(found.upstream, found.downstream)
    return None


@command
@magic_arguments("mlops help")
@argument("subcommand", nargs="?", help="Subcommand to explain.")
def help_(shell, line, cell):
    """Show help for one subcommand, or list them all."""
    from .magics import overview, usage_of

    name = parse_argstring(help_, line).subcommand
    print(usage_of(name) if name else overview())
