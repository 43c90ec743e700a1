"""The action behind ``%mlops drift`` (the grammar is declared in ``notebook/commands.py``).

>>> from types import SimpleNamespace
>>> method_option(SimpleNamespace(method=["psi", "age=ks"]))
{'*': 'psi', 'age': 'ks'}
>>> method_option(SimpleNamespace(method=None))
'auto'
"""

from __future__ import annotations


def method_option(args) -> str | dict:
    """``--method`` entries (``METHOD`` or ``COLUMN=METHOD``, repeatable) as check_drift's ``method``."""
    method: str | dict = "auto"
    for entry in args.method or []:
        column, _, name = entry.rpartition("=")
        if column:
            method = {**({"*": method} if isinstance(method, str) else method), column: name}
        elif isinstance(method, dict):
            method["*"] = name
        else:
            method = name
    return method


def drift_action(args, user_ns: dict):
    """Check drift of ``args.current`` against ``args.reference`` (variables of the kernel or refs/paths)."""
    from ..drift import check_drift
    from ..widgets.drift import DriftView

    def data(name: str):
        return user_ns[name] if name.isidentifier() and name in user_ns else name

    report = check_drift(
        data(args.reference),
        data(args.current),
        columns=args.columns,
        method=method_option(args),
        threshold=args.threshold,
        target=args.target,
        prediction=args.prediction,
        correction=args.correction,
        save=not args.no_save,
    )
    return DriftView(report)
