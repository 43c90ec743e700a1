"""The layers hold: the core loads no notebook UI, server or HTTP library, and the import contracts
in pyproject.toml ([tool.importlinter]) are kept, with proof that each kind of violation breaks them.

Everything runs in fresh processes: ``sys.modules`` of this test process is full of whatever
earlier tests imported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

CORE = ("drift", "registry", "pipelines", "datasets", "tracking", "store", "render", "autolog")
NOTEBOOK_AND_SERVER = ("ipywidgets", "IPython", "tornado", "jupyter_server")
HTTP = ("starlette", "uvicorn")
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def _loaded_after(statement: str, watched: tuple[str, ...]) -> list[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps([m for m in {list(watched)!r} if m in sys.modules]))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_the_core_loads_no_notebook_ui_server_or_http_library():
    statement = "import " + ", ".join(f"jupyter_mlops.{name}" for name in CORE)
    assert _loaded_after(statement, NOTEBOOK_AND_SERVER + HTTP) == []


def test_the_static_html_of_reports_cards_and_summaries_loads_no_widget_library():
    # The modules a headless scheduled job touches to render a drift report, a model card, a profile
    # or a pipeline summary (before issue 15, drift.html pulled in ipywidgets).
    modules = (
        "render.drift",
        "render.model_card",
        "render.dataset",
        "render.svg",
        "registry.card",
        "registry.policy",
        "pipelines.summary",
        "datasets.diff",
        "drift.report",
    )
    statement = "import " + ", ".join(f"jupyter_mlops.{name}" for name in modules)
    assert _loaded_after(statement, NOTEBOOK_AND_SERVER + HTTP) == []


def test_the_widget_views_do_load_ipywidgets():
    # The counter-check: the probe above sees ipywidgets when it is there.
    assert _loaded_after("import jupyter_mlops.widgets.drift", ("ipywidgets",)) == ["ipywidgets"]


def _lint_imports(cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--no-logo"], capture_output=True, text=True, timeout=300, cwd=cwd, env=env
    )


def test_the_import_contracts_are_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory):
    """A copy of the package's Python files and pyproject.toml, first on the path, to break on purpose."""
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(
        ROOT / "jupyter_mlops",
        root / "jupyter_mlops",
        ignore=shutil.ignore_patterns("__pycache__", "labextension", "*.json"),
    )
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


NOT_ALLOWED = "jupyter_mlops.{} is not allowed to import {}"


@pytest.mark.parametrize(
    "importer, bad_import, broken",
    [
        # the store reaching up into the core
        ("store/turns.py", "from ..tracking import runs", NOT_ALLOWED.format("store", "jupyter_mlops.tracking")),
        # the core reaching up into an adapter, into the notebook UI library, into the HTTP server
        ("drift/check.py", "from ..notebook import commands", NOT_ALLOWED.format("drift", "jupyter_mlops.notebook")),
        ("registry/versions.py", "import ipywidgets", NOT_ALLOWED.format("registry", "ipywidgets")),
        ("pipelines/runs.py", "import starlette", NOT_ALLOWED.format("pipelines", "starlette")),
        # a cycle between two core packages (datasets already imports tracking)
        ("tracking/search.py", "from ..datasets import refs", NOT_ALLOWED.format("tracking", "jupyter_mlops.datasets")),
        # the two module cycles broken in issue 15
        (
            "registry/policy.py",
            "from . import card",
            NOT_ALLOWED.format("registry.policy", "jupyter_mlops.registry.card"),
        ),
        (
            "notebook/commands.py",
            "from . import magics",
            NOT_ALLOWED.format("notebook.commands", "jupyter_mlops.notebook.magics"),
        ),
    ],
)
def test_a_bad_import_breaks_a_contract(package_copy, importer, bad_import, broken):
    path = package_copy / "jupyter_mlops" / importer
    original = path.read_text(encoding="utf-8")
    path.write_text(f"{original}\n{bad_import}  # a violation on purpose\n", encoding="utf-8")
    try:
        env = {**os.environ, "PYTHONPATH": str(package_copy), "COLUMNS": "400"}
        result = _lint_imports(package_copy, env)
    finally:
        path.write_text(original, encoding="utf-8")
    assert result.returncode != 0, result.stdout
    assert broken in " ".join(result.stdout.split()), result.stdout
