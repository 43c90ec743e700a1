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
@magic_arguments("mlops drift")
@argument("reference", help="Reference data: a dataset (churn@1), a DataFrame variable or a .parquet/.csv path.")
@argument("current", help="Current data, in the same forms.")
@argument("-c", "--columns", nargs="+", metavar="COLUMN", help="Columns to check (default: every column of the reference).")
@argument("-m", "--method", action="append", metavar="METHOD|COLUMN=METHOD",
          help="auto (default), ks, chisquare, ztest, psi, jensenshannon, wasserstein or hellinger; "
               "COLUMN=METHOD for one column; repeatable.")
@argument("-t", "--threshold", type=float, help="Threshold for every column (default: each method's own).")
@argument("--target", help="Target column: its own drift line.")
@argument("--prediction", help="Prediction column: its own drift line.")
@argument("--correction", choices=["bh", "bonferroni", "none"], default="bh",
          help="Multiple-testing correction of p-values (default bh: Benjamini-Hochberg).")
@argument("--no-save", action="store_true", help="Do not save the report in the store.")
def drift(shell, line, cell):
    """Check drift of current data against a reference; shows per-column distributions by severity."""
    from ..drift import check_drift
    from ..drift.widget import DriftView

    args = parse_argstring(drift, line)

    def data(name: str):
        return shell.user_ns[name] if name.isidentifier() and name in shell.user_ns else name

    method: str | dict = "auto"
    for entry in args.method or []:
        column, _, name = entry.rpartition("=")
        if column:
            method = {**({"*": method} if isinstance(method, str) else method), column: name}
        elif isinstance(method, dict):
            method["*"] = name
        else:
            method = name
    report = check_drift(data(args.reference), data(args.current), columns=args.columns, method=method,
                         threshold=args.threshold, target=args.target, prediction=args.prediction,
                         correction=args.correction, save=not args.no_save)
    return DriftView(report)


@command
@magic_arguments("mlops model")
@argument("action", choices=["register", "list", "show", "promote", "rollback", "compare", "evaluate", "history",
                             "delete"], help="What to do.")
@argument("targets", nargs="*", help="register: a model variable or runs:/RUN_ID/model; show/history/rollback/"
          "compare: NAME; promote: NAME VERSION; evaluate: NAME/VERSION or NAME@ALIAS; delete: NAME/VERSION.")
@argument("-n", "--name", help="Model name (register).")
@argument("-d", "--description", help="Description (register).")
@argument("--run", help="The run that produced it (register; default: active or autologged run).")
@argument("--flavor", help="sklearn (skops, safe) or joblib (unsafe pickle) (register).")
@argument("--example", help="A variable holding a few input rows, for the signature (register).")
@argument("-a", "--alias", help="Alias to move (promote/rollback; default champion) or to show (history).")
@argument("-r", "--reason", help="Why: recorded in the alias history (promote/rollback/compare).")
@argument("--data", help="A DataFrame variable or a dataset version such as churn@3 (compare/evaluate).")
@argument("--target", help="The label column (compare/evaluate).")
@argument("--champion", default="champion", help="Champion alias or version (compare; default champion).")
@argument("--challenger", default="challenger", help="Challenger alias or version (compare; default challenger).")
@argument("--primary", help="Metric that must improve (compare; default by task, e.g. roc_auc or rmse).")
@argument("--min-improvement", type=float, default=0.0, help="Minimum improvement of the primary metric (compare).")
@argument("--guard", action="append", metavar="METRIC[:TOL]", help="A metric that must not regress by more than TOL (compare; repeatable).")
@argument("--metric", action="append", help="A metric to compute (evaluate; repeatable; default: the task's).")
@argument("--promote", action="store_true", help="Move the champion alias when the policy passes (compare).")
def model(shell, line, cell):
    """Register, list, show (model card), promote, roll back, compare and evaluate models."""
    from ..registry.notebook import run_action

    return run_action(parse_argstring(model, line), shell.user_ns)


@command
@magic_arguments("mlops pipeline")
@argument("action", choices=["run", "list", "show"], help="What to do.")
@argument("targets", nargs="*", help="run: the notebook; show: a pipeline run id or prefix.")
@argument("-p", "--param", action="append", metavar="KEY=VALUE", help="A notebook parameter (JSON or text); repeatable.")
@argument("-n", "--name", help="Pipeline name (run; default: the notebook's name).")
@argument("--timeout", type=float, help="Seconds for the whole run, kernel start included (run).")
@argument("--kernel", help="Kernel name (run; default: the notebook's).")
@argument("--executor", help="Where to run: in a kernel started from here (default), local, or tcp://host:port (run).")
@argument("-s", "--schedule", help="Only runs of this schedule (list).")
def pipeline(shell, line, cell):
    """Run a parameterized notebook as a pipeline (papermill), list runs, show one."""
    from ..pipelines.notebook import pipeline_action

    return pipeline_action(parse_argstring(pipeline, line))


@command
@magic_arguments("mlops schedule")
@argument("action", choices=["add", "list", "pause", "resume", "remove", "run", "status"], help="What to do.")
@argument("targets", nargs="*", help="add: NAME NOTEBOOK; pause/resume/remove/run: NAME.")
@argument("--cron", help="Cron expression, e.g. \"0 6 * * 1-5\" (add).")
@argument("--on-dataset", help="Run for every new version of this dataset (add).")
@argument("--on-drift-dataset", metavar="DATASET", help="Run when a new version of DATASET drifts (add).")
@argument("--drift-model", help="Drift reference: this model's training data, e.g. churn@champion (add).")
@argument("--drift-reference", metavar="DATASET@N", help="Drift reference: this dataset version (add).")
@argument("--on-drift-predictions", metavar="MODEL", help="Run when a window of MODEL's served predictions drifts (add).")
@argument("--drift-threshold", type=float, help="Share of drifted columns that fires the schedule (add).")
@argument("--drift-min-rows", type=int, help="Served predictions per drift window (add; default 200).")
@argument("--drift-target", metavar="COLUMN", help="Keep feedback labels as this column of the window (add).")
@argument("-p", "--param", action="append", metavar="KEY=VALUE", help="A notebook parameter; repeatable (add).")
@argument("--timezone", default="UTC", help="Timezone of the cron expression (add).")
@argument("--timeout", type=float, help="Seconds per run (add).")
@argument("--retries", type=int, default=0, help="Retries of a failed run (add).")
@argument("--max-concurrent", type=int, default=1, help="Runs of this schedule at once (add).")
@argument("--catch-up", choices=["skip", "once"], default="skip", help="Missed cron runs after downtime (add).")
@argument("--executor", default="local", help="local or tcp://host:port (add).")
@argument("--replace", action="store_true", help="Replace a schedule of the same name (add).")
def schedule(shell, line, cell):
    """Add, list, pause, resume, remove or run schedules; status shows the scheduler's heartbeat."""
    from ..pipelines.notebook import schedule_action

    return schedule_action(parse_argstring(schedule, line))


@command
@magic_arguments("mlops help")
@argument("subcommand", nargs="?", help="Subcommand to explain.")
def help_(shell, line, cell):
    """Show help for one subcommand, or list them all."""
    from .magics import overview, usage_of

    name = parse_argstring(help_, line).subcommand
    print(usage_of(name) if name else overview())


@command
@magic_arguments("mlops serve")
@argument("target", help="The model to serve (churn, churn/3, churn@champion), or: status, stop, traffic.")
@argument("server", nargs="?", help="status/stop/traffic: a server id or URL (default: every one / this kernel's).")
@argument("--port", type=int, default=0, help="Port (default 0: a free one; the URL is printed).")
@argument("--host", default="127.0.0.1", help="Interface (default 127.0.0.1: this machine only).")
@argument("--challenger", help="Challenger alias (challenger), version (5) or reference.")
@argument("--mode", choices=["single", "canary", "blue-green", "shadow"], help="How the challenger runs (default canary).")
@argument("--canary-share", type=float, help="Share of requests for the challenger (serve, traffic).")
@argument("--active", choices=["champion", "challenger"], help="Blue-green: the side that answers (traffic).")
@argument("--reason", help="Why the traffic moves (traffic).")
@argument("--token", help="Bearer token every request must send (serve).")
@argument("--max-body-bytes", type=int, help="Larger request bodies get 413 (serve; default 8 MiB).")
@argument("--auto-shift", help="on, or KEY=VALUE,... e.g. metric=accuracy,min_samples=50,step=0.25 (serve).")
@argument("--allow-unsafe", action="store_true", help="Allow unsafe (pickle) model flavours (serve).")
@argument("--no-log", action="store_true", help="Do not log predictions (serve).")
def serve(shell, line, cell):
    """Serve a model from this kernel over HTTP; show status, shift traffic, stop."""
    from ..serving.notebook import run_action

    return run_action(parse_argstring(serve, line))
