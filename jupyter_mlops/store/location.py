"""Where the store lives: one rule shared by every process.

``MLOPS_HOME`` if set, else the nearest ``.mlops/`` folder at or above the working directory,
else ``./.mlops/`` (created on first use). Child processes the product starts are handed the
resolved path through ``MLOPS_HOME``, so they write to the same store wherever they run.

>>> import os; os.environ["MLOPS_HOME"] = "/tmp/demo-store"
>>> resolve_home()
PosixPath('/tmp/demo-store')
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "MLOPS_HOME"
FOLDER_NAME = ".mlops"


def resolve_home(start: str | os.PathLike | None = None) -> Path:
    """Return the store folder for this process (it may not exist yet).

    >>> resolve_home("/tmp/project/notebooks")  # doctest: +SKIP
    PosixPath('/tmp/project/.mlops')
    """
    explicit = os.environ.get(HOME_ENV)
    if explicit:
        return Path(explicit).expanduser().absolute()
    here = Path(start or os.getcwd()).absolute()
    for folder in (here, *here.parents):
        candidate = folder / FOLDER_NAME
        if candidate.is_dir():
            return candidate
    return here / FOLDER_NAME
