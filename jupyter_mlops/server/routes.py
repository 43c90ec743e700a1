"""Every REST route, collected in one place from the areas that declare them, and their registration.

An area's handlers module declares its routes as a list of ``(pattern, handler)``; this module
joins them (no registration by import side effect) and ``openapi_gen`` checks them against the
operations table. The fallback that answers any other path with a 404 JSON is added last.
"""

from __future__ import annotations

from jupyter_server.utils import url_path_join

from . import handlers, pipelines_handlers, serving_handlers
from .base import API, UnknownRouteHandler

ROUTES = [
    *handlers.RUNS,
    *handlers.DATASETS,
    *handlers.DRIFT,
    *handlers.MODELS,
    *pipelines_handlers.ROUTES,
    *serving_handlers.ROUTES,
]


def setup_handlers(web_app) -> None:
    """Register ``ROUTES`` under ``<base_url>mlops/api/v1``, then the 404 fallback."""
    base = web_app.settings["base_url"]
    routes = [(url_path_join(base, API + pattern), handler) for pattern, handler in ROUTES]
    routes.append((url_path_join(base, API + r"/(?P<path>.*)"), UnknownRouteHandler))  # last: the fallback
    web_app.add_handlers(".*$", routes)
