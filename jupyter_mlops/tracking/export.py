"""Rebuild a notebook from a run: its recorded code, in execution order, plus its environment.

>>> export_notebook("3fa2c1d9", "rebuilt.ipynb")     # doctest: +SKIP
PosixPath('rebuilt.ipynb')
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import InvalidInput, NotFound
from ..store import open_store
from .search import get_run

_CELL_MARK = re.compile(r"^# In\[\d+\]:\n", re.MULTILINE)


def _artifact_text(run, path: str) -> str | None:
    record = next((a for a in run.artifacts if a["path"] == path), None)
    if record is None:
        return None
    with open_store().blobs.open_blob(record["sha256"]) as f:
        return f.read().decode("utf-8", errors="replace")


def _environment_cell(run, requirements: str | None) -> str:
    tags = run.tags
    lines = [
        f"# Environment recorded for run {run.name!r} ({run.run_id}), {run.start_time:%Y-%m-%d %H:%M} UTC",
        f"# python {tags.get('mlops.python', 'unknown')} on host {run.host} as {run.user}",
    ]
    if "mlops.source.notebook" in tags or "mlops.source.name" in tags:
        lines.append(f"# source: {tags.get('mlops.source.notebook') or tags.get('mlops.source.name')}")
    if "mlops.git.commit" in tags:
        dirty = " (with uncommitted changes: see the run's environment/git.diff)" if tags.get("mlops.git.dirty") == "true" else ""
        lines.append(f"# git: {tags['mlops.git.commit']} on {tags.get('mlops.git.branch', '?')}{dirty}")
    if requirements:
        lines.append("# packages (install with: pip install -r requirements.txt):")
        lines.extend(f"#   {line}" for line in requirements.splitlines() if line)
    return "\n".join(lines)


def export_notebook(run: str, path: str | os.PathLike) -> Path:
    """Write a notebook of the run's code (one cell per executed cell) with an environment cell first."""
    import nbformat

    record = get_run(run)
    code = _artifact_text(record, "code/history.py") or _artifact_text(record, "code/cell.py")
    if code is None:
        raise NotFound(
            f"run {record.name!r} recorded no code: code is captured for runs started in a notebook "
            "with jupyter_mlops loaded (%load_ext jupyter_mlops)"
        )
    cells = [c.strip("\n") for c in _CELL_MARK.split(code) if c.strip()]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell(f"Rebuilt by `jupyter-mlops export` from run `{record.run_id}`."),
        nbformat.v4.new_code_cell(_environment_cell(record, _artifact_text(record, "environment/requirements.txt"))),
        *(nbformat.v4.new_code_cell(cell) for cell in cells),
    ]
    target = Path(path)
    if target.suffix != ".ipynb":
        raise InvalidInput(f"export writes a notebook: give a path ending in .ipynb, got {str(target)!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(target))
    return target
