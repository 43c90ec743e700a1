"""Real-browser fixtures: a real ``jupyter lab`` subprocess, Debian's Chromium driven by playwright.

Self-contained on purpose (the benchmark imports ``LabServer`` and ``launch_chromium`` too):

* ``lab``      (module) a ``jupyter lab`` started for this module on a free port with a random token,
                its own root folder, settings/workspace folders and ``MLOPS_HOME`` store; stopped
                (terminate, then kill) however the module ends.
* ``store``    (module) the same store, made current for *this* process as well, so tests can log
                runs through the public API exactly as a second user process would.
* ``browser``  (module) Chromium from ``/usr/bin/chromium`` (never ``playwright install``).
* ``page``     (module) one Lab page, loaded once (Lab's first load is slow on small machines);
                every test gets it back with the MLOps sidebar open on the runs table.
* ``screenshot`` saves ``test-artifacts/screenshots/<name>.png``; a failing test also gets
                ``FAILED-<test>.png``.

The whole module is skipped with a reason when playwright or Chromium is missing, and fails
loudly when the labextension is not installed (that is a build problem, not an environment one).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
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
        return s.getsondname()[1] if False else s.getsockname()[1]


class LabServer:
    """``jupyter lab`` in a subprocess, with everything it writes kept under ``base``."""

    def __init__(self, base: Path, store: Path, extra_env: dict | None = None):
        self.base = Path(base)
        self.store = Path(store)
        self.root = self.base / "root"
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.base / "jupyter-lab.log"
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "jupyterlab",
            "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root}",
            f"--IdentityProvider.token={self.token}",
            # The server extension is enabled by the config file the wheel installs; an editable
            # install may not have it, so the test enables it explicitly.
            '--ServerApp.jpserver_extensions={"jupyter_mlops": True}',
            "--LabApp.news_url=None",  # no "receive Jupyter news?" toast over the UI
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run commands from tests
            "--ServerApp.terminals_enabled=False",
            "--KernelSpecManager.ensure_native_kernel=True",
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
    """A kernel started through ``POST /api/kernels``: the same path a notebook in Lab takes."""

    def __init__(self, lab: LabServer, name: str = "python3"):
        import websocket  # websocket-client, a jupyter_server dependency
        from jupyter_client.session import Session

        self.lab = lab
        self.kernel_id = json.loads(lab.request("/api/kernels", "POST", {"name": name}))["id"]
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
                self.lab.request(f"/api/kernels/{self.kernel_id}", "DELETE")
            except (OSError, urllib.error.URLError):
                pass


# --- the browser ------------------------------------------------------------------------------


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_lab(page, lab: LabServer, timeout: int = LAB_LOAD_TIMEOUT) -> None:
    """Load Lab (the token in the URL logs the browser in) and wait until its shell is up."""
    page.goto(lab.lab_url, timeout=timeout)
    page.wait_for_selector("#jp-main-dock-panel", state="visible", timeout=timeout)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands", timeout=timeout)


def open_sidebar(page, timeout: int = UI_TIMEOUT) -> None:
    """Click the MLOps tab in the left bar (unless its panel is already showing)."""
    sidebar = page.get_by_test_id("mlops-sidebar")
    if sidebar.is_visible():
        return
    page.locator(f'.jp-SideBar [data-id="{SIDEBAR_ID}"]').first.click(timeout=timeout)
    sidebar.wait_for(state="visible", timeout=timeout)


def run_command(page, command: str, args: dict | None = None):
    return page.evaluate(
        "([command, args]) => window.jupyterapp.commands.execute(command, args)", [command, args or {}]
    )


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def playwright_sync():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser tests need the playwright package")
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"the browser tests need Chromium at {CHROMIUM} (Debian package 'chromium')")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def lab_dirs(tmp_path_factory):
    base = tmp_path_factory.mktemp("lab")
    return base, base / "store"


@pytest.fixture(scope="module")
def lab(lab_dirs):
    base, store_home = lab_dirs
    server = LabServer(base, store_home)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        print(f"\n--- jupyter lab log ({server.log_path}) ---\n{server.log_tail(30)}")


@pytest.fixture(scope="module")
def store(lab):
    """The server's store, made current for this process (runs logged here show in the sidebar)."""
    from jupyter_mlops.store import database
    from jupyter_mlops.tracking import runs

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLOPS_HOME", str(lab.store))
        mp.setenv("MLOPS_CAPTURE", "0")
        mp.delenv("MLOPS_EXPERIMENT", raising=False)
        mp.delenv("MLOPS_PARENT_RUN_ID", raising=False)
        try:
            yield lab.store
        finally:
            while runs._stack:
                runs._stack[-1].end("finished")
            runs._experiment = None
            opened = database._STORES.pop(lab.store.absolute(), None)
            if opened is not None:
                opened.release()
                opened.close_writer()


@pytest.fixture(scope="module")
def browser(playwright_sync):
    chromium = launch_chromium(playwright_sync)
    try:
        yield chromium
    finally:
        chromium.close()


class PageEvents:
    """What the page did that a test may want to assert never happened."""

    def __init__(self):
        self.dialogs: list[str] = []
        self.page_errors: list[str] = []

    def on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture(scope="module")
def lab_page(browser, lab):
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT)
    events = PageEvents()
    page.on("dialog", events.on_dialog)
    page.on("pageerror", lambda error: events.page_errors.append(str(error)))
    page.events = events
    try:
        open_lab(page, lab)
        yield page
    finally:
        context.close()


@pytest.fixture
def page(lab_page, request):
    """The shared Lab page with the MLOps sidebar open; screenshot kept when the test fails."""
    open_sidebar(lab_page)
    yield lab_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        try:
            lab_page.screenshot(path=str(SCREENSHOTS / f"FAILED-{request.node.name}.png"))
        except Exception as error:  # the page may be gone; the failure itself matters more
            print(f"could not save the failure screenshot: {error}")


@pytest.fixture
def screenshot(lab_page):
    def save(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        lab_page.screenshot(path=str(path))
        return path

    return save


@pytest.fixture
def kernel(lab):
    started = ServerKernel(lab)
    try:
        yield started
    finally:
        started.shutdown()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
