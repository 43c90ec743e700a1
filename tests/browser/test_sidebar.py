"""The JupyterLab sidebar in a real Chromium against a real ``jupyter lab`` (see conftest.py).

One Lab page is shared by the module (its first load dominates the cost); each test puts the
sidebar in the state it needs (experiment, filter, view) through the UI itself. Runs are logged
into the server's store by this process through the public API, and by a kernel the server
started, exactly as a user's notebook would. Screenshots land in test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import playwright.sync_api  # noqa: E402,F401  (a test dependency: missing means a broken set-up)
import pytest
from playwright.sync_api import expect  # noqa: E402

from ..conftest import forget_store
from .lab import UI_TIMEOUT, VIEWPORT, LabServer, ServerKernel, open_lab, open_sidebar, run_command  # noqa: E402

pytestmark = pytest.mark.timeout(240)

EXPERIMENT = "sweep"
XSS_EXPERIMENT = "xss"
XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_FLAG_NAME = '<img src=x onerror="window.__mlopsXss=1">'
XSS_PARAM = "<script>window.__mlopsXss=2</script><b>bold?</b>"
# Final losses 0.52, 0.34, 0.21, 0.12: ``metrics.loss < 0.3`` keeps the last two.
SWEEP = [("lr-0.1", 0.1, 0.52), ("lr-0.03", 0.03, 0.34), ("lr-0.01", 0.01, 0.21), ("lr-0.003", 0.003, 0.12)]
STEPS = 20
RUNS_API = "/mlops/api/v1/runs"
NOTEBOOK = "train.ipynb"
NOTEBOOK_CELLS = [
    "%load_ext jupyter_mlops",
    "import jupyter_mlops as ml\n"
    f"ml.set_experiment({EXPERIMENT!r})\n"
    "run = ml.start_run('from-kernel')\n"
    "ml.log_params({'lr': 0.05, 'model': 'mlp', 'epochs': 3})\n"
    "for step, loss in enumerate([0.9, 0.7, 0.45]):\n"
    "    ml.log_metric('loss', loss, step=step)\n"
    "print(run.run_id)",
    "ml.end_run()",
]


@pytest.fixture(scope="module")
def runs(store):
    """A small learning-rate sweep with curves, and a run whose name is an XSS payload."""
    import jupyter_mlops as ml

    ids = {}
    for name, lr, final in SWEEP:
        with ml.start_run(name, experiment=EXPERIMENT) as run:
            ml.log_params({"lr": lr, "model": "mlp", "epochs": STEPS})
            for step in range(STEPS):
                progress = step / (STEPS - 1)
                ml.log_metric("loss", round(final + (1.2 - final) * (1 - progress) ** 2, 4), step=step)
                ml.log_metric("accuracy", round(0.55 + (0.95 - final / 2 - 0.55) * progress ** 0.5, 4), step=step)
            ids[name] = run.run_id
    with ml.start_run(XSS_NAME, experiment=XSS_EXPERIMENT) as run:
        ml.log_param("note", XSS_PARAM)
        ml.log_metric("loss", 0.5, step=0)
        ml.log_metric("loss", 0.4, step=1)
        ids[XSS_NAME] = run.run_id
    with ml.start_run(XSS_FLAG_NAME, experiment=XSS_EXPERIMENT) as run:
        ml.log_param("note", "plain")
        ml.log_metric("loss", 0.3, step=0)
        ids[XSS_FLAG_NAME] = run.run_id
    return ids


@pytest.fixture(scope="module")
def notebook_kernel(lab):
    """``train.ipynb`` in the server root, and its kernel started as opening it in Lab would."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(notebook, str(lab.root / NOTEBOOK))
    kernel = ServerKernel(lab, notebook=NOTEBOOK)
    try:
        yield kernel
    finally:
        kernel.shutdown()


# --- helpers ----------------------------------------------------------------------------------


def row_names(page) -> list[str]:
    return page.get_by_test_id("mlops-run-row").evaluate_all("rows => rows.map(r => r.dataset.runName)")


def wait_for_rows(page, names, ordered: bool = False, timeout: int = UI_TIMEOUT) -> None:
    """Wait until the table shows exactly ``names`` (as a set unless ``ordered``)."""
    expected = list(names) if ordered else sorted(names)
    try:
        page.wait_for_function(
            """([expected, ordered]) => {
                const rows = document.querySelectorAll('[data-testid="mlops-run-row"]');
                let names = Array.from(rows, r => r.dataset.runName);
                if (!ordered) names = names.sort();
                return JSON.stringify(names) === JSON.stringify(expected);
            }""",
            arg=[expected, ordered], timeout=timeout,
        )
    except Exception as error:
        raise AssertionError(f"table rows: expected {expected}, showing {row_names(page)}") from error


def row(page, name: str):
    return page.locator(f'[data-testid="mlops-run-row"][data-run-name={json.dumps(name)}]')


def back_to_table(page) -> None:
    back = page.get_by_test_id("mlops-back")
    for _ in range(3):  # a run opened from the compare view goes back to the comparison first
        if not (back.count() and back.first.is_visible()):
            break
        back.first.click()
    expect(page.get_by_test_id("mlops-filter")).to_be_visible()  # the table view (or its empty state)


def choose_experiment(page, experiment: str) -> None:
    """Pick an experiment in the sidebar's select (its list comes from the server)."""
    select = page.get_by_test_id("mlops-experiment-select")
    expect(select.locator(f"option[value={json.dumps(experiment)}]")).to_have_count(1, timeout=UI_TIMEOUT)
    if select.input_value() != experiment:
        select.select_option(value=experiment)


def apply_filter(page, where: str) -> None:
    """Type a filter and press Enter; wait for the server's answer to that filter."""
    box = page.get_by_test_id("mlops-filter")
    box.fill(where)

    def is_search(response) -> bool:
        asked = parse_qs(urlsplit(response.url).query).get("where", [""])[0]
        return urlsplit(response.url).path.endswith(RUNS_API) and asked == where.strip()

    with page.expect_response(is_search, timeout=UI_TIMEOUT):
        box.press("Enter")


def show_runs(page, experiment: str, where: str = "") -> None:
    """The runs table of ``experiment`` with ``where`` applied and nothing selected, from any view."""
    open_sidebar(page)
    back_to_table(page)
    clear = page.get_by_test_id("mlops-clear-selection")
    if clear.count():
        clear.click()
    expect(page.get_by_test_id("mlops-run-checkbox").and_(page.locator(":checked"))).to_have_count(0)
    choose_experiment(page, experiment)
    if page.get_by_test_id("mlops-filter").input_value() != where:
        apply_filter(page, where)


# --- tests ------------------------------------------------------------------------------------


def test_the_sidebar_opens_and_lists_runs(runs, page, screenshot):
    sidebar = page.get_by_test_id("mlops-sidebar")
    expect(sidebar).to_be_visible()
    show_runs(page, EXPERIMENT)
    wait_for_rows(page, [name for name, _, _ in SWEEP])
    for name, _, final in SWEEP:
        cells = row(page, name)
        expect(cells).to_have_attribute("data-run-id", runs[name])
        expect(cells.get_by_test_id("mlops-run-name")).to_have_text(name)
        expect(cells).to_contain_text(f"{final:g}")  # the latest loss is a column
    expect(page.get_by_test_id("mlops-page-info")).to_contain_text("4")
    screenshot("sidebar-open")

    # The command palette's entry opens it too, after another panel took the left area.
    page.locator('.jp-SideBar [data-id="filebrowser"]').first.click()
    expect(sidebar).to_be_hidden()
    run_command(page, "apputils:activate-command-palette")
    palette = page.locator(".lm-CommandPalette-input")
    expect(palette).to_be_focused()
    palette.fill("MLOps: Open")
    page.locator(".lm-CommandPalette-item", has_text="MLOps: Open sidebar").first.click()
    expect(sidebar).to_be_visible()


def test_a_run_logged_from_a_kernel_appears(runs, page, notebook_kernel, screenshot):
    show_runs(page, EXPERIMENT)
    wait_for_rows(page, [name for name, _, _ in SWEEP])
    load, train, finish = NOTEBOOK_CELLS
    for cell in (load, train):
        answer = notebook_kernel.execute(cell)
        assert answer["status"] == "ok", answer
    run_id = answer["stdout"].strip()

    # No refresh click: the table's own polling must bring the live run in.
    new = row(page, "from-kernel")
    expect(new).to_be_visible(timeout=UI_TIMEOUT)
    expect(new).to_have_attribute("data-run-id", run_id)
    expect(new).to_have_attribute("data-status", "running")
    expect(new).to_contain_text("running")
    expect(new).to_contain_text("0.45")  # its latest loss
    screenshot("run-appeared")

    answer = notebook_kernel.execute(finish)
    assert answer["status"] == "ok", answer
    expect(new).to_have_attribute("data-status", "finished", timeout=UI_TIMEOUT)  # polled every 2 s while running
    expect(new).to_contain_text("finished")
    wait_for_rows(page, [name for name, _, _ in SWEEP] + ["from-kernel"])

    # The run knows its notebook: "Open notebook" opens it in Lab's main area.
    new.get_by_test_id("mlops-run-name").click()
    detail = page.get_by_test_id("mlops-run-detail")
    expect(detail).to_have_attribute("data-run-id", run_id)
    detail.get_by_test_id("mlops-open-notebook").click()
    tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")
    expect(tab).to_contain_text(NOTEBOOK)
    expect(page.locator("#jp-main-dock-panel .jp-NotebookPanel:visible .jp-Cell")).to_have_count(len(NOTEBOOK_CELLS))
    expect(page.get_by_test_id("mlops-open-notebook-error")).to_have_count(0)
    back_to_table(page)
    screenshot("open-notebook")


def test_the_filter_runs_on_the_server(runs, page, screenshot):
    show_runs(page, EXPERIMENT)
    box = page.get_by_test_id("mlops-filter")
    box.fill("metrics.loss < 0.3")
    with page.expect_request(lambda r: RUNS_API in r.url and "where=" in r.url) as sent:
        box.press("Enter")
    query = parse_qs(urlsplit(sent.value.url).query)
    assert query["where"] == ["metrics.loss < 0.3"], query  # filtered by the server, not in the page
    assert query["experiment"] == [EXPERIMENT], query
    wait_for_rows(page, ["lr-0.01", "lr-0.003"])
    expect(page.get_by_test_id("mlops-filter-error")).to_have_count(0)
    screenshot("filtered")

    # A filter the server rejects: its message shows, in the sidebar, naming the problem.
    apply_filter(page, "metrics.loss <")
    error = page.get_by_test_id("mlops-filter-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(re.compile(r"column \d+"))  # where the filter went wrong
    wait_for_rows(page, ["lr-0.01", "lr-0.003"])  # the last good filter stays applied
    screenshot("filter-error")

    # Nothing matches: an empty state, not a stale table.
    apply_filter(page, "metrics.loss < 0")
    expect(page.get_by_test_id("mlops-run-row")).to_have_count(0)
    expect(page.get_by_test_id("mlops-empty")).to_be_visible()
    expect(page.get_by_test_id("mlops-filter-error")).to_have_count(0)

    # Clearing the filter brings every run back.
    apply_filter(page, "")
    expect(page.get_by_test_id("mlops-run-row")).not_to_have_count(0)
    expect(page.get_by_test_id("mlops-empty")).to_have_count(0)


def test_sorting_by_a_metric_column_on_the_server(runs, page):
    show_runs(page, EXPERIMENT, where=f"params.epochs = {STEPS}")  # the sweep only
    by_loss = [name for name, _, _ in sorted(SWEEP, key=lambda r: r[2])]
    header = page.get_by_test_id("mlops-sort-metrics.loss")
    with page.expect_request(lambda r: RUNS_API in r.url and _order(r.url) == "metrics.loss ASC"):
        header.click()
    expect(header).to_have_attribute("data-sort-dir", "ASC")
    wait_for_rows(page, by_loss, ordered=True)
    with page.expect_request(lambda r: RUNS_API in r.url and _order(r.url) == "metrics.loss DESC"):
        header.click()
    expect(header).to_have_attribute("data-sort-dir", "DESC")
    wait_for_rows(page, by_loss[::-1], ordered=True)
    page.get_by_test_id("mlops-sort-start_time").click()  # back to the default order for later tests
    page.get_by_test_id("mlops-sort-start_time").click()
    expect(page.get_by_test_id("mlops-sort-start_time")).to_have_attribute("data-sort-dir", "DESC")
    apply_filter(page, "")


def test_compare_two_runs(runs, page, screenshot):
    show_runs(page, EXPERIMENT)
    expect(row(page, "lr-0.003")).to_be_visible()
    for name in ("lr-0.1", "lr-0.003"):
        row(page, name).get_by_test_id("mlops-run-checkbox").check()
    compare = page.get_by_test_id("mlops-compare-button")
    expect(compare).to_be_enabled()
    compare.click()
    view = page.get_by_test_id("mlops-compare-view")
    expect(view).to_be_visible()
    expect(view).to_contain_text("lr-0.1")
    expect(view).to_contain_text("lr-0.003")

    def param(key):
        return view.locator(f'[data-testid="mlops-compare-param-row"][data-key="{key}"]')

    expect(param("lr")).to_have_class(_has("mlops-diff"))  # 0.1 vs 0.003
    expect(param("lr")).to_contain_text("0.003")
    expect(param("model")).not_to_have_class(_has("mlops-diff"))  # mlp in both
    expect(param("epochs")).not_to_have_class(_has("mlops-diff"))

    chart = view.locator('[data-testid="mlops-compare-chart"][data-metric="loss"]')
    expect(chart).to_be_visible()
    assert chart.evaluate("e => e.tagName.toLowerCase()") == "svg"
    expect(chart.locator("polyline")).to_have_count(2)  # one curve per run
    screenshot("compare")
    back_to_table(page)


def test_run_detail_shows_its_metric_chart(runs, page, screenshot):
    show_runs(page, EXPERIMENT)
    row(page, "lr-0.003").get_by_test_id("mlops-run-name").click()
    detail = page.get_by_test_id("mlops-run-detail")
    expect(detail).to_be_visible()
    expect(detail).to_contain_text("lr-0.003")
    expect(detail).to_contain_text(runs["lr-0.003"][:8])
    expect(detail).to_contain_text("mlp")
    chart = detail.locator('[data-testid="mlops-metric-chart"][data-metric="loss"]')
    expect(chart).to_be_visible()
    assert chart.evaluate("e => e.tagName.toLowerCase()") == "svg"
    expect(chart.locator("polyline")).to_have_count(1)  # drawn from the metric's history
    screenshot("run-detail")
    back_to_table(page)


def test_a_run_named_like_html_renders_as_text_and_runs_no_script(runs, page, screenshot):
    page.evaluate("() => { delete window.__mlopsXss; }")
    dialogs_before = list(page.events.dialogs)
    show_runs(page, XSS_EXPERIMENT)
    wait_for_rows(page, [XSS_NAME, XSS_FLAG_NAME])
    sidebar = page.get_by_test_id("mlops-sidebar")
    for name in (XSS_NAME, XSS_FLAG_NAME):
        expect(row(page, name).get_by_test_id("mlops-run-name")).to_have_text(name)
    expect(sidebar.locator("img")).to_have_count(0)
    screenshot("xss")

    # The detail view and the compare view show the name and the param value as text too.
    row(page, XSS_NAME).get_by_test_id("mlops-run-name").click()
    detail = page.get_by_test_id("mlops-run-detail")
    expect(detail).to_be_visible()
    expect(detail).to_contain_text(XSS_NAME)
    expect(detail).to_contain_text(XSS_PARAM)
    back_to_table(page)
    for name in (XSS_NAME, XSS_FLAG_NAME):
        row(page, name).get_by_test_id("mlops-run-checkbox").check()
    page.get_by_test_id("mlops-compare-button").click()
    view = page.get_by_test_id("mlops-compare-view")
    expect(view).to_be_visible()
    expect(view).to_contain_text(XSS_NAME)
    expect(view).to_contain_text(XSS_PARAM)

    # Nothing the names or values carried became markup, anywhere in the page.
    expect(page.locator('img[src="x"]')).to_have_count(0)
    expect(page.locator("script", has_text="__mlopsXss")).to_have_count(0)
    expect(page.locator("b", has_text="bold?")).to_have_count(0)
    assert page.evaluate("() => window.__mlopsXss") is None
    assert page.events.dialogs == dialogs_before, page.events.dialogs
    assert page.events.page_errors == [], page.events.page_errors  # no uncaught exception either
    back_to_table(page)


def test_without_the_server_extension_the_sidebar_says_how_to_enable_it(browser, tmp_path, screenshot):
    """A Lab whose server lacks jupyter_mlops: the panel explains the fix instead of failing silently."""
    bare = LabServer(tmp_path, tmp_path / "store", server_extension=False)
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        bare.start()
        open_lab(page, bare)
        open_sidebar(page)
        missing = page.get_by_test_id("mlops-server-missing")
        expect(missing).to_be_visible()
        expect(missing).to_contain_text("jupyter server extension enable jupyter_mlops")
        expect(missing.get_by_test_id("mlops-retry")).to_be_visible()
        expect(page.get_by_test_id("mlops-runs-table")).to_have_count(0)
        screenshot("server-missing", page=page)
    except Exception:
        screenshot("FAILED-server-missing", page=page)
        raise
    finally:
        context.close()
        bare.stop()


def _has(css_class: str):
    return re.compile(rf"(^|\s){re.escape(css_class)}(\s|$)")


def _order(url: str) -> str:
    """The order_by a runs request asked for, back-ticks (key quoting) left out."""
    return (parse_qs(urlsplit(url).query).get("order_by") or [""])[0].replace("`", "")


def test_quarantined_records_show_as_a_warning_with_the_count_health_reports(browser, tmp_path, screenshot):
    """Records the fold set aside (written straight to the spool, past the call-time checks) are not
    silent: the sidebar names how many, the same number /health answers, and the command to see why."""
    import jupyter_mlops as ml
    from jupyter_mlops.store import open_store

    home = (tmp_path / "store").absolute()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLOPS_HOME", str(home))
        mp.setenv("MLOPS_CAPTURE", "0")
        with ml.start_run("careless") as run:
            ml.log_metric("loss", 0.5)
            writer = open_store(home).writer
            writer.write(["m", run.run_id, "loss", 0.4, 2**63, 1_733_000_000_000])  # step past int64
            writer.write(["m", run.run_id, "loss", 0.3, 2, 1_733_000_000_000_000_000])  # nanoseconds
            writer.write(["no-such-kind", run.run_id])
        assert len(ml.search_runs()) == 1  # the fold sets the three aside and lands the rest
        forget_store(home)
    lab = LabServer(tmp_path / "lab", home)
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        lab.start()
        health = json.loads(lab.request("/mlops/api/v1/health"))
        assert health["quarantined"] == 3
        open_lab(page, lab)
        open_sidebar(page)
        warning = page.get_by_test_id("mlops-quarantine-warning")
        expect(warning).to_be_visible()
        expect(warning).to_contain_text(f"{health['quarantined']} logged records")
        expect(warning).to_contain_text("jupyter-mlops doctor")
        screenshot("quarantine-warning", page=page)
    except Exception:
        screenshot("FAILED-quarantine-warning", page=page)
        raise
    finally:
        context.close()
        lab.stop()
