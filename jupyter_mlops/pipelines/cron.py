"""Cron expressions, time zones and clocks: checked field by field, evaluated with croniter in a zone.

croniter's own errors say only that an expression "is not acceptable"; a schedule's author needs
to know which field is wrong and what it accepts, so each field is checked here first.

>>> check_cron("0 3 * * mon-fri")
'0 3 * * mon-fri'
>>> check_cron("0 25 * * *")
Traceback (most recent call last):
...
jupyter_mlops.errors.InvalidInput: cron '0 25 * * *': the hour field '25' is out of range 0-23
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from ..errors import InvalidInput, closest
from ..names import digits

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# name, lowest, highest, names (their index + offset is the value)
FIELDS = (
    ("minute", 0, 59, (), 0),
    ("hour", 0, 23, (), 0),
    ("day-of-month", 1, 31, (), 0),
    ("month", 1, 12, MONTHS, 1),
    ("day-of-week", 0, 7, DAYS, 0),
)
ALIASES = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}
LAYOUT = "minute hour day-of-month month day-of-week, e.g. '0 3 * * *' (03:00 every day)"


def _value(text: str, field: tuple, expr: str, item: str) -> int:
    name, low, high, names, offset = field
    lowered = text.lower()
    if names and lowered in names:
        return names.index(lowered) + offset
    value = digits(text, 4)
    if value is None:
        allowed = f"a number {low}-{high}" + (f" or a name {names[0]}-{names[-1]}" if names else "")
        raise InvalidInput(f"cron {expr!r}: the {name} field {item!r} is not {allowed}")
    if not low <= value <= high:
        raise InvalidInput(f"cron {expr!r}: the {name} field {item!r} is out of range {low}-{high}")
    return value


def _check_item(item: str, field: tuple, expr: str) -> None:
    name, low, high, _, _ = field
    if item in ("*", "?") and (item == "*" or name in ("day-of-month", "day-of-week")):
        return
    if name == "day-of-month" and item.upper() == "L":
        return  # the last day of the month
    if name == "day-of-week" and "#" in item:  # e.g. 1#2: the second Monday
        day, _, nth = item.partition("#")
        _value(day, field, expr, item)
        if nth not in ("1", "2", "3", "4", "5"):
            raise InvalidInput(f"cron {expr!r}: the {name} field {item!r} needs a week number 1-5 after '#', "
                               "e.g. '1#2'")
        return
    base, slash, step = item.partition("/")
    if slash:
        if not digits(step, 4):
            raise InvalidInput(f"cron {expr!r}: the {name} field {item!r} needs a step of 1 or more after '/', "
                               "e.g. '*/15'")
        if int(step) > high - low + (name == "day-of-week"):
            raise InvalidInput(f"cron {expr!r}: the {name} field {item!r} has a step larger than its range "
                               f"{low}-{high}")
        if base == "*":
            return
    start, dash, end = base.partition("-")
    if not start or (dash and not end):
        raise InvalidInput(f"cron {expr!r}: the {name} field {item!r} is not a value, range (a-b), step (*/n) or '*'")
    _value(start, field, expr, item)
    if dash:
        _value(end, field, expr, item)


def check_cron(expr) -> str:
    """Return ``expr`` (stripped) if it is a valid 5-field cron expression or alias, else InvalidInput.

    >>> check_cron("@daily")
    '@daily'
    """
    if not isinstance(expr, str) or not expr.strip():
        raise InvalidInput(f"cron must be text with 5 fields: {LAYOUT}; got {expr!r}")
    expr = " ".join(expr.split())
    if expr.startswith("@"):
        if expr.lower() not in ALIASES:
            hint = closest(expr.lower(), ALIASES)
            raise InvalidInput(f"cron {expr!r} is not a known alias{hint}{' a' if hint else '; a'}liases: "
                               f"{', '.join(ALIASES)}")
        return expr
    fields = expr.split(" ")
    if len(fields) != len(FIELDS):
        extra = " (seconds are not supported)" if len(fields) == 6 else ""
        count = f"{len(fields)} field" + ("s" if len(fields) > 1 else "")
        raise InvalidInput(f"cron {expr!r} has {count}{extra}; write 5: {LAYOUT}")
    for text, field in zip(fields, FIELDS):
        for item in text.split(","):
            if not item:
                raise InvalidInput(f"cron {expr!r}: the {field[0]} field {text!r} has an empty item between commas")
            _check_item(item, field, expr)
    next_after(expr, datetime(2000, 1, 1, tzinfo=timezone.utc))  # croniter's own check; and it must ever fire
    return expr


def _croniter(expr: str, start: datetime):
    from croniter import croniter

    try:
        return croniter(ALIASES.get(expr.lower(), expr), start)
    except (ValueError, KeyError) as e:  # croniter's errors derive from ValueError
        raise InvalidInput(f"cron {expr!r} is not valid ({e}); write 5 fields: {LAYOUT}") from None


def check_timezone(name) -> str:
    """Return ``name`` if it is an IANA time zone (``Europe/Paris``, ``UTC``), else InvalidInput.

    >>> check_timezone("Europe/Pariss")
    Traceback (most recent call last):
    ...
    jupyter_mlops.errors.InvalidInput: unknown timezone 'Europe/Pariss'; did you mean 'Europe/Paris'? Use an IANA ...
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    if isinstance(name, str) and name:
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    zones = sorted(available_timezones())
    same_but_case = [z for z in zones if isinstance(name, str) and z.lower() == name.lower()]
    hint = closest(name, zones) if isinstance(name, str) else ""
    if same_but_case:
        hint = f"; did you mean '{same_but_case[0]}'?"
    fix = " Use" if hint else "; use"
    raise InvalidInput(f"unknown timezone {name!r}{hint}{fix} an IANA name such as 'UTC' or 'Europe/Paris'")


def _zone(tz: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)


def next_after(expr: str, after: datetime, tz: str = "UTC") -> datetime:
    """The first occurrence of ``expr`` strictly after ``after``, evaluated in ``tz``; aware, in UTC.

    >>> next_after("0 9 * * *", datetime(2030, 1, 1, 12, tzinfo=timezone.utc), "America/New_York")
    datetime.datetime(2030, 1, 1, 14, 0, tzinfo=datetime.timezone.utc)
    """
    from croniter import CroniterBadDateError

    try:
        found = _croniter(expr, after.astimezone(_zone(tz))).get_next(datetime)
    except CroniterBadDateError:
        raise InvalidInput(f"cron {expr!r} never fires (no such date, e.g. 31 February); "
                           f"check the day-of-month and month fields") from None
    return found.astimezone(timezone.utc)


def latest_at_or_before(expr: str, now: datetime, tz: str = "UTC") -> datetime:
    """The most recent occurrence of ``expr`` at or before ``now``, evaluated in ``tz``; aware, in UTC.

    >>> latest_at_or_before("*/5 * * * *", datetime(2030, 1, 1, 12, 7, tzinfo=timezone.utc))
    datetime.datetime(2030, 1, 1, 12, 5, tzinfo=datetime.timezone.utc)
    """
    start = now.astimezone(_zone(tz)) + timedelta(microseconds=1)  # croniter's get_prev is strict
    return _croniter(expr, start).get_prev(datetime).astimezone(timezone.utc)


def count_between(expr: str, after: datetime, until: datetime, tz: str = "UTC", limit: int = 10_000) -> int:
    """How many occurrences fall in ``(after, until]`` (at most ``limit``): the size of a missed stretch.

    >>> start = datetime(2030, 1, 1, tzinfo=timezone.utc)
    >>> count_between("* * * * *", start, start + timedelta(minutes=5))
    5
    """
    it = _croniter(expr, after.astimezone(_zone(tz)))
    count = 0
    while count < limit and it.get_next(datetime) <= until:
        count += 1
    return count


def to_db(moment: datetime) -> datetime:
    """An aware datetime as the store keeps it: naive UTC."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def from_db(value) -> datetime | None:
    """A stored timestamp (naive UTC) or an ISO text as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def iso(moment: datetime | None) -> str | None:
    """UTC ISO text of an aware datetime, as kept in JSON state (``2030-01-01T12:00:00+00:00``)."""
    return None if moment is None else moment.astimezone(timezone.utc).isoformat()


def real_clock() -> datetime:
    return datetime.now(timezone.utc)


class FileClock:
    """A clock read from a file holding an ISO timestamp (re-read at each call): tests drive time.

    >>> clock = FileClock("/tmp/now.txt"); clock()      # doctest: +SKIP
    datetime.datetime(2030, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)
    """

    def __init__(self, path):
        self.path = str(path)
        self._last: datetime | None = None
        self._stamp = None
        self()  # fail now, not at the first tick, when the file is missing or not a time

    def __call__(self) -> datetime:
        try:
            self._stamp = os.stat(self.path).st_mtime_ns
            with open(self.path) as f:
                text = f.read().strip()
            value = datetime.fromisoformat(text)
        except (OSError, ValueError) as e:
            if self._last is not None:
                return self._last  # being rewritten: keep the previous time
            raise InvalidInput(f"--clock-file {self.path}: cannot read an ISO time from it ({e})") from None
        self._last = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return self._last

    def changed(self) -> bool:
        try:
            return os.stat(self.path).st_mtime_ns != self._stamp
        except OSError:
            return False
