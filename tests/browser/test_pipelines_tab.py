"""The Pipelines tab in a real JupyterLab and Chromium (see conftest.py).

Two schedules are created in the server's store through the core API (``nightly`` on a cron,
``adhoc`` on request only), a real papermill run of ``adhoc``'s notebook fails in its third
cell (an error message made of HTML), and one manual run succeeds. No scheduler runs, so the
heartbeat says how to start one. The tests use the tab as a user would: pause and resume
(confirmed), run now (confirmed; a request lands in the store), the failed run's error and
cells, and "Open notebook", which saves the executed notebook under the server root and opens
it in Lab. Screenshots land in test-artifacts/screenshots/.
"""

from __future__ import annotations

import json

import pytest

import playwright.sync_api  # noqa: F401  (a test dependency: missing means a broken set-up)
from playwright.sync_api import expect

from .lab import open_sidebar, run_command

pytestmark = pytest.mark.timeout(240)

ERROR = "bad <b>input</b>"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def _notebook(path, cells):
    import nbformat

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": KERNELSPEC})
    for source, tags in cells:
        nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": tags} if tags else {}))
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(scope="module")
def pipelines(store, lab):
    """Two schedules, a failed run of ``adhoc`` (real kernel) and a finished manual run."""
    from jupyter_mlops.pipelines.execute import execute_spec
    from jupyter_mlops.pipelines.runs import run_pipeline
    from jupyter_mlops.pipelines.schedules import schedule
    from jupyter_mlops.pipelines.spec import PipelineSpec

    folder = lab.base / "notebooks"
    folder.mkdir(exist_ok=True)
    train = _notebook(folder / "train.ipynb", [("alpha = 0.1", ["parameters"]), ("print(1 / alpha)", None)])
    broken = _notebook(folder / "broken.ipynb", [("divisor = 1", ["parameters"]), ("x = 1", None),
                                                 (f"raise ValueError({ERROR!r})", None), ("y = 2", None)])
    schedule("nightly", train, cron="0 3 * * *", parameters={"alpha": 0.5})
    schedule("adhoc", broken)
    failed = PipelineSpec.new(broken, {"divisor": 3}, home=store, name="adhoc", schedule="adhoc", trigger="request")
    execute_spec(failed)
    finished = run_pipeline(train, {"alpha": 0.25}, name="quick")
    return {"failed": failed.pipeline_run_id, "finished": finished.id}


# --- helpers ----------------------------------------------------------------------------------


def panel(page):
    return page.locator('.mlops-tab-panel[data-tab="pipelines"]')


def open_pipelines(page) -> None:
    """The Pipelines tab showing its overview, from any view."""
    open_sidebar(page)
    page.get_by_test_id("mlops-tab-pipelines").click()
    expect(page.get_by_test_id("mlops-tab-pipelines")).to_have_attribute("aria-selected", "true")
    back = panel(page).get_by_test_id("mlops-back")
    if back.count():
        back.first.click()
    expect(panel(page).get_by_test_id("mlops-schedules-table")).to_be_visible()


def schedule_row(page, name: str):
    return panel(page).locator(f'[data-testid="mlops-schedule-row"][data-schedule-name={json.dumps(name)}]')


def dialog(page):
    return page.locator(".jp-Dialog")


def accept(page) -> None:
    dialog(page).locator(".jp-Dialog-button.jp-mod-accept").click()
    expect(dialog(page)).to_have_count(0)


def enabled(name: str) -> bool:
    from jupyter_mlops.pipelines.schedules import get_schedule

    return get_schedule(name).enabled


def requests(name: str) -> list:
    from jupyter_mlops.store import open_store

    with open_store().connect() as con:
        return con.execute("SELECT request_id FROM schedule_requests WHERE schedule = ? AND claimed_at IS NULL",
                           [name]).fetchall()


# --- tests ------------------------------------------------------------------------------------


def test_heartbeat_and_schedules_with_next_and_last_run(pipelines, page, screenshot):
    open_pipelines(page)
    heartbeat = panel(page).get_by_test_id("mlops-scheduler-status")
    expect(heartbeat).to_have_attribute("data-alive", "false")
    expect(heartbeat).to_contain_text("Scheduler not running")
    expect(heartbeat.get_by_test_id("mlops-scheduler-command")).to_have_text("jupyter-mlops scheduler")

    nightly = schedule_row(page, "nightly")
    expect(nightly).to_have_attribute("data-enabled", "true")
    expect(nightly).to_contain_text("cron 0 3 * * *")
    expect(nightly.get_by_test_id("mlops-schedule-next")).to_contain_text(":00")  # 03:00 UTC, in local time
    expect(nightly.get_by_test_id("mlops-schedule-last")).to_contain_text("never")
    adhoc = schedule_row(page, "adhoc")
    expect(adhoc).to_contain_text("on request only")
    expect(adhoc.get_by_test_id("mlops-schedule-last-run")).to_have_attribute("data-run-id", pipelines["failed"])
    expect(adhoc.get_by_test_id("mlops-schedule-last").get_by_test_id("mlops-pipeline-status")).to_have_text("failed")
    screenshot("pipelines")


def test_pause_then_resume_change_the_store(pipelines, page):
    open_pipelines(page)
    row = schedule_row(page, "nightly")
    row.get_by_test_id("mlops-schedule-pause").click()
    expect(dialog(page)).to_contain_text("nightly stops firing until it is resumed")
    accept(page)
    expect(row).to_have_attribute("data-enabled", "false")
    expect(row.get_by_test_id("mlops-schedule-state")).to_have_text("paused")
    expect(row.get_by_test_id("mlops-schedule-next")).to_have_text("paused")
    expect(panel(page).get_by_test_id("mlops-action-notice")).to_contain_text("paused nightly")
    assert enabled("nightly") is False

    row.get_by_test_id("mlops-schedule-resume").click()  # resuming needs no confirmation
    expect(row).to_have_attribute("data-enabled", "true")
    expect(row.get_by_test_id("mlops-schedule-pause")).to_be_visible()
    assert enabled("nightly") is True


def test_run_now_asks_first_then_queues_a_request(pipelines, page, screenshot):
    open_pipelines(page)
    row = schedule_row(page, "nightly")
    before = len(requests("nightly"))
    row.get_by_test_id("mlops-schedule-run-now").click()
    expect(dialog(page)).to_contain_text("alpha=0.5")
    expect(dialog(page)).to_contain_text("No scheduler is running")
    screenshot("pipelines-run-now-dialog")
    dialog(page).locator(".jp-Dialog-button.jp-mod-reject").click()  # cancel: nothing queued
    expect(dialog(page)).to_have_count(0)
    assert len(requests("nightly")) == before

    row.get_by_test_id("mlops-schedule-run-now").click()
    accept(page)
    notice = panel(page).get_by_test_id("mlops-action-notice")
    expect(notice).to_contain_text("no scheduler is running")
    expect(notice).to_contain_text("jupyter-mlops scheduler")
    expect(row.get_by_test_id("mlops-schedule-pending")).to_have_text(f"{before + 1} requested")
    assert len(requests("nightly")) == before + 1


def test_a_failed_run_shows_its_error_cell_and_opens_its_notebook(pipelines, page, lab, screenshot):
    dialogs_before = list(page.events.dialogs)
    open_pipelines(page)
    failed = panel(page).locator(f'[data-testid="mlops-pipeline-run-row"][data-run-id="{pipelines["failed"]}"]')
    expect(failed).to_have_attribute("data-status", "failed")
    expect(failed).to_contain_text("divisor=3")
    error = failed.get_by_test_id("mlops-pipeline-run-error")
    expect(error).to_have_text(f"cell 2: ValueError: {ERROR}")  # the HTML in the message stays text
    expect(error).to_have_attribute("data-failed-cell", "2")
    finished = panel(page).locator(f'[data-testid="mlops-pipeline-run-row"][data-run-id="{pipelines["finished"]}"]')
    expect(finished).to_have_attribute("data-status", "finished")
    expect(finished.get_by_test_id("mlops-pipeline-run-error")).to_have_count(0)

    failed.click()
    detail = panel(page).get_by_test_id("mlops-pipeline-run-detail")
    expect(detail).to_have_attribute("data-run-id", pipelines["failed"])
    expect(detail.get_by_test_id("mlops-pipeline-run-error")).to_contain_text(f"ValueError: {ERROR}")
    bad_cell = detail.locator('[data-testid="mlops-pipeline-cell"][data-state="error"]')
    expect(bad_cell).to_have_count(1)
    expect(bad_cell).to_have_attribute("data-index", "2")
    expect(bad_cell).to_contain_text(f"raise ValueError({ERROR!r})")
    expect(detail.locator('[data-testid="mlops-pipeline-cell"][data-state="not run"]')).to_contain_text("y = 2")
    expect(panel(page).locator("b")).to_have_count(0)
    screenshot("pipeline-run-detail")

    name = f"adhoc-{pipelines['failed'][:8]}.ipynb"
    detail.get_by_test_id("mlops-open-executed-notebook").click()
    expect(detail.get_by_test_id("mlops-open-notebook-notice")).to_contain_text(f"pipeline-outputs/{name}")
    expect(page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current").filter(has_text=name)).to_be_visible()
    expect(page.locator(".jp-NotebookPanel:visible")).to_have_count(1)
    expect(page.locator(".jp-NotebookPanel:visible .jp-Cell").filter(has_text="raise ValueError").first).to_be_visible()
    saved = json.loads((lab.root / "pipeline-outputs" / name).read_text())
    assert any(ERROR in (o.get("evalue") or "") for c in saved["cells"] for o in c.get("outputs", []))
    screenshot("pipeline-notebook-opened")
    run_command(page, "application:close-all")
    expect(dialog(page)).to_have_count(0)  # opened clean: nothing asks to save it
    assert page.events.dialogs == dialogs_before, page.events.dialogs
    assert page.events.page_errors == [], page.events.page_errors
