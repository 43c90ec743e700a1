"""The Jupyter server extension: a REST API under ``/mlops/api/v1/`` for the JupyterLab sidebar.

Enabled by the config file the package installs; every endpoint requires Jupyter's
authentication. The store is the one the location rule finds from the server's root folder;
the server exports it as ``MLOPS_HOME`` so the kernels it starts log into the same store.
"""

from __future__ import annotations

import os


def _jupyter_server_extension_points():
    return [{"module": "jupyter_mlops.server"}]


def _load_jupyter_server_extension(serverapp) -> None:
    from ..store.location import HOME_ENV, resolve_home
    from .handlers import setup_handlers

    if not os.environ.get(HOME_ENV):
        os.environ[HOME_ENV] = str(resolve_home(serverapp.root_dir))
    setup_handlers(serverapp.web_app)
    serverapp.log.info("jupyter-mlops: REST API at /mlops/api/v1/, store %s", os.environ[HOME_ENV])


# Older entry-point names used by jupyter_server < 2.
load_jupyter_server_extension = _load_jupyter_server_extension
