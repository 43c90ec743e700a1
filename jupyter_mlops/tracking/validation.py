"""Checks on what users log, each failing with a message that names the fix.

Decisions (documented in the README):

- keys are 1-250 characters, any Unicode except control and format characters, no leading/trailing
  space (``names.KINDS``);
- metric values must be real numbers; NaN and +/-inf are kept faithfully as logged;
- params and tags are stored as text, at most 65,536 characters (larger values belong in
  ``log_text`` / ``log_dict``, which store them as artifacts);
- steps are whole numbers within int64; timestamps are epoch milliseconds from 1990-01-01 to
  2200-01-01 UTC. Anything else is refused at the call, so nothing the store cannot hold reaches the
  spool (a seconds, microseconds or nanoseconds value is named as such).

>>> metric_value("acc", 0.5)
0.5
"""

from __future__ import annotations

import math
import numbers

from ..errors import InvalidInput
from ..names import INT64_MAX, INT64_MIN, check_name, shown

MAX_KEY = 250  # names.KINDS['metric'|'param'|'tag'].max_length
MAX_VALUE = 65_536
TIMESTAMP_MIN_MS = 631_152_000_000  # 1990-01-01 UTC
TIMESTAMP_MAX_MS = 7_258_118_400_000  # 2200-01-01 UTC
_valid_keys: set = set()


def check_key(kind: str, key) -> str:
    """Return ``key`` if it is a valid metric/param/tag name; raise InvalidInput otherwise (``names.check_name``)."""
    if type(key) is str and key in _valid_keys:  # the hot path: a key this process already logged
        return key
    check_name(kind, key)
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
        except OverflowError:
            raise InvalidInput(f"metric '{key}' is too large for a float (over 1.8e308); log it scaled "
                               "or as text with set_tag") from None
        except (TypeError, ValueError):
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
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate cannot be written to the spool
            raise InvalidInput(f"{kind} '{key}' holds U+{ord(text[exc.start]):04X}, which is not valid Unicode; "
                               "clean it, e.g. value.encode('utf-8', 'replace').decode()") from None
    return text


def _to_text(value) -> str:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return repr(value)
    return str(value)


def step_value(step) -> int:
    """Return ``step`` as an int within int64 (the ``metrics.step`` column is BIGINT).

    >>> step_value(3)
    3
    >>> step_value(2**63)
    Traceback (most recent call last):
    ...
    jupyter_mlops.errors.InvalidInput: step 9223372036854775808 does not fit the store: steps are whole numbers from -9223372036854775808 to 9223372036854775807
    """
    if type(step) is int and INT64_MIN <= step <= INT64_MAX:
        return step
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise InvalidInput(f"step must be a whole number, e.g. step=epoch, got {shown(step)}")
    step = int(step)
    if not INT64_MIN <= step <= INT64_MAX:
        raise InvalidInput(f"step {step} does not fit the store: steps are whole numbers from {INT64_MIN} "
                           f"to {INT64_MAX}")
    return step


def timestamp_value(timestamp) -> int:
    """Return ``timestamp`` (epoch milliseconds) as an int within 1990-01-01 .. 2200-01-01 UTC.

    A value in the range when read as seconds, microseconds or nanoseconds is refused with that
    unit named, since that is the usual mistake (``time.time()``, ``time.time_ns()``).

    >>> timestamp_value(1733000000000)
    1733000000000
    >>> timestamp_value(1733000000)
    Traceback (most recent call last):
    ...
    jupyter_mlops.errors.InvalidInput: timestamp 1733000000 looks like seconds; log_metric takes epoch milliseconds, e.g. int(time.time() * 1000)
    """
    if type(timestamp) is int and TIMESTAMP_MIN_MS <= timestamp <= TIMESTAMP_MAX_MS:
        return timestamp
    if isinstance(timestamp, bool) or not isinstance(timestamp, numbers.Real):
        raise InvalidInput(f"timestamp must be epoch milliseconds, e.g. int(time.time() * 1000), "
                           f"got {shown(timestamp)}")
    try:
        number = int(timestamp)
    except (ValueError, OverflowError):  # NaN, infinity
        raise InvalidInput(f"timestamp must be epoch milliseconds, e.g. int(time.time() * 1000), "
                           f"got {shown(timestamp)}") from None
    if TIMESTAMP_MIN_MS <= number <= TIMESTAMP_MAX_MS:
        return number
    for unit, factor in (("seconds", 1e-3), ("microseconds", 1e3), ("nanoseconds", 1e6)):
        if TIMESTAMP_MIN_MS <= number / factor <= TIMESTAMP_MAX_MS:
            raise InvalidInput(f"timestamp {number} looks like {unit}; log_metric takes epoch milliseconds, "
                               "e.g. int(time.time() * 1000)")
    raise InvalidInput(f"timestamp {str(number)[:40]} is not epoch milliseconds from 1990 to 2200; "
                       "log_metric takes e.g. int(time.time() * 1000), or no timestamp for now")
