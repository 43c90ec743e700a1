"""Tests that keep the docs honest: docstrings, the README's schema and commands."""

from __future__ import annotations

import inspect
import re

import jupyter_mlops as ml
from jupyter_mlops.store import TABLES

from .conftest import ROOT


def test_every_public_verb_has_a_docstring_with_an_example():
    for name in ml.__all__:
        obj = getattr(ml, name)
        if name.startswith("__") or inspect.isclass(obj):
            continue
        doc = inspect.getdoc(obj) or ""
        assert doc, f"{name} has no docstring"
        assert ">>>" in doc or name.startswith(("log_", "set_tag", "end_run", "active_run", "restore_run")), f"{name} has no example"


def test_readme_documents_every_table_and_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    for table in TABLES:
        assert f"`{table}`" in readme, f"README does not document table {table}"
    setup = readme.split("##", 2)[1]
    assert "make demo" in setup and "make test" in setup


def test_ci_calls_make_test_only():
    lines = [ln for ln in (ROOT / ".ci" / "run").read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines[-1].strip() == "make test"
    assert not any(re.search(r"\bpip\b|\bapt", ln) for ln in lines)
