"""``key=value`` pairs from a command line or a magic, typed the way a user expects.

A value that reads as JSON keeps its type (numbers, booleans, null, lists, objects); anything
else is text, so ``-p dataset=churn@3`` and ``-p alpha=0.1`` both do what they say.

>>> parse_parameters(["alpha=0.1", "dataset=churn@3", "fast=true"])
{'alpha': 0.1, 'dataset': 'churn@3', 'fast': True}
"""

from __future__ import annotations

import json

from ..errors import InvalidInput
from ..names import KINDS


def parse_parameters(pairs) -> dict:
    """Turn ``["key=value", ...]`` into a dict; a bad pair raises InvalidInput with an example."""
    parameters = {}
    for pair in pairs or ():
        key, sep, text = str(pair).partition("=")
        key = key.strip()
        if not sep or not KINDS["parameter"].pattern.fullmatch(key):
            raise InvalidInput(f"a parameter is key=value with a Python name as key, got {str(pair)[:80]!r}; "
                               "for example -p alpha=0.1")
        try:
            parameters[key] = json.loads(text)
        except ValueError:
            parameters[key] = text
    return parameters
