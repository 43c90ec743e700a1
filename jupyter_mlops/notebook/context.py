"""What a notebook kernel knows about a run's context: the notebook path and the code so far."""

from __future__ import annotations

import os

from ..tracking.environment import NOTEBOOK_ENV, register_context_provider

_installed: set = set()


def notebook_path(shell) -> str | None:
    """The kernel's notebook: ipykernel's ``__session__``, Jupyter's JPY_SESSION_NAME, or ours."""
    return (
        os.environ.get(NOTEBOOK_ENV)
        or shell.user_ns.get("__session__")
        or os.environ.get("JPY_SESSION_NAME")
        or None
    )


def code_history(shell) -> str:
    """Every cell executed so far in this kernel, in execution order, as one Python file."""
    cells = shell.history_manager.input_hist_raw  # as typed, magics included (In holds translations)
    return "".join(f"# In[{n}]:\n{source.rstrip()}\n\n" for n, source in enumerate(cells) if n and source.strip())


def install_context(shell) -> None:
    """Register a provider so every run started in this kernel records its notebook and code."""
    if id(shell) in _installed:
        return
    _installed.add(id(shell))

    def provider() -> dict:
        tags = {"mlops.source.type": "notebook"}
        path = notebook_path(shell)
        if path:
            tags["mlops.source.notebook"] = str(path)
        history = code_history(shell)
        return {"tags": tags, "texts": {"code/history.py": history} if history else {}}

    register_context_provider(provider)
