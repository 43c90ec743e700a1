"""Dataset names and references: ``churn``, ``churn@3``, ``churn@latest``.

>>> parse_ref("churn@3")
('churn', 3)
>>> parse_ref("churn")
('churn', None)
"""

from __future__ import annotations

from ..errors import InvalidInput
from ..names import INT32_MAX, ascii_int, check_name as _check_name


def check_name(name) -> str:
    """Return ``name`` if it is a valid dataset name, else InvalidInput saying what is allowed (``names.KINDS``)."""
    return _check_name("dataset", name)


def parse_ref(ref) -> tuple[str, int | None]:
    """``'name@3'`` -> ``('name', 3)``; ``'name'`` and ``'name@latest'`` -> ``('name', None)``."""
    if not isinstance(ref, str):
        raise InvalidInput(f"a dataset is named like 'churn', 'churn@3' or 'churn@latest', got {ref!r}")
    name, _, version = ref.partition("@")
    check_name(name)
    if version in ("", "latest"):
        return name, None
    try:
        return name, ascii_int(version, "dataset version", minimum=1, maximum=INT32_MAX)
    except InvalidInput:
        raise InvalidInput(f"dataset version in {ref[:80]!r} must be a positive number or 'latest', "
                           f"e.g. '{name}@2'") from None
