"""The sidebar's Datasets tab in a real Chromium against a real ``jupyter lab`` (see conftest.py).

Two versions of a ``churn`` dataset are registered into the server's store through the public
API (the second inside a run, with a repriced ``monthly_charges`` column, 60 more rows and an
added column), and a training run loads it. The tests walk the tab as a user would: the list,
the versions, a version's profile with its charts, the diff of the two versions, and the lineage
link into the Experiments tab. Screenshots land in test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re

import pytest

import playwright.sync_api  # noqa: E402,F401  (a test dependency: missing means a broken set-up)
from playwright.sync_api import expect  # noqa: E402

from .lab import VIEWPORT, open_sidebar, run_command  # noqa: E402

pytestmark = pytest.mark.timeout(240)

NAME = "churn"
EXPERIMENT = "churn-model"
XSS_DATASET = "xss-data"
XSS = "<img src=x onerror=alert(1)>"
XSS_VALUE = '<img src=x onerror="window.__mlopsXss=3">'
# For README-sized screenshots of the longer views (the shared page goes back to VIEWPORT after).
TALL = {"width": VIEWPORT["width"], "height": 1250}


def _frames():
    """churn@1 and churn@2: ``monthly_charges`` repriced (shifted), the rest resampled (not shifted)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    n = 600
    v1 = pd.DataFrame({
        "age": rng.normal(41, 11, n).round(1),
        "plan": rng.choice(["basic", "pro", "team", "enterprise"], n, p=[0.5, 0.3, 0.15, 0.05]),
        "monthly_charges": rng.gamma(4.0, 15.0, n).round(2),
        "signup": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D"),
        "churned": rng.random(n) < 0.27,
    })
    v2 = pd.concat([v1, v1.sample(60, random_state=3)], ignore_index=True)
    v2["monthly_charges"] = (v2["monthly_charges"] * 1.6 + 25).round(2)
    v2["tenure_months"] = rng.integers(1, 72, len(v2))
    return v1, v2


@pytest.fixture(scope="module")
def datasets(store):
    """churn@1 (outside a run), churn@2 (produced by a run), a run reading churn@2, and an XSS dataset."""
    import pandas as pd

    import jupyter_mlops as ml

    v1, v2 = _frames()
    first = ml.register_dataset(v1, NAME, description="Telecom customers")
    with ml.start_run("prepare-churn", experiment=EXPERIMENT) as producer:
        second = ml.register_dataset(v2, NAME, description="Telecom customers, charges repriced",
                                     tags={"source": "crm", "owner": "data-team"})
    with ml.start_run("train-churn", experiment=EXPERIMENT) as reader:
        ml.log_param("model", "gbm")
        ml.log_metric("auc", 0.81)
        ml.load_dataset(f"{NAME}@2")
    xss = ml.register_dataset(
        pd.DataFrame({XSS: [XSS_VALUE, XSS, "plain", XSS_VALUE], "n": [1, 2, 3, 4]}), XSS_DATASET,
        description=XSS_VALUE,
    )
    diff = ml.diff_datasets(f"{NAME}@1", f"{NAME}@2")
    shifted = set(diff.columns[diff.columns["shifted"]]["column"])
    assert shifted == {"monthly_charges"}, diff.summary()  # the data behind the diff assertions
    return {"v1": first, "v2": second, "xss": xss, "producer": producer.run_id, "reader": reader.run_id}


# --- helpers ----------------------------------------------------------------------------------


def panel(page):
    """The Datasets tab's panel (the Experiments panel stays mounted beside it, hidden)."""
    return page.locator('.mlops-tab-panel[data-tab="datasets"]')


def open_datasets(page) -> None:
    """The Datasets tab showing its list (or empty state), from any view of any tab."""
    open_sidebar(page)
    page.get_by_test_id("mlops-tab-datasets").click()
    expect(page.get_by_test_id("mlops-tab-datasets")).to_have_attribute("aria-selected", "true")
    back = panel(page).get_by_test_id("mlops-back")
    for _ in range(4):
        if not back.count():
            break
        back.first.click()
    expect(panel(page).get_by_test_id("mlops-datasets-table").or_(panel(page).get_by_test_id("mlops-datasets-empty"))).to_be_visible()


def dataset_row(page, name: str):
    return panel(page).locator(f'[data-testid="mlops-dataset-row"][data-dataset-name={json.dumps(name)}]')


def version_row(page, ref: str):
    return panel(page).locator(f'[data-testid="mlops-dataset-version-row"][data-ref={json.dumps(ref)}]')


def open_versions(page, name: str) -> None:
    open_datasets(page)
    row = dataset_row(page, name)
    if not row.count():
        run_command(page, "jupyter-mlops:refresh")  # registered after the list's last poll
    row.click()
    expect(panel(page).get_by_test_id("mlops-dataset-versions")).to_have_attribute("data-dataset-name", name)


def open_profile(page, ref: str):
    open_versions(page, ref.split("@")[0])
    version_row(page, ref).click()
    profile = panel(page).get_by_test_id("mlops-dataset-profile")
    expect(profile).to_have_attribute("data-ref", ref)
    return profile


def column_row(scope, column: str, testid: str = "mlops-dataset-column-row"):
    return scope.locator(f'[data-testid="{testid}"][data-column={json.dumps(column)}]')


def chart(scope, column: str):
    return scope.locator(f'[data-testid="mlops-dataset-column-chart"][data-column={json.dumps(column)}]')


def _has(css_class: str):
    return re.compile(rf"(^|\s){re.escape(css_class)}(\s|$)")


# --- tests ------------------------------------------------------------------------------------


def test_no_datasets_yet_shows_the_first_step(store, page):
    open_datasets(page)
    empty = panel(page).get_by_test_id("mlops-datasets-empty")
    expect(empty).to_be_visible()
    expect(empty).to_contain_text('ml.register_dataset(df, "name")')
    expect(empty).to_contain_text("%mlops dataset register df --name churn")


def test_the_list_shows_datasets_and_their_versions(datasets, page, screenshot):
    open_datasets(page)
    run_command(page, "jupyter-mlops:refresh")  # no need to wait for the 10 s poll
    row = dataset_row(page, NAME)
    expect(row).to_be_visible()
    expect(panel(page).get_by_test_id("mlops-datasets-empty")).to_have_count(0)
    cells = row.locator("td")
    expect(cells.nth(1)).to_have_text("v2")  # latest version
    expect(cells.nth(2)).to_have_text("2")  # versions
    expect(cells.nth(3)).to_have_text("660")  # rows of the latest
    expect(cells.nth(4)).to_have_text("snapshot")
    expect(row).to_contain_text("Telecom customers")
    screenshot("datasets-list")

    row.click()
    versions = panel(page).get_by_test_id("mlops-dataset-versions")
    expect(versions).to_be_visible()
    expect(versions.get_by_test_id("mlops-dataset-version-row")).to_have_count(2)
    refs = versions.get_by_test_id("mlops-dataset-version-row").evaluate_all("rows => rows.map(r => r.dataset.ref)")
    assert refs == [f"{NAME}@2", f"{NAME}@1"], refs  # newest first
    second = version_row(page, f"{NAME}@2").locator("td")
    expect(second.nth(2)).to_have_text("660")  # rows
    expect(second.nth(3)).to_have_text("6")  # columns
    expect(second.nth(6)).to_contain_text("dataframe")  # source
    expect(version_row(page, f"{NAME}@1").locator("td").nth(3)).to_have_text("5")
    expect(panel(page).get_by_test_id("mlops-dataset-diff-button")).to_be_disabled()
    screenshot("dataset-versions")


def test_a_version_profile_draws_a_chart_per_column(datasets, page):
    from jupyter_mlops.widgets.dataset import histogram_from_quantiles

    version = datasets["v2"]
    profile = open_profile(page, f"{NAME}@2")
    header = profile.get_by_test_id("mlops-dataset-header")
    expect(header).to_contain_text("660 rows × 6 columns")
    expect(header).to_contain_text(version.fingerprint[:12])
    expect(header).to_contain_text("charges repriced")
    expect(header).to_contain_text("source=crm")
    expect(header).to_contain_text("dataframe")

    columns = [c["column_name"] for c in version.columns]
    expect(profile.get_by_test_id("mlops-dataset-column-row")).to_have_count(len(columns))
    age = column_row(profile, "age")
    expect(age.locator("td").nth(1)).to_have_text("numeric")
    expect(age.locator("td").nth(2)).to_have_text("0%")  # no nulls
    expect(column_row(profile, "plan").locator("td").nth(3)).to_have_text("4")  # distinct

    for column in columns:  # every column kind here gets a chart with bars
        svg = chart(profile, column)
        expect(svg).to_have_count(1)
        assert svg.evaluate("e => e.tagName.toLowerCase()") == "svg"
        expect(svg.locator("rect.mlops-bar").first).to_be_visible()
    expect(chart(profile, "plan")).to_have_attribute("data-kind", "categorical")
    expect(chart(profile, "plan").locator(".mlops-bar-label", has_text="enterprise")).to_have_count(1)
    expect(chart(profile, "churned").locator(".mlops-bar-label", has_text="true")).to_have_count(1)

    # The histogram is the Python widget's, bar for bar (rebuilt in the page from the 101 quantiles).
    for name in ("monthly_charges", "signup"):
        profiled = next(c for c in version.columns if c["column_name"] == name)
        expected = {i: share for i, (_, _, share) in enumerate(histogram_from_quantiles(profiled["quantiles"])) if share > 0}
        drawn = chart(profile, name).locator("rect.mlops-bar").evaluate_all(
            "bars => bars.map(b => [Number(b.dataset.slot), Number(b.dataset.value)])")
        assert {slot for slot, _ in drawn} == set(expected), (name, drawn)
        for slot, share in drawn:
            assert share == pytest.approx(expected[slot], abs=1e-12), (name, slot)


def test_profile_screenshot(datasets, page, screenshot):
    profile = open_profile(page, f"{NAME}@2")
    expect(chart(profile, "age")).to_be_visible()
    page.set_viewport_size(TALL)
    try:
        profile.get_by_test_id("mlops-dataset-columns").scroll_into_view_if_needed()
        screenshot("dataset-profile")
    finally:
        page.set_viewport_size(VIEWPORT)


def test_diff_of_two_versions_marks_the_shifted_column(datasets, page, screenshot):
    open_versions(page, NAME)
    button = panel(page).get_by_test_id("mlops-dataset-diff-button")
    for ref in (f"{NAME}@2", f"{NAME}@1"):
        version_row(page, ref).get_by_test_id("mlops-dataset-version-checkbox").check()
    expect(button).to_be_enabled()
    button.click()

    diff = panel(page).get_by_test_id("mlops-dataset-diff")
    expect(diff).to_have_attribute("data-before", f"{NAME}@1")  # the older version first
    expect(diff).to_have_attribute("data-after", f"{NAME}@2")
    summary = diff.get_by_test_id("mlops-dataset-diff-summary")
    expect(summary).to_have_text(ml_summary())
    expect(summary).to_contain_text("shifted: monthly_charges")
    expect(diff.get_by_test_id("mlops-dataset-diff-added")).to_contain_text("tenure_months")
    expect(diff.get_by_test_id("mlops-dataset-diff-changes")).to_contain_text("600 → 660 (+60)")
    expect(diff.get_by_test_id("mlops-dataset-diff-row")).to_have_count(5)  # columns in both
    expect(column_row(diff, "monthly_charges", "mlops-dataset-diff-row")).to_have_class(_has("mlops-diff"))
    for unshifted in ("age", "plan", "signup", "churned"):
        expect(column_row(diff, unshifted, "mlops-dataset-diff-row")).not_to_have_class(_has("mlops-diff"))
    before_after = chart(diff, "monthly_charges")  # both versions on shared bins
    expect(before_after.locator('rect.mlops-bar[data-series="0"]').first).to_be_visible()
    expect(before_after.locator('rect.mlops-bar[data-series="1"]').first).to_be_visible()

    page.set_viewport_size(TALL)
    try:
        screenshot("dataset-diff")
    finally:
        page.set_viewport_size(VIEWPORT)
    panel(page).get_by_test_id("mlops-back").click()
    expect(panel(page).get_by_test_id("mlops-dataset-versions")).to_be_visible()
    expect(button).to_be_enabled()  # the selection survived the visit


def ml_summary() -> str:
    import jupyter_mlops as ml

    return ml.diff_datasets(f"{NAME}@1", f"{NAME}@2").summary()


def test_lineage_links_open_the_run_in_the_experiments_tab(datasets, page):
    profile = open_profile(page, f"{NAME}@2")
    lineage = profile.get_by_test_id("mlops-dataset-lineage")
    producer = lineage.locator('[data-testid="mlops-lineage-run"][data-role="producer"]')
    reader = lineage.locator('[data-testid="mlops-lineage-run"][data-role="reader"]')
    expect(producer).to_have_count(1)
    expect(producer).to_have_attribute("data-run-id", datasets["producer"])
    expect(producer).to_have_text("prepare-churn")
    expect(reader).to_have_count(1)
    expect(reader).to_have_attribute("data-run-id", datasets["reader"])
    expect(reader).to_have_text("train-churn")
    assert reader.evaluate("e => e.tagName.toLowerCase()") == "a"

    reader.click()
    expect(page.get_by_test_id("mlops-tab-experiments")).to_have_attribute("aria-selected", "true")
    detail = page.get_by_test_id("mlops-run-detail")
    expect(detail).to_be_visible()
    expect(detail).to_have_attribute("data-run-id", datasets["reader"])
    expect(detail).to_contain_text("train-churn")
    expect(panel(page)).to_be_hidden()

    # Back in the Experiments tab returns to its runs table; the Datasets tab kept its place.
    page.locator('.mlops-tab-panel[data-tab="experiments"]').get_by_test_id("mlops-back").click()
    expect(page.get_by_test_id("mlops-filter")).to_be_visible()
    page.get_by_test_id("mlops-tab-datasets").click()
    expect(panel(page).get_by_test_id("mlops-dataset-profile")).to_have_attribute("data-ref", f"{NAME}@2")

    # Version 1 was registered outside any run and nothing read it: both lists say so.
    profile = open_profile(page, f"{NAME}@1")
    lineage = profile.get_by_test_id("mlops-dataset-lineage")
    expect(lineage).to_contain_text("Registered outside a run")
    expect(lineage).to_contain_text("No run has read it yet")
    expect(lineage.get_by_test_id("mlops-lineage-run")).to_have_count(0)


def test_html_in_column_names_and_values_renders_as_text(datasets, page):
    page.evaluate("() => { delete window.__mlopsXss; }")
    dialogs_before = list(page.events.dialogs)
    open_datasets(page)
    run_command(page, "jupyter-mlops:refresh")
    expect(dataset_row(page, XSS_DATASET)).to_contain_text(XSS_VALUE)  # the description, as text
    profile = open_profile(page, f"{XSS_DATASET}@1")
    row = column_row(profile, XSS)
    expect(row).to_have_count(1)
    expect(row.locator("th")).to_have_text(XSS)
    svg = chart(profile, XSS)
    expect(svg).to_have_count(1)
    expect(svg.locator("title").first).to_have_text(XSS)
    labels = svg.locator(".mlops-bar-label title").all_text_contents()
    assert XSS_VALUE in labels and XSS in labels, labels
    expect(profile.get_by_test_id("mlops-dataset-header")).to_contain_text(XSS_VALUE)

    expect(page.locator('img[src="x"]')).to_have_count(0)
    expect(panel(page).locator("img")).to_have_count(0)
    assert page.evaluate("() => window.__mlopsXss") is None
    assert page.events.dialogs == dialogs_before, page.events.dialogs
    assert page.events.page_errors == [], page.events.page_errors
