"""Driving a real ``jupyter lab`` and Debian's Chromium: shared by the browser tests and
``benchmarks/bench_sidebar.py``. No pytest here, so the benchmark can import it.

* ``LabServer``     ``jupyter lab`` in a subprocess on a free port with a random token; everything it
                    writes (settings, workspaces, runtime files, log) stays under one folder, and
                    ``MLOPS_HOME`` points its kernels and REST API at the given store.
* ``ServerKernel``  a kernel started through ``POST /api/kernels`` and driven over its websocket,
                    the way a notebook in Lab drives one.
* ``launch_chromium``, ``open_lab``, ``open_sidebar``, ``run_command``: the browser side.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM = os.environ.get("MLOPS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
LAB_LOAD_TIMEOUT = 90_000  # ms: Lab's first load on a shared 2-core machine
UI_TIMEOUT = 30_000  # ms: one UI reaction (the table polls every 2-10 s)
SIDEBAR_ID = "jupyter-mlops-sidebar"


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """``jupyter lab`` in a subprocess, with everything it writes kept under ``base``."""

    def __init__(
        self, base: Path, store: Path, extra_env: dict | None = None, extra_args: list | None = None,
        server_extension: bool = True,
    ):
        self.base = Path(base)
        self.store = Path(store)
        self.root = self.base / "root"
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.base / "jupyter-lab.log"
        self.extra_env = extra_env or {}
        self.extra_args = list(extra_args or [])
        self.server_extension = server_extension
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "jupyterlab",
            "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root}",
            f"--IdentityProvider.token={self.token}",
            # The wheel's config file enables the server extension; say it explicitly anyway, so an
            # install without that file still tests the REST API (and False tests its absence).
            f'--ServerApp.jpserver_extensions={{"jupyter_mlops": {self.server_extension}}}',
            "--LabApp.news_url=None",  # no "receive Jupyter news?" toast over the UI
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run commands from tests
            "--ServerApp.terminals_enabled=False",
            *self.extra_args,
        ]

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MLOPS_", "JUPYTER_TOKEN"))}
        env.update({
            "MLOPS_HOME": str(self.store),
            "JUPYTERLAB_SETTINGS_DIR": str(self.base / "lab-settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.base / "lab-workspaces"),
            "JUPYTER_RUNTIME_DIR": str(self.base / "runtime"),
            "JUPYTER_CONFIG_DIR": str(self.base / "config"),  # ignore ~/.jupyter
            "PYTHONUNBUFFERED": "1",
        })
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 120) -> "LabServer":
        for sub in (self.root, self.base / "lab-settings", self.base / "lab-workspaces", self.base / "config"):
            sub.mkdir(parents=True, exist_ok=True)
        # No "get notified about Jupyter news?" toast over the UI (news_url=None alone still asks).
        notification = self.base / "lab-settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        notification.parent.mkdir(parents=True, exist_ok=True)
        notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            self.command(), env=self.env(), cwd=self.root, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # so stop() can end the server and its kernels together
        )
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status = self.get("/api/status", timeout=5)
                if "started" in status:
                    return self
            except (OSError, urllib.error.URLError, ValueError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"jupyter lab did not answer /api/status in {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.25)

    def stop(self) -> None:
        """Stop the server and anything it started (kernels); always safe to call."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def request(self, path: str, method: str = "GET", body=None, timeout: float = 30) -> bytes:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.read()

    def get(self, path: str, timeout: float = 30):
        return json.loads(self.request(path, timeout=timeout))

    @property
    def lab_url(self) -> str:
        return f"{self.url}/lab?token={self.token}"


# --- a kernel the server started, driven over its websocket -----------------------------------


class ServerKernel:
    """A kernel the server started, driven over its websocket as Lab drives one.

    With ``notebook`` (a path under the server root) it is started the way opening that notebook
    in Lab starts it, through ``POST /api/sessions``: the kernel then knows its notebook
    (``JPY_SESSION_NAME``) and Lab, opening the same notebook later, attaches to it. Without,
    it is a bare ``POST /api/kernels``.
    """

    def __init__(self, lab: LabServer, notebook: str | None = None, kernel_name: str = "python3"):
        import websocket  # websocket-client, a jupyter_server dependency
        from jupyter_client.session import Session

        self.lab = lab
        self.session_id = None
        if notebook:
            model = json.loads(lab.request("/api/sessions", "POST", {
                "path": notebook, "name": Path(notebook).name, "type": "notebook", "kernel": {"name": kernel_name},
            }))
            self.session_id, self.kernel_id = model["id"], model["kernel"]["id"]
        else:
            self.kernel_id = json.loads(lab.request("/api/kernels", "POST", {"name": kernel_name}))["id"]
        self.session = Session(key=b"", username="browser-test")
        ws_url = lab.url.replace("http", "ws", 1) + f"/api/kernels/{self.kernel_id}/channels"
        self.ws = websocket.create_connection(
            ws_url, header=[f"Authorization: token {lab.token}"], timeout=120,
        )

    def execute(self, code: str, timeout: float = 120) -> dict:
        """Run ``code``; return ``{"status", "stdout", "error"}`` once the kernel is idle again."""
        msg = self.session.msg("execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True,
        })
        msg["channel"] = "shell"
        msg_id = msg["header"]["msg_id"]
        self.ws.send(json.dumps(msg, default=str))
        out = {"status": None, "stdout": "", "error": None}
        idle = False
        deadline = time.monotonic() + timeout
        while not (idle and out["status"]):
            if time.monotonic() > deadline:
                raise TimeoutError(f"kernel did not finish executing within {timeout} s: {out}")
            reply = json.loads(self.ws.recv())
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = reply["msg_type"], reply["content"]
            if kind == "execute_reply":
                out["status"] = content["status"]
            elif kind == "stream":
                out["stdout"] += content.get("text", "")
            elif kind == "error":
                out["error"] = f"{content['ename']}: {content['evalue']}"
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
        return out

    def shutdown(self) -> None:
        try:
            self.ws.close()
        finally:
            try:
                if self.session_id:
                    self.lab.request(f"/api/sessions/{self.session_id}", "DELETE")
                else:
                    self.lab.request(f"/api/kernels/{self.kernel_id}", "DELETE")
            except (OSError, urllib.error.URLError):
                pass


# --- the browser ------------------------------------------------------------------------------


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_lab(page, lab: LabServer, timeout: int = LAB_LOAD_TIMEOUT, reset: bool = True) -> None:
    """Load Lab (the token in the URL logs the browser in) and wait until its shell is up.

    ``reset`` starts from the default layout instead of the workspace an earlier page saved.
    """
    page.goto(lab.lab_url + ("&reset" if reset else ""), timeout=timeout)
    page.wait_for_selector("#jp-main-dock-panel", state="visible", timeout=timeout)
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=timeout)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands", timeout=timeout)


def open_sidebar(page, timeout: int = UI_TIMEOUT) -> None:
    """Click the MLOps tab in the left bar (unless its panel is already showing)."""
    sidebar = page.get_by_test_id("mlops-sidebar")
    if sidebar.is_visible():
        return
    tab = page.locator(f'.jp-SideBar [data-id="{SIDEBAR_ID}"]').first
    try:
        tab.wait_for(state="visible", timeout=timeout)
    except Exception as error:
        raise AssertionError(
            f"no MLOps tab (data-id={SIDEBAR_ID}) in Lab's left bar: is the jupyter-mlops labextension "
            "built and installed (`jupyter labextension list`)?"
        ) from error
    tab.click(timeout=timeout)
    sidebar.wait_for(state="visible", timeout=timeout)


def run_command(page, command: str, args: dict | None = None) -> None:
    # Wait for the command, but return nothing: a command's result (a widget, for launcher:create)
    # is a deep object graph that Chromium may refuse to serialize ("reference chain is too long").
    page.evaluate(
        "async ([command, args]) => { await window.jupyterapp.commands.execute(command, args); }",
        [command, args or {}],
    )


def widen_left_area(page, width: int = 640) -> None:
    """Drag the handle between the left area and the main area so the left panel is ``width`` px wide."""
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle:not(.lm-mod-hidden)").first
    box = handle.bounding_box()
    if box is None:
        return
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(width, y, steps=8)
    page.mouse.up()
