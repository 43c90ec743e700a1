"""The actions behind ``%mlops dataset ...`` (the grammar is declared in ``notebook/commands.py``).

Each action makes one call into the datasets core and returns what the cell should display.
"""

from __future__ import annotations

from IPython.core.error import UsageError

_ARGUMENTS = {"register": 1, "list": 0, "show": 1, "diff": 2, "lineage": 1}


def dataset_action(args, user_ns: dict):
    """Register, list, show (profile), diff or trace datasets, as ``args.action`` says."""
    from .. import datasets
    from ..widgets.dataset import DatasetProfile

    want = _ARGUMENTS[args.action]
    if len(args.targets) != want:
        raise UsageError(
            f"%mlops dataset {args.action} takes {want} argument(s), got {len(args.targets)}; see %mlops help dataset"
        )
    if args.action == "register":
        if not args.name:
            raise UsageError("give the dataset a name: %mlops dataset register df --name churn")
        source = args.targets[0]
        data = user_ns.get(source, source) if source.isidentifier() else source
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
