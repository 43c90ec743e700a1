"""Checks on what users log, each failing with a message that names the fix.

Decisions (documented in the README):

- keys are 1-250 characters, any Unicode except control characters, no leading/trailing space;
- metric values must be real numbers; NaN and +/-inf are kept faithfully as logged;
- params and tags are stored as text, at most 65,536 characters (larger values belong in
  ``log_text`` / ``log_dict``, which store them as artifacts).

>>> metric_value("acc", 0.5)
0.5
"""

from __future__ import annotations

import math
import numbers

from ..errors import InvalidInput

MAX_KEY = 250
MAX_VALUE = 65_536
_valid_keys: set = set()


def check_key(kind: str, key) -> str:
    """Return ``key`` if it is a valid metric/param/tag name; raise InvalidInput otherwise."""
    if key in _valid_keys:
        return key
    if not isinstance(key, str):
        raise InvalidInput(f"{kind} key must be a string, got {type(key).__name__} {key!r}")
    if not key or not key.strip():
        raise InvalidInput(f"{kind} key is empty; give it a name such as 'accuracy'")
    if len(key) > MAX_KEY:
        raise InvalidInput(
            f"{kind} key is {len(key)} characters; keys hold at most {MAX_KEY}: shorten '{key[:40]}...'"
        )
    if key != key.strip() or any(ord(c) < 32 or ord(c) == 127 for c in key):
        raise InvalidInput(f"{kind} key {key!r} has surrounding spaces or control characters; remove them")
    if len(_valid_keys) < 100_000:
        _valid_keys.add(key)
    return key


def metric_value(key: str, value) -> float:
    """Return ``value`` as a float; bools, numpy scalars and 0-d tensors are accepted."""
    if type(value) is float:
        return value
    if isinstance(value, numbers.Real) or (hasattr(value, "__float__") and not isinstance(value, (str, bytes))):
        try:
            return float(value)
        except (TypeError, ValueError, OverflowError):
            pass
    raise InvalidInput(
        f"metric '{key}' must be a number, got {type(value).__name__} {str(value)[:40]!r}; "
        "convert it with float(...) or log text with set_tag / log_text"
    )


def text_value(kind: str, key: str, value) -> str:
    """Return ``value`` as text for a param or tag, refusing values over the size limit."""
    text = value if isinstance(value, str) else _to_text(value)
    if len(text) > MAX_VALUE:
        raise InvalidInput(
            f"{kind} '{key}' is {len(text):,} characters; {kind}s hold at most {MAX_VALUE:,}. "
            f"Store large values as artifacts with log_text(value, '{key}.txt') or log_dict"
        )
    return text


def _to_text(value) -> str:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return repr(value)
    return str(value)


def step_value(step) -> int:
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise InvalidInput(f"step must be a whole number, got {step!r}")
    return int(step)
