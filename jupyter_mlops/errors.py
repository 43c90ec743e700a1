"""Typed errors raised by the core API.

Every message names the problem and the fix in one line, because the adapters show it as is:
a magic prints it as a one-line UsageError, the REST API returns it as a JSON ``message`` with
the status below, and the CLI prints it and exits with code 2.

>>> from jupyter_mlops.errors import NotFound
>>> raise NotFound("run 'abc' does not exist; list runs with search_runs()")
Traceback (most recent call last):
...
jupyter_mlops.errors.NotFound: run 'abc' does not exist; list runs with search_runs()
"""

from __future__ import annotations

import difflib


class MlopsError(Exception):
    """Base of every error the core raises on purpose. ``http_status`` is used by the REST adapter."""

    http_status = 400


class InvalidInput(MlopsError, ValueError):
    """The caller passed something the API cannot accept (a bad key, value, option or name)."""


class InvalidFilter(InvalidInput):
    """A ``where`` / ``order_by`` expression could not be parsed; the message points at the token."""


class NotFound(MlopsError, LookupError):
    """A named thing (run, experiment, dataset, model, version) does not exist."""

    http_status = 404


class AlreadyExists(MlopsError):
    """Creating something whose name is already taken."""

    http_status = 409


class StoreBusy(MlopsError):
    """Another process held the store's database lock for longer than the wait allows."""

    http_status = 503


class StoreNotWritable(MlopsError):
    """The store folder cannot be created or written."""

    http_status = 503  # the service cannot work until the store is fixed: not the request's fault


class StoreTooNew(MlopsError):
    """The store was written by a newer jupyter-mlops whose schema this version does not know."""

    http_status = 503  # the service cannot work until the store is fixed: not the request's fault


class StoreFull(MlopsError):
    """The device holding the store has no space left; nothing that returned before is lost."""

    http_status = 507


class StoreCorrupt(MlopsError):
    """The store's database file cannot be read (truncated or overwritten); the message names the fix."""

    http_status = 503  # the service cannot work until the store is fixed: not the request's fault


class PipelineFailed(MlopsError):
    """A pipeline run failed; ``.run`` is the recorded ``PipelineRun`` (its executed notebook is kept)."""

    http_status = 422

    def __init__(self, message: str, run=None):
        super().__init__(message)
        self.run = run


def closest(name: str, choices) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest choice, or ``""`` when nothing is close.

    >>> closest("acuracy", ["accuracy", "loss"])
    "; did you mean 'accuracy'?"
    """
    match = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
    return f"; did you mean '{match[0]}'?" if match else ""


def one_line(message) -> str:
    r"""Fold a multi-line message (e.g. a filter error with its caret line) into one line.

    A first line ending in ':' runs on into the next (the text it introduces); later lines,
    such as a hint, are set off with ' -- '.

    >>> one_line("bad token at column 3 in filter:\n  a >> b\n    ^^\nexpected one of: =, <")
    'bad token at column 3 in filter: a >> b -- expected one of: =, <'
    """
    lines = [ln.strip() for ln in str(message).splitlines() if ln.strip() and set(ln.strip()) != {"^"}]
    if len(lines) > 1 and lines[0].endswith(":"):
        lines[:2] = [f"{lines[0]} {lines[1]}"]
    return " -- ".join(lines)
