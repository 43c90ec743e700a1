"""Model names, aliases and references: ``churn``, ``churn/3``, ``churn@champion``, ``models:/churn/3``.

>>> parse_model_ref("churn/3")
ModelRef(name='churn', version=3, alias=None)
>>> parse_model_ref("models:/churn@champion")
ModelRef(name='churn', version=None, alias='champion')
>>> parse_model_ref("churn")
ModelRef(name='churn', version=None, alias=None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InvalidInput

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
_ALIAS = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")
RESERVED_ALIASES = ("latest",)


@dataclass(frozen=True)
class ModelRef:
    """A parsed reference: a version number, an alias, or neither (the latest live version)."""

    name: str
    version: int | None = None
    alias: str | None = None


def check_model_name(name) -> str:
    """Return ``name`` if it is a valid model name, else InvalidInput saying what is allowed."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInput(
            f"model name {name!r} is not valid: use 1-128 letters, digits, '_', '-' or '.', "
            "starting with a letter or digit (e.g. 'churn' or 'churn_rf')"
        )
    return name


def check_alias(alias) -> str:
    """Return ``alias`` if it is a valid alias (a letter, then letters, digits, '_' or '-')."""
    if not isinstance(alias, str) or not _ALIAS.match(alias) or alias in RESERVED_ALIASES:
        raise InvalidInput(
            f"alias {alias!r} is not valid: use 1-64 letters, digits, '_' or '-', starting with a letter "
            f"(e.g. 'champion'); {', '.join(RESERVED_ALIASES)} is reserved"
        )
    return alias


def check_version(version, name: str) -> int:
    """A version number as int (``3`` or ``"3"``), else InvalidInput."""
    if isinstance(version, bool) or not isinstance(version, (int, str)) or not str(version).isdigit() or int(version) < 1:
        raise InvalidInput(f"a version of model {name!r} is a positive whole number, e.g. 3; got {version!r}")
    return int(version)


def parse_model_ref(ref) -> ModelRef:
    """Parse ``name``, ``name/<version>``, ``name/latest``, ``name@<alias>`` (``models:/`` prefix optional)."""
    if not isinstance(ref, str) or not ref:
        raise InvalidInput(f"a model is named like 'churn', 'churn/3' or 'churn@champion', got {ref!r}")
    text = ref[len("models:/"):] if ref.startswith("models:/") else ref
    if "@" in text:
        name, _, alias = text.partition("@")
        check_model_name(name)
        if alias == "latest":
            return ModelRef(name)
        return ModelRef(name, alias=check_alias(alias))
    name, slash, version = text.partition("/")
    check_model_name(name)
    if not slash or version == "latest":
        return ModelRef(name)
    if not version.isdigit() or int(version) < 1:
        raise InvalidInput(f"the version in {ref!r} must be a positive number, 'latest' or an alias: "
                           f"'{name}/2' or '{name}@champion'")
    return ModelRef(name, version=int(version))
