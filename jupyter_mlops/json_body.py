"""Decoding a request body as JSON within limits: size, nesting depth and finite numbers.

Both HTTP adapters (the Jupyter REST extension and the model server) decode their bodies here, so a
hostile body (100,000 nested brackets, a megabyte-long number, ``NaN``) is one typed error with a
one-line message naming the fix, never a ``RecursionError`` deep in a handler. The depth is measured
before parsing, without recursion, in a few linear passes over the bytes; the standard parser's own
recursion guard backs it up.

>>> loads(b'{"version": 3}')
{'version': 3}
>>> loads(b"[" * 100_000)
Traceback (most recent call last):
...
jupyter_mlops.json_body.BodyInvalid: the request body nests deeper than 64 levels; send a flatter JSON document
"""

from __future__ import annotations

import json
import math

from .errors import InvalidInput

DEFAULT_MAX_DEPTH = 64
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')


class BodyInvalid(InvalidInput):
    """A request body that is not JSON, nests too deep or holds a number JSON cannot carry (HTTP 400)."""


class BodyTooLarge(InvalidInput):
    """A request body over the server's size limit (HTTP 413)."""

    http_status = 413


def nesting_depth(body: bytes) -> int:
    """How deep the brackets of a JSON text nest, counting only those outside strings.

    >>> nesting_depth(b'{"a": [1, {"b": "[[["}]}')
    3
    """
    import numpy as np

    # Escaped backslashes first, then escaped quotes, so every quote left opens or closes a string;
    # then only quotes and brackets are kept, and numpy sums the steps (a Python loop over a few MB
    # would cost as much as parsing it).
    marks = body.replace(b"\\\\", b"__").replace(b'\\"', b"__").translate(None, _NOT_STRUCTURE)
    if not marks:
        return 0
    codes = np.frombuffer(marks, dtype=np.uint8)
    outside = (np.cumsum(codes == ord('"')) & 1) == 0
    steps = (np.isin(codes, (ord("["), ord("{"))).astype(np.int64) - np.isin(codes, (ord("]"), ord("}")))) * outside
    return max(int(np.cumsum(steps).max()), 0)


def check_depth(raw: bytes, max_depth: int = DEFAULT_MAX_DEPTH, what: str = "the request body") -> None:
    """BodyInvalid when the JSON text ``raw`` nests deeper than ``max_depth`` (cheap when it has few brackets)."""
    if raw.count(b"[") + raw.count(b"{") > max_depth and nesting_depth(raw) > max_depth:
        raise BodyInvalid(f"{what} nests deeper than {max_depth} levels; send a flatter JSON document")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:30]} is too large for a float")
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON; send null for a missing value")


def loads(body: bytes | str, max_bytes: int | None = None, max_depth: int = DEFAULT_MAX_DEPTH,
          finite: bool = True, what: str = "the request body"):
    """The JSON value of ``body``; BodyTooLarge over ``max_bytes``, BodyInvalid when it is not JSON,
    nests deeper than ``max_depth`` or (with ``finite``) holds NaN, Infinity or a number beyond a float.

    >>> loads(b'{"x": 1e999}')
    Traceback (most recent call last):
    ...
    jupyter_mlops.json_body.BodyInvalid: the request body must be JSON (the number 1e999 is too large for a float); send a valid JSON document
    """
    raw = body.encode() if isinstance(body, str) else body
    if max_bytes is not None and len(raw) > max_bytes:
        raise BodyTooLarge(f"{what} is {len(raw):,} bytes, over this server's limit of {max_bytes:,} bytes; "
                           "send less per request")
    check_depth(raw, max_depth, what)
    try:
        return json.loads(raw, parse_constant=_no_constant, parse_float=_finite if finite else None)
    except UnicodeDecodeError:
        raise BodyInvalid(f"{what} is not UTF-8 text; send JSON encoded as UTF-8") from None
    except RecursionError:  # unreachable after the depth check; kept so no parser path can escape
        raise BodyInvalid(f"{what} nests too deep; send a flatter JSON document") from None
    except ValueError as error:  # includes int digits over Python's limit and json.JSONDecodeError
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise BodyInvalid(f"{what} must be JSON ({message}); send a valid JSON document") from None
