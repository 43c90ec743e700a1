"""Input checks and the column plan of a drift check: which columns, in which role, of which kind.

Every problem is one ``InvalidInput`` line naming the fix; see the README's "Bad input" list.
"""

from __future__ import annotations

from ..datasets.profile import column_kind
from ..errors import InvalidInput
from .methods import get_method

CORRECTIONS = ("bh", "bonferroni", "none")

_COMPATIBLE = {"numeric": "numeric", "temporal": "temporal", "categorical": "categorical", "boolean": "boolean"}
_FIX = {
    "numeric": "e.g. current[{c!r}] = pd.to_numeric(current[{c!r}])",
    "categorical": "e.g. current[{c!r}] = current[{c!r}].astype(str)",
    "boolean": "e.g. current[{c!r}] = current[{c!r}].astype(bool)",
    "temporal": "e.g. current[{c!r}] = pd.to_datetime(current[{c!r}])",
}


def _as_list(columns, what: str) -> list[str]:
    if isinstance(columns, str):
        return [columns]
    try:
        names = list(columns)
    except TypeError:
        raise InvalidInput(f"{what} takes a list of column names, e.g. {what}=['age', 'plan']") from None
    for name in names:
        if not isinstance(name, str):
            raise InvalidInput(f"{what} takes column names (strings), got {name!r}")
    return list(dict.fromkeys(names))


def check_options(method, threshold, correction, drift_share, sample_size) -> None:
    if correction not in CORRECTIONS:
        raise InvalidInput(f"correction must be one of {', '.join(CORRECTIONS)} (Benjamini-Hochberg, Bonferroni, none), got {correction!r}")
    if not isinstance(drift_share, (int, float)) or not 0 < drift_share <= 1:
        raise InvalidInput(f"drift_share is the share of drifted columns that makes the dataset drift: a number in (0, 1], got {drift_share!r}")
    if not isinstance(sample_size, int) or sample_size < 0:
        raise InvalidInput(f"sample_size is a number of rows per side (0 turns sampling off), got {sample_size!r}")
    for name in (method.values() if isinstance(method, dict) else [method]):
        if not isinstance(name, str):
            raise InvalidInput(f"method takes a method name or a dict {{column: name}}, got {name!r}")
        if name != "auto":
            get_method(name)
    for value in (threshold.values() if isinstance(threshold, dict) else [threshold]):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0):
            raise InvalidInput(f"threshold takes a positive number or a dict {{column: number}}, got {value!r}")


def plan_columns(ref, cur, columns, target, prediction) -> tuple[list, dict]:
    """``[(column, role, kind)]`` to check, and ``{column: reason}`` for columns left out."""
    roles = {}
    for role, name in (("target", target), ("prediction", prediction)):
        if name is not None:
            if not isinstance(name, str):
                raise InvalidInput(f"{role} takes one column name, got {name!r}")
            roles[name] = role
    explicit = columns is not None
    features = _as_list(columns, "columns") if explicit else [c for c in ref.schema if c not in roles]
    wanted = [c for c in features if c not in roles] + list(roles)
    if not wanted:
        raise InvalidInput("no columns to check; name some with columns=[...] or leave columns out to check them all")
    missing_ref = [c for c in wanted if c not in ref.schema]
    if missing_ref:
        raise InvalidInput(f"{columns_phrase(missing_ref)} not in the reference data ({ref.label}); its columns are "
                           f"{', '.join(map(repr, list(ref.schema)[:20]))}")
    missing_cur = [c for c in wanted if c not in cur.schema]
    if missing_cur:
        raise InvalidInput(f"{columns_phrase(missing_cur)} in the reference but not in the current data ({cur.label}); add "
                           f"{'it' if len(missing_cur) == 1 else 'them'} to the current data or leave "
                           f"{'it' if len(missing_cur) == 1 else 'them'} out with columns=[...]")
    plan, skipped = [], {}
    for name in wanted:
        for source in (ref, cur):
            if source.schema[name].strip('"').upper() == "NULL":
                raise all_null_error(name, source.role, source.rows)
        kind, other = column_kind(ref.schema[name]), column_kind(cur.schema[name])
        named = explicit or name in roles
        if kind == "other":
            if named:
                raise InvalidInput(f"column {name!r} has type {ref.schema[name]}, which drift checks cannot compare; leave it out of columns=[...]")
            skipped[name] = f"type {ref.schema[name]} is not compared"
            continue
        if kind == "temporal" and not named:
            skipped[name] = "a time column (it moves by design); name it in columns=[...] to compare it as numbers"
            continue
        if _COMPATIBLE.get(kind) != _COMPATIBLE.get(other):
            fix = _FIX.get(kind, "convert one side").format(c=name)
            raise InvalidInput(f"column {name!r} is {kind} ({ref.schema[name]}) in the reference but {other} "
                               f"({cur.schema[name]}) in the current data; convert one side, {fix}")
        plan.append((name, roles.get(name, "feature"), kind))
    return plan, skipped


def columns_phrase(columns) -> str:
    return ("column " if len(columns) == 1 else "columns ") + ", ".join(map(repr, columns)) + (" is" if len(columns) == 1 else " are")


def all_null_error(name: str, role: str, rows: int) -> InvalidInput:
    return InvalidInput(f"column {name!r} has only missing values in the {role} data ({rows:,} rows); "
                        f"fix the data or leave the column out with columns=[...]")
