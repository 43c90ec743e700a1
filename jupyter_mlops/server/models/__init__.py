"""The REST API's wire records (pydantic), one module per area; ``openapi.json`` is generated from them.

A response model is named by what the endpoint answers (``ListRunsResponse``, ``RunDetail``), a
request body by its verb (``SetAliasRequest``).
"""

from __future__ import annotations

from . import common, datasets, drift, pipelines, registry, runs, servers

AREAS = (common, runs, datasets, drift, registry, pipelines, servers)


def all_models() -> list:
    """Every wire model, area by area, in the order its module declares them."""
    from pydantic import BaseModel

    return [
        value
        for area in AREAS
        for name, value in vars(area).items()
        if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == area.__name__
    ]
