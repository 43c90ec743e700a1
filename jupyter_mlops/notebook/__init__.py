"""The IPython adapter: ``%load_ext jupyter_mlops`` registers ``%mlops`` / ``%%mlops``.

>>> get_ipython().run_line_magic("load_ext", "jupyter_mlops")   # doctest: +SKIP
"""

from __future__ import annotations


def load_ipython_extension(ipython) -> None:
    """Register the magics and the notebook context (notebook path, code history) for runs."""
    from .context import install_context
    from .magics import MlopsMagics

    ipython.register_magics(MlopsMagics)
    install_context(ipython)
