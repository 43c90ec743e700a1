"""One validation for every kind of name, and ASCII-only number parsing.

Run, experiment, pipeline, dataset, model, alias, schedule, artifact, tag, param and metric names
all pass through ``check_name``, so the same rules hold everywhere: a pattern is matched against the
whole string (``"x\\n"`` is not ``"x"``), NUL, control and invisible format characters are refused,
and every kind has a length limit. Each refusal is one line naming the kind, what is allowed and an
example. ``KINDS`` is the table; the README's "Names" section describes it.

>>> check_name("dataset", "churn_2026")
'churn_2026'
>>> check_name("dataset", "churn\\n")
Traceback (most recent call last):
...
jupyter_mlops.errors.InvalidInput: dataset name 'churn\\n' is not valid: use 1-128 letters, digits, '_', '-' or '.', starting with a letter or digit (e.g. 'churn' or 'churn_2026')
>>> ascii_int("42", "version")
42
>>> ascii_int("²", "version")
Traceback (most recent call last):
...
jupyter_mlops.errors.InvalidInput: version must be a whole number written with the digits 0-9, got '²'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from .errors import InvalidInput

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
INT32_MAX = 2**31 - 1

# Control (Cc), format (Cf: bidi overrides, zero-width spaces, BOM), surrogates (Cs) and the line and
# paragraph separators (Zl, Zp) break one-line messages, terminals and look-alike checks. The zero-width
# (non-)joiners are Cf too but are needed to write Persian, Indic scripts and emoji sequences.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_JOINERS = frozenset("\u200c\u200d")
_TEXT_RULE = "characters of text (no control characters or surrounding spaces)"


@dataclass(frozen=True)
class NameKind:
    """How one kind of name is spelled: ``pattern`` (None: free text), the length limit and an example."""

    label: str  # how messages name it: "dataset name"
    max_length: int
    example: str
    pattern: re.Pattern | None = None  # matched with fullmatch, so "x\n" is refused
    allowed: str = ""  # what the pattern allows, in words
    reserved: tuple = ()


_IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}")
_IDENT_WORDS = "1-128 letters, digits, '_', '-' or '.', starting with a letter or digit"

KINDS: dict[str, NameKind] = {
    "run": NameKind("run name", 250, "'baseline-rf'"),
    "experiment": NameKind("experiment name", 250, "'churn'"),
    "pipeline": NameKind("pipeline name", 250, "'nightly-retrain'"),
    "metric": NameKind("metric key", 250, "'accuracy'"),
    "param": NameKind("param key", 250, "'learning_rate'"),
    "tag": NameKind("tag key", 250, "'team'"),
    "dataset": NameKind("dataset name", 128, "'churn' or 'churn_2026'", _IDENT, _IDENT_WORDS),
    "model": NameKind("model name", 128, "'churn' or 'churn_rf'", _IDENT, _IDENT_WORDS),
    "schedule": NameKind("schedule name", 128, "'nightly-retrain'", _IDENT, _IDENT_WORDS),
    "alias": NameKind("alias", 64, "'champion'", re.compile(r"[A-Za-z][A-Za-z0-9_\-]{0,63}"),
                      "1-64 letters, digits, '_' or '-', starting with a letter", ("latest",)),
    "parameter": NameKind("pipeline parameter", 100, "'alpha'", re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}"),
                          "a Python name of 1-100 ASCII letters, digits or '_', not starting with a digit"),
    "artifact": NameKind("artifact path", 1000, "'plots/roc.png'"),
}
ARTIFACT_PART_MAX = 255


def shown(value, limit: int = 60) -> str:
    """A value as messages show it: a short repr of text (escaped, so always one line), else its type.

    >>> shown("a\\nb")
    "'a\\\\nb'"
    >>> shown(7)
    'int 7'
    """
    if isinstance(value, str):
        return repr(value[:limit]) + (f"... ({len(value):,} characters)" if len(value) > limit else "")
    if isinstance(value, (int, float, bool)) or value is None:
        return f"{type(value).__name__} {value!r}"[:limit]
    return type(value).__name__


def refused_character(text: str) -> str | None:
    """The first character of ``text`` names must not hold (control, format, separator), or None.

    >>> refused_character("ok name")
    >>> refused_character("tab\\there")
    '\\t'
    """
    if text.isascii():
        if text.isprintable():
            return None
        return next(c for c in text if not c.isprintable())
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES and char not in _JOINERS:
            return char
    return None


def check_name(kind: str, value, what: str | None = None) -> str:
    """Return ``value`` if it is a valid name of ``kind`` (a key of ``KINDS``), else InvalidInput.

    ``what`` overrides how the message names it (e.g. ``"experiment"`` for an option of that name).

    >>> check_name("alias", "champion")
    'champion'
    >>> check_name("run", " padded")
    Traceback (most recent call last):
    ...
    jupyter_mlops.errors.InvalidInput: run name must be 1-250 characters of text (no control characters or surrounding spaces), e.g. 'baseline-rf'; got ' padded': it has surrounding spaces
    """
    rule = KINDS[kind]
    label = what or rule.label
    if rule.pattern is not None:
        if (not isinstance(value, str) or len(value) > rule.max_length or not rule.pattern.fullmatch(value)
                or value in rule.reserved):
            reserved = f"; {', '.join(rule.reserved)} is reserved" if rule.reserved else ""
            raise InvalidInput(f"{label} {shown(value)} is not valid: use {rule.allowed} "
                               f"(e.g. {rule.example}){reserved}")
        return value
    if kind == "artifact":
        return check_artifact_path(value, label)
    problem = _text_problem(value, rule.max_length)
    if problem:
        raise InvalidInput(f"{label} must be 1-{rule.max_length} {_TEXT_RULE}, e.g. {rule.example}; "
                           f"got {shown(value)}: {problem}")
    return value


def _text_problem(value, max_length: int) -> str | None:
    if not isinstance(value, str):
        return "it must be a string"
    if not value.strip():
        return "it is empty"
    if len(value) > max_length:
        return f"it is {len(value):,} characters, at most {max_length} are allowed"
    bad = refused_character(value)
    if bad is not None:
        return f"it holds the control character U+{ord(bad):04X}; remove it"
    if value != value.strip():
        return "it has surrounding spaces"
    return None


def check_artifact_path(value, what: str = "artifact path") -> str:
    """Return ``value`` if it is a relative artifact path that stays inside its run, else InvalidInput.

    ``\\`` counts as ``/``; the caller normalises the path (``PurePosixPath``) after this check.

    >>> check_artifact_path("plots/roc.png")
    'plots/roc.png'
    >>> check_artifact_path("../escape.txt")
    Traceback (most recent call last):
    ...
    jupyter_mlops.errors.InvalidInput: artifact path '../escape.txt' must be relative and stay inside the run (no '..'), e.g. 'plots/roc.png'
    """
    rule = KINDS["artifact"]
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} must be a non-empty string such as {rule.example}, got {shown(value)}")
    if len(value) > rule.max_length:
        raise InvalidInput(f"{what} {shown(value)} is too long: at most {rule.max_length} characters, "
                           f"e.g. {rule.example}")
    bad = refused_character(value)
    if bad is not None:
        raise InvalidInput(f"{what} {shown(value)} holds the control character U+{ord(bad):04X}; "
                           f"remove it (e.g. {rule.example})")
    posix = PurePosixPath(value.replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts:
        raise InvalidInput(f"{what} {shown(value)} must be relative and stay inside the run (no '..'), "
                           f"e.g. {rule.example}")
    if any(len(part) > ARTIFACT_PART_MAX for part in posix.parts):
        raise InvalidInput(f"{what} {shown(value)} has a folder or file name over {ARTIFACT_PART_MAX} characters; "
                           f"shorten it (e.g. {rule.example})")
    return value


def digits(text, max_length: int = 18) -> int | None:
    """The int written by ``text`` when it is 1-``max_length`` ASCII digits, else None (never raises).

    ``str.isdigit`` also accepts '²' or '٣', which ``int()`` then rejects or reads; this does not.

    >>> digits("007"), digits("²"), digits("-1"), digits("9" * 40)
    (7, None, None, None)
    """
    if isinstance(text, str) and 0 < len(text) <= max_length and text.isascii() and text.isdigit():
        return int(text)
    return None


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
        raise InvalidInput(f"{what} must be a whole number written with the digits 0-9, got {shown(value)}")
    if minimum is not None and number < minimum:
        raise InvalidInput(f"{what} must be at least {minimum}, got {number}")
    if number > maximum:
        raise InvalidInput(f"{what} must be at most {maximum}, got {number}")
    return number
