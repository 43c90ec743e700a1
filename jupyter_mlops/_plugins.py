"""The one place that knows every package: which modules declare what the store collects.

The store names none of its users; it keeps registries (``store/declared.py``) that the owning
packages fill from their ``records`` modules. This module tells those registries where the
declarations are, so they are imported on the first lookup (the first fold, the first gc or
doctor), whichever part of the package a process imported first. ``jupyter_mlops/__init__.py``
calls ``install()``, and Python always runs it before any submodule.
"""

from __future__ import annotations

# Modules that write spool records: each declares its record kinds and writer-gone hooks.
SPOOL_WRITERS = (
    "jupyter_mlops.tracking.records",
    "jupyter_mlops.datasets.records",
    "jupyter_mlops.serving.log",
    "jupyter_mlops.pipelines.records",
)
# Modules that declare columns holding artifact blob names (gc keeps them; doctor and backup check them).
BLOB_OWNERS = (*SPOOL_WRITERS, "jupyter_mlops.registry.records", "jupyter_mlops.drift.records")


def install() -> None:
    """Point the store's registries at the declaring modules (imported lazily, on first lookup)."""
    from .store.declared import BLOB_REFERENCES, RECORD_KINDS, WRITER_GONE

    RECORD_KINDS.declared_in(*SPOOL_WRITERS)
    WRITER_GONE.declared_in(*SPOOL_WRITERS)
    BLOB_REFERENCES.declared_in(*BLOB_OWNERS)
