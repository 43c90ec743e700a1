"""Shared fixtures: every test gets its own real store in a temp folder."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import json
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh store folder, made the current store through MLOPS_HOME; state reset afterwards."""
    from jupyter_mlops.tracking import runs

    store_home = (tmp_path / "store").absolute()
    monkeypatch.setenv("MLOPS_HOME", str(store_home))
    monkeypatch.delenv("MLOPS_EXPERIMENT", raising=False)
    monkeypatch.delenv("MLOPS_PARENT_RUN_ID", raising=False)
    monkeypatch.setenv("MLOPS_CAPTURE", "0")  # exact-content tests; capture has its own tests
    yield store_home
    while runs._stack:
        runs._stack[-1].end("finished")
    runs._experiment = None
    forget_store(store_home)


def forget_store(home: Path) -> None:
    """Close this process's handle on the store at ``home`` (its database and its spool writer), so
    another process (a Jupyter server, a model server) owns it from here on, or the next test starts clean."""
    from jupyter_mlops.store import database

    store = database._STORES.pop(Path(home).absolute(), None)
    if store is not None:
        store.release()
        store.close_writer()


def python_code(code: str, home: Path, *, wait: bool = True, env: dict | None = None, **kwargs):
    """Run ``code`` in a real child Python process logging into the store at ``home``."""
    env = {**os.environ, "MLOPS_HOME": str(home), **(env or {})}
    args = [sys.executable, "-c", textwrap.dedent(code)]
    if wait:
        return subprocess.run(args, env=env, capture_output=True, text=True, timeout=240, **kwargs)
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.fixture
def jp_server_config(home):
    """A real in-process Jupyter server (pytest-jupyter's jp_serverapp) with our extension enabled."""
    return {"ServerApp": {"jpserver_extensions": {"jupyter_mlops": True}}}


@pytest.fixture
def api(jp_fetch):
    """``await api("/runs", expect=200)``: call the REST API through the server, check the status, return JSON."""
    import tornado.httpclient

    async def call(path, method="GET", params=None, body=None, expect=200, **kwargs):
        try:
            response = await jp_fetch(*("mlops/api/v1" + path).split("/"), method=method, params=params,
                                      body=body if body is not None or method == "GET" else "", **kwargs)
        except tornado.httpclient.HTTPClientError as error:
            response = error.response
        assert response.code == expect, response.body
        return json.loads(response.body)

    return call


@pytest.fixture(scope="module")
def shell():
    """An in-process IPython shell with ``%load_ext jupyter_mlops`` done."""
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "jupyter_mlops")
    return ip


def wait_for(condition, what: str = "condition", timeout: float = 60.0, every: float = 0.1):
    """Poll ``condition()`` until it returns something truthy (returned); fail after ``timeout`` seconds.

    The timeout bounds a broken wait so it fails instead of hanging; it is not a measurement.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)
