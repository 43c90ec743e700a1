"""What the store's users declare: spool record kinds, writer-gone hooks and blob references.

The store names none of its users. Each owning package registers here from its ``records`` module
(tracking, datasets, serving, pipelines, registry, drift); the top-level package names those
modules with ``Registry.declared_in``, so they are imported on the first lookup, whichever module
was imported first. The fold reads ``RECORD_KINDS`` and ``WRITER_GONE``; gc, doctor and backup read
``blob_references()``.

>>> declare_blob_reference("artifacts", "sha256")
('artifacts', 'sha256')
>>> ("artifacts", "sha256") in blob_references()
True
"""

from __future__ import annotations

from ..plugins import Registry

# name -> (order, apply(con, records)); an unknown kind is set aside by the fold with this message.
RECORD_KINDS = Registry("spool record kind", unknown="unknown record kind {name!r}; known kinds: {known}")
# "module.function" -> hook(con, writer_ids), run in the fold transaction for dead writers.
WRITER_GONE = Registry("writer-gone hook")
# "table.column" -> (table, column): a column holding sha256 names of artifact blobs.
BLOB_REFERENCES = Registry("blob reference")


def record_kind(kind: str, order: int):
    """Register ``apply(con, records)`` for spool records whose first field is ``kind``.

    Within one transaction, kinds are applied by ascending ``order`` (a run's start before its
    metrics and its end); ``apply`` raises on a record it cannot store, and that record is set aside.

    >>> @record_kind("note", order=90)
    ... def _apply_notes(con, records): ...
    >>> RECORD_KINDS.unregister("note")[0]
    90
    """

    def register(fn):
        RECORD_KINDS.register(kind, (order, fn))
        return fn

    return register


def on_writer_gone(fn):
    """Register ``hook(con, writer_ids)``, called in the fold transaction for dead writers."""
    return WRITER_GONE.register(f"{fn.__module__}.{fn.__qualname__}", fn)


def declare_blob_reference(table: str, column: str) -> tuple[str, str]:
    """Declare that ``table.column`` holds blob names: gc keeps those blobs, doctor and backup check them."""
    return BLOB_REFERENCES.register(f"{table}.{column}", (table, column))


def blob_references() -> list[tuple[str, str]]:
    """Every declared ``(table, column)`` holding blob names."""
    return list(BLOB_REFERENCES.items().values())
