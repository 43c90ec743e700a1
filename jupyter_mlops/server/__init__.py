"""The Jupyter server extension: a REST API under ``/mlops/api/v1/`` for the JupyterLab sidebar.

Enabled by the config file the package installs; every endpoint requires Jupyter's
authentication. The store is the one the location rule finds from the server's root folder;
the server exports it as ``MLOPS_HOME`` so the kernels it starts log into the same store.
"""

from __future__ import annotations

import os

from traitlets import Bool
from traitlets.config import Configurable

RUN_SCHEDULER_ENV = "MLOPS_RUN_SCHEDULER"


class JupyterMlops(Configurable):
    """Server-side settings, e.g. in jupyter_server_config.py: ``c.JupyterMlops.run_scheduler = True``."""

    run_scheduler = Bool(False, config=True, help=(
        "Host the pipeline scheduler in a thread of this server (also set by MLOPS_RUN_SCHEDULER=1). "
        "Schedules then stop firing when the server stops; `jupyter-mlops scheduler` does not."))


def _jupyter_server_extension_points():
    return [{"module": "jupyter_mlops.server"}]


def _load_jupyter_server_extension(serverapp) -> None:
    from ..store.location import HOME_ENV, resolve_home
    from .handlers import setup_handlers

    if not os.environ.get(HOME_ENV):
        os.environ[HOME_ENV] = str(resolve_home(serverapp.root_dir))
    setup_handlers(serverapp.web_app)
    serverapp.log.info("jupyter-mlops: REST API at /mlops/api/v1/, store %s", os.environ[HOME_ENV])
    if JupyterMlops(parent=serverapp).run_scheduler or os.environ.get(RUN_SCHEDULER_ENV) == "1":
        from ..pipelines.scheduler import start_in_thread

        scheduler = serverapp.web_app.settings["mlops_scheduler"] = start_in_thread(os.environ[HOME_ENV])
        serverapp.log.info("jupyter-mlops: scheduler %s runs in this server", scheduler.scheduler_id)


# Older entry-point names used by jupyter_server < 2.
load_jupyter_server_extension = _load_jupyter_server_extension
