"""Checking a notebook before it runs, and mapping executed cells back to the input notebook.

>>> check_notebook("retrain.ipynb", {"alpha": 0.1})    # doctest: +SKIP
[]
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

from ..errors import InvalidInput, NotFound, closest

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
ERROR_MARKER_TAG = "papermill-error-cell-tag"  # papermill's marker cells, removed before a run


def notebook_path(path) -> Path:
    """The absolute path of an existing ``.ipynb`` file; NotFound / InvalidInput naming the fix."""
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise InvalidInput(f"a pipeline runs a notebook: pass its path, e.g. 'retrain.ipynb', got {path!r}")
    resolved = Path(path).expanduser().absolute()
    if not resolved.exists():
        folder = resolved.parent
        if not folder.is_dir():
            raise NotFound(f"notebook {str(path)!r} does not exist: there is no folder {str(folder)!r}; "
                           f"relative paths start at {os.getcwd()}")
        names = sorted(p.name for p in folder.glob("*.ipynb"))
        listing = f"; notebooks there: {', '.join(names[:10])}" if names else "; that folder has no notebooks"
        raise NotFound(f"notebook {str(path)!r} does not exist{closest(resolved.name, names)}{listing}")
    if resolved.is_dir():
        raise InvalidInput(f"{str(path)!r} is a folder; give the path of a notebook (.ipynb) inside it")
    if resolved.suffix.lower() != ".ipynb":
        raise InvalidInput(f"{str(path)!r} is not a Jupyter notebook; pipelines run .ipynb files "
                           "(convert a script with `jupytext --to notebook`)")
    return resolved


def read_notebook(path: Path):
    """Read a notebook as an nbformat node; InvalidInput when it is not valid notebook JSON."""
    import nbformat

    try:
        return nbformat.read(str(path), as_version=4)
    except Exception as e:  # nbformat raises JSON, validation and OS errors alike
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InvalidInput(f"cannot read notebook {str(path)!r} ({first}); "
                           "open and save it in Jupyter to repair it") from None


def tagged_index(nb, tag: str) -> int:
    """Index of the first cell carrying ``tag``, or -1."""
    for index, cell in enumerate(nb.cells):
        if tag in cell.get("metadata", {}).get("tags", []):
            return index
    return -1


def no_parameters_cell_warning(path) -> str:
    return f'notebook {Path(path).name} has no cell tagged "parameters"; papermill will insert the values at the top'


def notebook_parameters(path) -> list[str] | None:
    """Names assigned in the notebook's ``parameters`` cell, as papermill reads them (None: unknown)."""
    import papermill

    try:
        return list(papermill.inspect_notebook(str(path)))
    except Exception:  # e.g. a kernel language papermill cannot inspect: skip the name check
        return None


def parameter_warnings(path: Path, nb, parameters: dict) -> list[str]:
    """Warnings (never errors) about ``parameters`` for a notebook about to run."""
    if not parameters:
        return []
    if tagged_index(nb, PARAMETERS_TAG) < 0:
        return [no_parameters_cell_warning(path)]
    known = notebook_parameters(path)
    unknown = [name for name in parameters if known and name not in known]
    if unknown:
        return [f"parameter(s) {', '.join(unknown)} are not in the parameters cell of {path.name} "
                f"(it has: {', '.join(known)}); papermill injected them anyway"]
    return []


def installed_kernels() -> list[str]:
    from jupyter_client.kernelspec import KernelSpecManager

    return sorted(KernelSpecManager().find_kernel_specs())


def _check_kernel(path: Path, nb, kernel: str | None) -> None:
    wanted = kernel or nb.metadata.get("kernelspec", {}).get("name")
    kernels = installed_kernels()
    if not wanted:
        raise InvalidInput(f"notebook {path.name} names no kernel; pass kernel= one of: {', '.join(kernels)}")
    if wanted not in kernels:
        whose = "" if kernel else f"notebook {path.name} asks for "
        raise InvalidInput(f"{whose}kernel {wanted!r} is not installed{closest(wanted, kernels)}; "
                           f"installed kernels: {', '.join(kernels) or 'none'} (pass kernel=...)")


def check_notebook(path, parameters: dict | None = None, kernel: str | None = None) -> list[str]:
    """Check that ``path`` can run with ``parameters``; return warnings, raise on bad input.

    Raises NotFound for a missing notebook, InvalidInput for a non-notebook, a kernel that is not
    installed, or a parameter the notebook's ``parameters`` cell does not assign. Parameters
    given to a notebook without a ``parameters`` cell only warn (papermill inserts them at the
    top), as papermill itself does.

    >>> check_notebook("retrain.ipynb", {"alhpa": 0.1})    # doctest: +SKIP
    InvalidInput: retrain.ipynb has no parameter 'alhpa'; did you mean 'alpha'? its parameters: alpha, model
    """
    found = notebook_warnings(path, parameters, kernel)
    for message in found:
        warnings.warn(message, UserWarning, stacklevel=2)
    return found


def notebook_warnings(path, parameters: dict | None = None, kernel: str | None = None) -> list[str]:
    """``check_notebook`` without issuing the warnings (the caller warns at its own stack level)."""
    resolved = notebook_path(path)
    if parameters is not None and not isinstance(parameters, dict):
        raise InvalidInput(f"parameters must be a dict such as {{'alpha': 0.1}}, got {type(parameters).__name__}")
    bad_keys = [k for k in (parameters or {}) if not isinstance(k, str) or not k.isidentifier()]
    if bad_keys:
        raise InvalidInput(f"parameter names must be Python identifiers, got {bad_keys[0]!r}")
    for key, value in (parameters or {}).items():
        try:
            json.dumps(value, allow_nan=True)
        except (TypeError, ValueError):
            raise InvalidInput(f"parameter {key!r} is a {type(value).__name__}; pipeline parameters are JSON "
                               "values (str, int, float, bool, None, list, dict): convert it, e.g. with .tolist() "
                               "or str()") from None
    nb = read_notebook(resolved)
    _check_kernel(resolved, nb, kernel)
    if not parameters:
        return []
    if tagged_index(nb, PARAMETERS_TAG) < 0:
        return [no_parameters_cell_warning(resolved)]
    known = notebook_parameters(resolved)
    for name in parameters:
        if known and name not in known:
            raise InvalidInput(f"{resolved.name} has no parameter {name!r}{closest(name, known)}; "
                               f"its parameters cell assigns: {', '.join(known)}")
    return []


def cell_positions(nb, parameters: dict | None) -> list[int | None]:
    """For each cell papermill will execute, its index in the input notebook (None: injected).

    papermill drops its old error-marker cells and inserts (or replaces) the injected-parameters
    cell, so an executed cell's index is not the one the user sees in the notebook they edit.
    """
    positions: list[int | None] = [
        i for i, cell in enumerate(nb.cells) if ERROR_MARKER_TAG not in cell.get("metadata", {}).get("tags", [])
    ]
    if not parameters:
        return positions
    kept = [nb.cells[i] for i in positions]
    injected = next((j for j, c in enumerate(kept) if INJECTED_TAG in c.get("metadata", {}).get("tags", [])), -1)
    if injected >= 0:
        positions[injected] = None
        return positions
    tagged = next((j for j, c in enumerate(kept) if PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])), -1)
    positions.insert(tagged + 1, None)
    return positions
