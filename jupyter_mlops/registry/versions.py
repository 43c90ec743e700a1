"""Model versions: what one records, finding versions by reference, listing and soft-deleting them.

A version records the artifact (stored once under its SHA-256 and verified on every load), the
flavour that wrote it, the run that produced it, that run's training dataset versions (lineage),
a snapshot of its metrics, and a signature. ``register.py`` creates versions, ``loading.py``
loads them.

>>> get_model_version("churn@champion")                               # doctest: +SKIP
<ModelVersion churn/3 (champion): sklearn Pipeline, run 3fa2c1d9>
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..errors import InvalidInput, NotFound, closest
from ..store import open_store
from .refs import ModelRef, check_model_name, check_version, parse_model_ref


@dataclass
class ModelVersion:
    """One registered version of a model: its artifact, provenance, signature and aliases."""

    name: str
    version: int
    flavor: str
    unsafe: bool
    sha256: str
    size: int
    model_class: str | None
    run_id: str | None
    source: str
    datasets: list
    metrics: dict
    signature: dict | None
    trusted_types: list
    libraries: dict
    description: str | None
    tags: dict
    user: str | None
    created_at: datetime
    deleted: bool = False
    aliases: list = field(default_factory=list)

    @property
    def ref(self) -> str:
        """``name/version``, e.g. ``churn/3`` (what ``load_model`` takes)."""
        return f"{self.name}/{self.version}"

    def load(self, allow_unsafe: bool = False):
        """Load this version (same checks as ``load_model``)."""
        from .loading import load_model

        return load_model(self.ref, allow_unsafe=allow_unsafe)

    def __repr__(self) -> str:
        aliases = f" ({', '.join(self.aliases)})" if self.aliases else ""
        run = f", run {self.run_id[:8]}" if self.run_id else ""
        kind = (self.model_class or "?").rsplit(".", 1)[-1]
        flags = " UNSAFE" if self.unsafe else ""
        return f"<ModelVersion {self.ref}{aliases}: {self.flavor}{flags} {kind}{run}{', deleted' if self.deleted else ''}>"


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def finite_or_none(value):
    """JSON cannot hold NaN or infinity: such values are stored as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _version_list(versions: list) -> str:
    if not versions:
        return "none"
    if versions == list(range(versions[0], versions[-1] + 1)) and len(versions) > 2:
        return f"{versions[0]}-{versions[-1]}"
    return ", ".join(map(str, versions))


# -- resolving references -------------------------------------------------------------------------
def model_names(con) -> list[str]:
    return [n for (n,) in con.execute("SELECT name FROM models ORDER BY name").fetchall()]


def _versions_of(con, name: str) -> list[tuple[int, bool]]:
    rows = con.execute(
        "SELECT version, deleted_at IS NOT NULL FROM model_versions WHERE name = ? ORDER BY version", [name]
    ).fetchall()
    if not rows:
        names = model_names(con)
        listed = ", ".join(names[:20]) + (" ..." if len(names) > 20 else "")
        raise NotFound(f"no model {name!r}{closest(name, names)}; models: "
                       f"{listed or 'none yet (register one with register_model(model, name))'}")
    return rows


def aliases_of(con, name: str) -> dict[str, int]:
    return dict(con.execute("SELECT alias, version FROM model_aliases WHERE name = ? ORDER BY alias", [name]).fetchall())


def resolve(con, ref, *, allow_deleted: bool = False) -> tuple[str, int]:
    """``(name, version)`` for a reference (``churn``, ``churn/3``, ``churn@champion``) or a ModelVersion."""
    if isinstance(ref, ModelVersion):
        ref = ref.ref
    parsed = ref if isinstance(ref, ModelRef) else parse_model_ref(ref)
    name = parsed.name
    rows = _versions_of(con, name)
    live = [v for v, deleted in rows if not deleted]
    if parsed.alias is not None:
        aliases = aliases_of(con, name)
        if parsed.alias not in aliases:
            listed = ", ".join(f"{a} -> {v}" for a, v in aliases.items())
            raise NotFound(f"model {name!r} has no alias {parsed.alias!r}{closest(parsed.alias, aliases)}; aliases: "
                           f"{listed or 'none yet (set one with set_alias(name, alias, version))'}")
        version = aliases[parsed.alias]
        if version not in live and not allow_deleted:
            raise NotFound(f"alias {parsed.alias!r} of model {name!r} points at version {version}, which is deleted; "
                           f"restore it with restore_model_version({name!r}, {version}) or move the alias with set_alias")
        return name, version
    if parsed.version is None:
        if not live:
            raise NotFound(f"every version of model {name!r} is deleted; restore one with restore_model_version")
        return name, live[-1]
    if parsed.version not in {v for v, _ in rows}:
        raise NotFound(f"model {name!r} has no version {parsed.version}; versions are {_version_list(live)}")
    if parsed.version not in live and not allow_deleted:
        raise NotFound(f"version {parsed.version} of model {name!r} is deleted; restore_model_version({name!r}, "
                       f"{parsed.version}) brings it back; live versions: {_version_list(live)}")
    return name, parsed.version


_COLUMNS = ("flavor, unsafe, sha256, size, model_class, run_id, source, datasets, metrics, signature, trusted_types, "
            "libraries, description, tags, user_name, created_at, deleted_at IS NOT NULL")


def fetch_version(con, name: str, version: int) -> ModelVersion:
    row = con.execute(f"SELECT {_COLUMNS} FROM model_versions WHERE name = ? AND version = ?", [name, version]).fetchone()
    aliases = [a for (a,) in con.execute(
        "SELECT alias FROM model_aliases WHERE name = ? AND version = ? ORDER BY alias", [name, version]).fetchall()]
    return _from_row(name, version, row, aliases)


def _from_row(name, version, row, aliases) -> ModelVersion:
    (flavor, unsafe, sha256, size, model_class, run_id, source, datasets, metrics, signature, trusted, libraries,
     description, tags, user, created_at, deleted) = row
    load = lambda text, empty: json.loads(text) if text else empty  # noqa: E731
    return ModelVersion(name, version, flavor, unsafe, sha256, size, model_class, run_id, source, list(datasets),
                        load(metrics, {}), load(signature, None), load(trusted, []), load(libraries, {}),
                        description, load(tags, {}), user, created_at, deleted, aliases)


def get_model_version(ref) -> ModelVersion:
    """One version with its provenance, signature and aliases (``churn``, ``churn/3``, ``churn@champion``).

    >>> get_model_version("churn@champion").metrics["training_roc_auc"]     # doctest: +SKIP
    0.91
    """
    with open_store().connect() as con:
        return fetch_version(con, *resolve(con, ref, allow_deleted=True))


def model_versions(name: str, include_deleted: bool = False) -> list[ModelVersion]:
    """Every version of model ``name``, oldest first (deleted ones only when asked).

    >>> [v.ref for v in model_versions("churn")]      # doctest: +SKIP
    ['churn/1', 'churn/2']
    """
    check_model_name(name)
    with open_store().connect() as con:
        rows = _versions_of(con, name)
        return [fetch_version(con, name, v) for v, deleted in rows if include_deleted or not deleted]


def list_models():
    """Every registered model with its latest live version, version count and aliases; a DataFrame.

    >>> list_models()[["name", "latest_version", "aliases"]]     # doctest: +SKIP
    """
    with open_store().connect() as con:
        return con.execute(
            """SELECT m.name, max(v.version) FILTER (WHERE v.deleted_at IS NULL) AS latest_version,
                      count(*) FILTER (WHERE v.deleted_at IS NULL) AS versions,
                      (SELECT string_agg(a.alias || '=' || a.version, ', ' ORDER BY a.alias)
                       FROM model_aliases a WHERE a.name = m.name) AS aliases,
                      max(v.created_at) AS updated_at, m.description
               FROM models m JOIN model_versions v USING (name) GROUP BY m.name, m.description ORDER BY m.name"""
        ).df()


# -- deleting -------------------------------------------------------------------------------------
def _set_deleted(name: str, version, deleted: bool) -> ModelVersion:
    check_model_name(name)
    version = check_version(version, name)
    with open_store().connect() as con:
        name, version = resolve(con, ModelRef(name, version=version), allow_deleted=True)
        if deleted:
            pointing = [a for a, v in aliases_of(con, name).items() if v == version]
            if pointing:
                raise InvalidInput(
                    f"version {version} of model {name!r} is where alias {', '.join(map(repr, pointing))} points; "
                    "move the alias first (set_alias or rollback), then delete the version")
        value = "(now() AT TIME ZONE 'UTC')" if deleted else "NULL"
        con.execute(f"UPDATE model_versions SET deleted_at = {value} WHERE name = ? AND version = ?", [name, version])
        return fetch_version(con, name, version)


def delete_model_version(name: str, version) -> ModelVersion:
    """Soft-delete a version: it can no longer be loaded or aliased (``restore_model_version`` undoes it).

    A version an alias points at cannot be deleted until the alias moves. The artifact is kept.

    >>> delete_model_version("churn", 2)      # doctest: +SKIP
    <ModelVersion churn/2: sklearn LogisticRegression, run 3fa2c1d9, deleted>
    """
    return _set_deleted(name, version, True)


def restore_model_version(name: str, version) -> ModelVersion:
    """Undo ``delete_model_version``.

    >>> restore_model_version("churn", 2)     # doctest: +SKIP
    """
    return _set_deleted(name, version, False)


def version_from(con, ref) -> ModelVersion:
    """The ModelVersion a reference names (live versions only)."""
    return fetch_version(con, *resolve(con, ref))


def env_user() -> str:
    from ..tracking.runs import _USER

    return _USER


def host_pid() -> tuple[str, int]:
    from ..tracking.runs import _HOST

    return _HOST, os.getpid()


__all__ = ["ModelVersion", "get_model_version", "model_versions", "list_models", "delete_model_version",
           "restore_model_version"]
