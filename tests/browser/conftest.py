"""Real-browser fixtures: a real ``jupyter lab`` subprocess, Debian's Chromium driven by playwright.

Self-contained (the server and browser helpers live in ``lab.py`` beside it, which the sidebar
benchmark imports too):

* ``lab``        (module) a ``jupyter lab`` started for this module on a free port with a random token,
                 its own root, settings, workspace and runtime folders and ``MLOPS_HOME`` store;
                 stopped with its kernels (terminate, then kill) however the module ends.
* ``store``      (module) the same store, made current for *this* process as well, so tests can log
                 runs through the public API exactly as a second user process would.
* ``browser``    (module) Chromium from ``/usr/bin/chromium`` (never ``playwright install``).
* ``page``       one Lab page loaded once per module (Lab's first load is slow on small machines),
                 handed to each test with the MLOps sidebar open; a failing test saves
                 ``test-artifacts/screenshots/FAILED-<test>.png``.
* ``screenshot`` ``screenshot("name")`` saves ``test-artifacts/screenshots/name.png`` (the shared page,
                 or ``page=`` another one).

``lab.ServerKernel`` drives a kernel the server started (for a notebook, through its sessions API).

The module is skipped with a reason when playwright or Chromium is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ..conftest import forget_store
from .lab import (
    CHROMIUM,
    UI_TIMEOUT,
    VIEWPORT,
    LabServer,
    launch_chromium,
    open_lab,
    open_sidebar,
    run_command,
    widen_left_area,
)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


# --- fixtures ---------------------------------------------------------------------------------


# tests/test_server.py loads pytest-jupyter, whose two autouse fixtures then wrap every test of the
# session: one closes "the" asyncio loop after each test, which here is playwright's running loop
# (RuntimeError), the other cleans up a ServerApp these tests never start. Same names, no-ops here.
@pytest.fixture(autouse=True)
def jp_asyncio_loop():
    yield None


@pytest.fixture(autouse=True)
def jp_server_cleanup():
    yield


@pytest.fixture(scope="module")
def playwright_sync():
    # Missing tools fail loudly: `make test` installs both, so a skip would only hide a broken set-up.
    from playwright import sync_api

    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"the browser tests need Chromium at {CHROMIUM}: run `make test` (it installs Debian's chromium)")
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
            forget_store(lab.store.absolute())


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
    for stale in SCREENSHOTS.glob("FAILED-*.png"):  # from an earlier session
        stale.unlink()
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT)
    events = PageEvents()
    page.on("dialog", events.on_dialog)
    page.on("pageerror", lambda error: events.page_errors.append(str(error)))
    page.events = events
    try:
        open_lab(page, lab)
        open_sidebar(page)
        widen_left_area(page, 780)  # room for the runs table's metric and param columns
        run_command(page, "launcher:create")  # the main area as a user first sees it
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
def screenshot(request):
    """``screenshot("name")`` saves the shared Lab page (or ``page=``) as test-artifacts/screenshots/name.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(name: str, page=None) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        (page or request.getfixturevalue("lab_page")).screenshot(path=str(path))
        return path

    return save


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
