"""One way to name a thing: its full id, a unique prefix of the id, or (where it has one) its name.

Runs, pipeline runs, drift reports and model servers are all named so. Each caller says how to look
the three up (``exact``, ``by_prefix``, ``by_name``: callables that return matching ids) and what to
list when nothing matches; the rules and the messages live here.

>>> ids = ["3f2a9c1b77", "3f2a0000aa", "9d0e1c2b33"]
>>> def look(ref):
...     return resolve_ref(ref, "run", exact=lambda r: [i for i in ids if i == r],
...                        by_prefix=lambda p: [i for i in ids if i.startswith(p)],
...                        candidates=lambda: ids, listing="list runs with search_runs()")
>>> look("9d0e"), look("3f2a9")
('9d0e1c2b33', '3f2a9c1b77')
>>> look("3f2a")
Traceback (most recent call last):
...
jupyter_mlops.errors.InvalidInput: '3f2a' matches several runs (3f2a9c1b..., 3f2a0000...); give more of the run id
>>> look("3f2")
Traceback (most recent call last):
...
jupyter_mlops.errors.InvalidInput: give at least 4 characters of the run id, got '3f2'
>>> look("ffff")
Traceback (most recent call last):
...
jupyter_mlops.errors.NotFound: no run 'ffff'; list runs with search_runs()
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .errors import InvalidInput, NotFound, closest

Lookup = Callable[[str], Sequence[str]]


def resolve_ref(
    ref,
    kind: str,
    *,
    exact: Lookup,
    by_prefix: Lookup,
    candidates: Callable[[], Sequence[str]],
    listing: str,
    by_name: Lookup | None = None,
    min_prefix: int = 4,
    plural: str | None = None,
    named_by: str | None = None,
    show: Callable[[str], str] = lambda i: i[:8] + "...",
) -> str:
    """The one id ``ref`` names: exact id, then unique prefix (``min_prefix``+ characters), then name.

    ``by_name`` may return several ids (names need not be unique): that is ambiguous, as a prefix
    matching several ids is. NotFound suggests the closest of ``candidates()`` and ends with ``listing``
    (how to list them). ``show`` renders a matching id in the ambiguity message.
    """
    plural = plural or f"{kind}s"
    if not isinstance(ref, str) or not ref.strip():
        forms = "its id, a unique id prefix or its name" if by_name else "its id (or a unique prefix of it)"
        raise InvalidInput(named_by or f"a {kind} is named by {forms}; got {ref!r}")
    if found := list(exact(ref)):
        return found[0]
    if len(ref) < min_prefix and by_name is None:
        raise InvalidInput(f"give at least {min_prefix} characters of the {kind} id, got {ref!r}")
    matches = list(by_prefix(ref)) if len(ref) >= min_prefix else []
    if not matches and by_name is not None:
        matches = list(by_name(ref))
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise InvalidInput(
            f"{ref!r} matches several {plural} ({', '.join(show(m) for m in matches)}); give more of the {kind} id"
        )
    raise NotFound(f"no {kind} {ref!r}{closest(ref, list(candidates()))}; {listing}")
