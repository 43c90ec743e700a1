"""Model names, aliases and references: ``churn``, ``churn/3``, ``churn@champion``, ``models:/churn/3``.

>>> parse_model_ref("churn/3")
ModelRef(name='churn', version=3, alias=None)
>>> parse_model_ref("models:/churn@champion")
ModelRef(name='churn', version=None, alias='champion')
>>> parse_model_ref("churn")
ModelRef(name='churn', version=None, alias=None)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInput
from ..names import INT32_MAX, KINDS, ascii_int, check_name

RESERVED_ALIASES = KINDS["alias"].reserved


@dataclass(frozen=True)
class ModelRef:
    """A parsed reference: a version number, an alias, or neither (the latest live version)."""

    name: str
    version: int | None = None
    alias: str | None = None


def check_model_name(name) -> str:
    """Return ``name`` if it is a valid model name, else InvalidInput saying what is allowed (``names.KINDS``)."""
    return check_name("model", name)


def check_alias(alias) -> str:
    """Return ``alias`` if it is a valid alias (a letter, then letters, digits, '_' or '-'; not 'latest')."""
    return check_name("alias", alias)


def check_version(version, name: str) -> int:
    """A version number as int (``3`` or ``"3"``, ASCII digits only), else InvalidInput."""
    try:
        return ascii_int(version, "version", minimum=1, maximum=INT32_MAX)
    except InvalidInput:
        raise InvalidInput(f"a version of model {name!r} is a positive whole number, e.g. 3; "
                           f"got {str(version)[:40]!r}") from None


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
    try:
        number = ascii_int(version, "version", minimum=1, maximum=INT32_MAX)
    except InvalidInput:
        raise InvalidInput(f"the version in {ref[:80]!r} must be a positive number, 'latest' or an alias: "
                           f"'{name}/2' or '{name}@champion'") from None
    return ModelRef(name, version=number)
