"""What a user gets from installing the package: both extensions enabled, versions in step."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jupyter_mlops

ROOT = Path(__file__).resolve().parents[1]
JUPYTER = str(Path(sys.executable).with_name("jupyter"))


def _run(*args: str) -> str:
    result = subprocess.run([JUPYTER, *args], capture_output=True, text=True, timeout=120)
    return result.stdout + result.stderr


def test_server_extension_is_enabled():
    listing = _run("server", "extension", "list")
    assert any("jupyter_mlops" in line and "enabled" in line for line in listing.splitlines()), listing
    assert "jupyter_mlops" in listing and "OK" in listing.split("jupyter_mlops", 1)[1][:200]


def test_labextension_is_installed_and_enabled():
    listing = _run("labextension", "list")
    line = next((ln for ln in listing.splitlines() if "jupyter-mlops" in ln), "")
    assert "enabled" in line and "OK" in line, listing


def test_python_and_javascript_versions_agree():
    package = json.loads((ROOT / "labextension" / "package.json").read_text())
    assert package["version"] == jupyter_mlops.__version__
