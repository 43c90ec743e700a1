"""The Drift tab in a real JupyterLab and Chromium (see conftest.py).

A ``churn`` dataset is registered into the server's store through the public API, then checked
twice: against a fresh sample of the same population (no drift) and against a sample whose
``monthly_charges`` were repriced (drift). The tests walk the tab as a user would: the list,
the drift share over time, and the drifted report with its per-column status and charts.
"""

from __future__ import annotations

import json
import re

import pytest

import playwright.sync_api  # noqa: E402,F401  (a test dependency: missing means a broken set-up)
from playwright.sync_api import expect  # noqa: E402

from .lab import open_sidebar, run_command  # noqa: E402

pytestmark = pytest.mark.timeout(240)

NAME = "churn"
SHIFTED = "monthly_charges"
STABLE = ("age", "plan")


def _sample(seed: int, n: int = 800):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "age": rng.normal(41, 11, n).round(1),
        "plan": rng.choice(["basic", "pro", "team", "enterprise"], n, p=[0.5, 0.3, 0.15, 0.05]),
        SHIFTED: rng.gamma(4.0, 15.0, n).round(2),
    })


@pytest.fixture(scope="module")
def reports(store):
    """churn@1, then two checks against it: a clean sample (no drift), a repriced one (drift)."""
    import jupyter_mlops as ml

    ml.register_dataset(_sample(1), NAME)
    clean = ml.check_drift(f"{NAME}@1", _sample(2))
    shifted_frame = _sample(3)
    shifted_frame[SHIFTED] = (shifted_frame[SHIFTED] * 1.6 + 25).round(2)
    shifted = ml.check_drift(f"{NAME}@1", shifted_frame, drift_share=0.3)  # 1 of 3 columns: the dataset drifts
    # The data behind the assertions below.
    assert not clean.drifted_columns, clean.summary()
    assert shifted.drifted_columns == [SHIFTED] and shifted.drifted, shifted.summary()
    return {"clean": clean, "shifted": shifted}


# --- helpers ----------------------------------------------------------------------------------


def panel(page):
    return page.locator('.mlops-tab-panel[data-tab="drift"]')


def open_drift(page) -> None:
    open_sidebar(page)
    page.get_by_test_id("mlops-tab-drift").click()
    expect(page.get_by_test_id("mlops-tab-drift")).to_have_attribute("aria-selected", "true")
    back = panel(page).get_by_test_id("mlops-back")
    for _ in range(3):
        if not back.count():
            break
        back.first.click()
    expect(panel(page).get_by_test_id("mlops-drift-datasets").or_(panel(page).get_by_test_id("mlops-drift-empty"))).to_be_visible()


def dataset_row(page, name: str):
    return panel(page).locator(f'[data-testid="mlops-drift-dataset-row"][data-dataset={json.dumps(name)}]')


def open_history(page, name: str = NAME):
    open_drift(page)
    row = dataset_row(page, name)
    if not row.count():
        run_command(page, "jupyter-mlops:refresh")
    row.click()
    history = panel(page).get_by_test_id("mlops-drift-history")
    expect(history).to_have_attribute("data-dataset", name)
    return history


def column_row(scope, column: str):
    return scope.locator(f'[data-testid="mlops-drift-column-row"][data-column={json.dumps(column)}]')


def _has(css_class: str):
    return re.compile(rf"(^|\s){re.escape(css_class)}(\s|$)")


# --- tests ------------------------------------------------------------------------------------


def test_no_drift_checks_yet_shows_the_first_step(store, page):
    open_drift(page)
    empty = panel(page).get_by_test_id("mlops-drift-empty")
    expect(empty).to_be_visible()
    expect(empty).to_contain_text('ml.check_drift("churn@1", new_df)')


def test_the_list_shows_the_latest_report_per_dataset(reports, page):
    open_drift(page)
    run_command(page, "jupyter-mlops:refresh")
    row = dataset_row(page, NAME)
    expect(row).to_be_visible()
    expect(row).to_have_attribute("data-drifted", "true")  # the latest check is the drifted one
    cells = row.locator("td")
    expect(cells.nth(3)).to_have_text("1 of 3")
    expect(cells.nth(4)).to_have_text("drift")
    expect(cells.nth(5)).to_have_text("2")  # reports


def test_the_history_chart_has_a_point_per_check(reports, page, screenshot):
    history = open_history(page)
    chart = history.get_by_test_id("mlops-drift-history-chart")
    assert chart.evaluate("e => e.tagName.toLowerCase()") == "svg"
    markers = chart.locator("circle.mlops-chart-marker")
    expect(markers).to_have_count(2)
    shares = markers.evaluate_all("dots => dots.map(d => Number(d.dataset.y))")
    assert shares == pytest.approx([reports["clean"].drift_share, reports["shifted"].drift_share]), shares  # oldest first
    rows = history.get_by_test_id("mlops-drift-report-row")
    expect(rows).to_have_count(2)
    ids = rows.evaluate_all("rows => rows.map(r => r.dataset.reportId)")
    assert ids == [reports["shifted"].report_id, reports["clean"].report_id], ids  # newest first
    screenshot("drift-history")


def test_the_drifted_report_marks_the_shifted_column(reports, page, screenshot):
    history = open_history(page)
    history.locator(f'[data-testid="mlops-drift-report-row"][data-report-id="{reports["shifted"].report_id}"]').click()
    report = panel(page).get_by_test_id("mlops-drift-report")
    expect(report).to_have_attribute("data-report-id", reports["shifted"].report_id)
    expect(report.get_by_test_id("mlops-drift-summary")).to_have_text(reports["shifted"].summary())
    expect(report.get_by_test_id("mlops-drift-column-row")).to_have_count(3)
    expect(column_row(report, SHIFTED)).to_have_class(_has("mlops-diff"))
    expect(column_row(report, SHIFTED)).to_contain_text("drifted")
    for stable in STABLE:
        expect(column_row(report, stable)).not_to_have_class(_has("mlops-diff"))
        expect(column_row(report, stable)).to_contain_text("stable")
    for column in (SHIFTED, *STABLE):  # reference and current, side by side
        chart = report.locator(f'[data-testid="mlops-drift-column-chart"][data-column={json.dumps(column)}]')
        expect(chart).to_have_count(1)
        expect(chart.locator('rect.mlops-bar[data-series="0"]').first).to_be_visible()
        expect(chart.locator('rect.mlops-bar[data-series="1"]').first).to_be_visible()
    screenshot("drift-report")

    # A dot of the history chart opens its report too.
    report.get_by_test_id("mlops-back").click()
    history = panel(page).get_by_test_id("mlops-drift-history")
    history.get_by_test_id("mlops-drift-history-chart").locator("circle.mlops-chart-marker").first.click()
    report = panel(page).get_by_test_id("mlops-drift-report")
    expect(report).to_have_attribute("data-report-id", reports["clean"].report_id)
    for column in (SHIFTED, *STABLE):
        expect(column_row(report, column)).not_to_have_class(_has("mlops-diff"))
    assert page.events.page_errors == [], page.events.page_errors
