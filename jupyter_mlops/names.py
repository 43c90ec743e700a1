"""One validation for every kind of name, and ASCII-only number parsing.

Run, experiment, dataset, model, alias, schedule, pipeline, artifact, tag, param and metric names
all pass through here, so the same rules hold everywhere: the pattern is matched against the whole
string (``"x\\n"`` is not ``"x"``), NUL and control characters are refused, and every kind has a
length limit. Each refusal is one line naming what is allowed.

>>> ascii_int("42", "version")
42
>>> ascii_int("²", "version")
Traceback (most recent call last):
...
jupyter_mlops.errors.InvalidInput: version must be a whole number written with the digits 0-9, got '²'
"""

from __future__ import annotations

from .errors import InvalidInput

INT64_MAX = 2**63 - 1


def ascii_int(value, what: str, *, minimum: int | None = None, maximum: int = INT64_MAX) -> int:
    """Parse an int from an ``int`` or a string of ASCII digits (optional leading '-'); bounded to int64."""
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit() and value.count("-") <= 1 \
            and len(value) <= 20:
        number = int(value)
    else:
        number = None
    if number is None:
        raise InvalidInput(f"{what} must be a whole number written with the digits 0-9, got {value!r}"[:300])
    if minimum is not None and number < minimum:
        raise InvalidInput(f"{what} must be at least {minimum}, got {number}")
    if number > maximum:
        raise InvalidInput(f"{what} must be at most {maximum}, got {number}")
    return number
