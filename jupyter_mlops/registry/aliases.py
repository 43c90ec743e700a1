"""Aliases (``champion``, ``challenger``...) with an append-only history of every move.

Each move is one transaction that reads where the alias points, appends a history row (who,
when, why, from which version to which) and moves the alias. The store's connection admits one
process at a time, so two processes moving the same alias at once are both recorded, in order,
each with the version the other left behind as its ``from_version``.

``rollback`` undoes the latest move still in effect: history is replayed as a stack (a move
pushes its version, a rollback pops one), so rolling back twice walks back two moves.

>>> set_alias("churn", "champion", 3, reason="better AUC on churn@5")    # doctest: +SKIP
>>> rollback("churn", "champion", reason="latency regression")           # doctest: +SKIP
>>> model_history("churn")[["alias", "from_version", "to_version", "reason"]]   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..errors import InvalidInput
from ..store import open_store
from .refs import ModelRef, check_alias, check_model_name, check_version
from .versions import _versions_of, aliases_of, env_user, host_pid, now_utc, resolve
from ..store.transaction import rollback

ACTIONS = ("set", "promote", "rollback")


@dataclass
class AliasChange:
    """One history entry: ``alias`` of model ``name`` moved ``from_version`` -> ``to_version``."""

    name: str
    seq: int
    alias: str
    action: str
    from_version: int | None
    to_version: int
    reason: str | None
    user: str | None
    changed_at: datetime
    decision_id: str | None = None

    def __str__(self) -> str:
        start = "(new)" if self.from_version is None else f"v{self.from_version}"
        why = f": {self.reason}" if self.reason else ""
        return f"{self.name}@{self.alias} {start} -> v{self.to_version} ({self.action} by {self.user}){why}"


def _history_rows(con, name: str, alias: str | None = None) -> list[tuple]:
    where, params = ("AND alias = ?", [name, alias]) if alias else ("", [name])
    return con.execute(
        f"""SELECT seq, alias, action, from_version, to_version, reason, user_name, changed_at, decision_id
            FROM model_alias_history WHERE name = ? {where} ORDER BY seq""", params).fetchall()


def _stack(rows: list[tuple]) -> list[int]:
    """The versions still 'in effect' for one alias: moves push, rollbacks pop."""
    stack: list[int] = []
    for _, _, action, _, to_version, *_ in rows:
        if action == "rollback":
            if stack:
                stack.pop()
        else:
            stack.append(to_version)
    return stack


def move_alias(con, name: str, alias: str, version: int, *, action: str, reason: str | None,
               user: str | None, decision_id: str | None = None) -> AliasChange | None:
    """Move ``alias`` to ``version`` and append its history row; the caller holds a transaction.

    Returns None (and records nothing) when the alias already points at ``version``.
    """
    current = aliases_of(con, name).get(alias)
    if current == version and action != "rollback":
        return None
    seq = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM model_alias_history WHERE name = ?", [name]).fetchone()[0]
    host, pid = host_pid()
    user = user or env_user()
    when = now_utc()
    con.execute("INSERT INTO model_alias_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [name, seq, alias, action, current, version, reason, decision_id, user, host, pid, when])
    con.execute("INSERT INTO model_aliases VALUES (?, ?, ?, ?) ON CONFLICT (name, alias) DO UPDATE "
                "SET version = excluded.version, updated_at = excluded.updated_at", [name, alias, version, when])
    return AliasChange(name, seq, alias, action, current, version, reason, user, when, decision_id)


def check_live(con, name: str, version: int, alias: str) -> None:
    rows = _versions_of(con, name)
    live = [v for v, deleted in rows if not deleted]
    if version in {v for v, deleted in rows if deleted}:
        raise InvalidInput(
            f"version {version} of model {name!r} is deleted, so alias {alias!r} cannot point at it; restore it "
            f"first with restore_model_version({name!r}, {version}), or choose a live version: "
            f"{', '.join(map(str, live)) or 'none'}")


def _check_reason(reason) -> str | None:
    if reason is not None and not isinstance(reason, str):
        raise InvalidInput(f"reason must be text, got {type(reason).__name__}")
    return reason


def _in_transaction(con, fn):
    con.execute("BEGIN TRANSACTION")
    try:
        result = fn()
        con.execute("COMMIT")
        return result
    except BaseException as error:
        rollback(con, error)
        raise


def set_alias(name: str, alias: str, version, reason: str | None = None, *, user: str | None = None,
              action: str = "set") -> AliasChange | None:
    """Point ``alias`` of model ``name`` at ``version``; the move is appended to the alias history.

    ``user`` is who to record (default: the OS user); ``action`` is ``set`` or ``promote``.
    Returns the history entry, or None when the alias already pointed there (nothing recorded).

    >>> set_alias("churn", "champion", 3, reason="AUC 0.84 -> 0.87 on churn@5")    # doctest: +SKIP
    """
    check_model_name(name)
    check_alias(alias)
    version = check_version(version, name)
    _check_reason(reason)
    if action not in ("set", "promote"):
        raise InvalidInput(f"action must be 'set' or 'promote', got {action!r}")
    with open_store().connect() as con:
        resolve(con, ModelRef(name, version=version), allow_deleted=True)  # unknown model or version: NotFound
        check_live(con, name, version, alias)
        return _in_transaction(con, lambda: move_alias(con, name, alias, version, action=action, reason=reason, user=user))


def rollback(name: str, alias: str = "champion", reason: str | None = None, *, user: str | None = None) -> AliasChange:
    """Return ``alias`` to the version it pointed at before its latest move still in effect.

    Recorded as a new history entry (action ``rollback``); rolling back again walks further back.

    >>> rollback("churn", "champion", reason="p95 latency doubled")     # doctest: +SKIP
    """
    check_model_name(name)
    check_alias(alias)
    _check_reason(reason)
    with open_store().connect() as con:
        _versions_of(con, name)
        rows = _history_rows(con, name, alias)
        if not rows:
            resolve(con, ModelRef(name, alias=alias))  # NotFound listing the aliases
        stack = _stack(rows)
        if len(stack) < 2:
            raise InvalidInput(f"alias {alias!r} of model {name!r} has no earlier version to roll back to "
                               f"(it points at {stack[-1] if stack else '?'} since it was first set); use set_alias")
        target = stack[-2]
        check_live(con, name, target, alias)
        return _in_transaction(con, lambda: move_alias(con, name, alias, target, action="rollback", reason=reason,
                                                       user=user))


def model_history(name: str, alias: str | None = None):
    """Every alias move of model ``name`` (or of one alias), oldest first; a DataFrame with
    ``seq, alias, action, from_version, to_version, reason, user, host, changed_at, decision_id``.

    >>> model_history("churn", "champion")      # doctest: +SKIP
    """
    check_model_name(name)
    if alias is not None:
        check_alias(alias)
    with open_store().connect() as con:
        _versions_of(con, name)
        where, params = ("AND alias = ?", [name, alias]) if alias else ("", [name])
        return con.execute(
            f"""SELECT seq, alias, action, from_version, to_version, reason, user_name AS "user", host, changed_at,
                       decision_id FROM model_alias_history WHERE name = ? {where} ORDER BY seq""", params).df()


def alias_changes(name: str) -> list[AliasChange]:
    """The history as AliasChange objects (for the model card and the REST API)."""
    with open_store().connect() as con:
        _versions_of(con, name)
        return [AliasChange(name, seq, alias, action, from_v, to_v, reason, user, when, decision)
                for seq, alias, action, from_v, to_v, reason, user, when, decision in _history_rows(con, name)]
