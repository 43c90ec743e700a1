"""Dataset names and references: ``churn``, ``churn@3``, ``churn@latest``.

>>> parse_ref("churn@3")
('churn', 3)
>>> parse_ref("churn")
('churn', None)
"""

from __future__ import annotations

import re

from ..errors import InvalidInput

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")


def check_name(name) -> str:
    """Return ``name`` if it is a valid dataset name, else InvalidInput saying what is allowed."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInput(
            f"dataset name {name!r} is not valid: use 1-128 letters, digits, '_', '-' or '.', "
            "starting with a letter or digit (e.g. 'churn' or 'churn_2026')"
        )
    return name


def parse_ref(ref) -> tuple[str, int | None]:
    """``'name@3'`` -> ``('name', 3)``; ``'name'`` and ``'name@latest'`` -> ``('name', None)``."""
    if not isinstance(ref, str):
        raise InvalidInput(f"a dataset is named like 'churn', 'churn@3' or 'churn@latest', got {ref!r}")
    name, _, version = ref.partition("@")
    check_name(name)
    if version in ("", "latest"):
        return name, None
    if not version.isdigit() or int(version) < 1:
        raise InvalidInput(f"dataset version in {ref!r} must be a positive number or 'latest', e.g. '{name}@2'")
    return name, int(version)
