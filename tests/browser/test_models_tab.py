"""The Models tab in a real JupyterLab and Chromium (see conftest.py).

Two versions of a small scikit-learn ``churn`` model are registered into the server's store
through the public API (the second inside a run), ``champion`` points at version 1, and an
evaluation and a promotion decision are stored. The tests walk the tab as a user would: the
list, the model's versions, promote with the button (confirmed in a JupyterLab dialog with a
reason), roll back, cancel, and a reason made of HTML. Screenshots land in test-artifacts/screenshots/.
"""

from __future__ import annotations

import json

import pytest

import playwright.sync_api  # noqa: E402,F401  (a test dependency: missing means a broken set-up)
from playwright.sync_api import expect  # noqa: E402

from .lab import open_sidebar, run_command  # noqa: E402

pytestmark = pytest.mark.timeout(240)

NAME = "churn"
EXPERIMENT = "churn-models"
XSS = "<img src=x onerror=alert(1)>"


def _data():
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(11)
    n = 300
    frame = pd.DataFrame({
        "tenure": rng.integers(1, 72, n).astype(float),
        "charges": rng.gamma(4.0, 15.0, n).round(2),
    })
    frame["churned"] = (frame["charges"] / 60 - frame["tenure"] / 36 + rng.normal(0, 0.5, n)) > 0
    return frame


@pytest.fixture(scope="module")
def models(store):
    """churn/1 (no run), churn/2 (from a run), champion -> 1, one evaluation and one decision."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    import jupyter_mlops as ml

    frame = _data()
    X, y = frame[["tenure", "charges"]], frame["churned"]
    first = ml.register_model(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y), NAME,
                              description="Churn classifier")
    ml.register_dataset(frame, "churn-train")
    with ml.start_run("train-churn-lr", experiment=EXPERIMENT) as run:
        ml.load_dataset("churn-train@1")
        ml.log_metric("accuracy", 0.9)
        second = ml.register_model(LogisticRegression().fit(X, y), NAME)
    ml.set_alias(NAME, "champion", 1, reason="first model in production")
    ml.evaluate(f"{NAME}/1", frame, target="churned")
    ml.compare_models(NAME, "champion", 2, data=frame, target="churned")
    return {"v1": first, "v2": second, "run": run.run_id}


# --- helpers ----------------------------------------------------------------------------------


def panel(page):
    """The Models tab's panel (the other tabs stay mounted beside it, hidden)."""
    return page.locator('.mlops-tab-panel[data-tab="models"]')


def open_models(page) -> None:
    """The Models tab showing its list (or empty state), from any view."""
    open_sidebar(page)
    page.get_by_test_id("mlops-tab-models").click()
    expect(page.get_by_test_id("mlops-tab-models")).to_have_attribute("aria-selected", "true")
    back = panel(page).get_by_test_id("mlops-back")
    if back.count():
        back.first.click()
    expect(panel(page).get_by_test_id("mlops-models-table").or_(panel(page).get_by_test_id("mlops-models-empty"))).to_be_visible()


def model_row(page, name: str):
    return panel(page).locator(f'[data-testid="mlops-model-row"][data-model-name={json.dumps(name)}]')


def open_model(page, name: str = NAME):
    open_models(page)
    row = model_row(page, name)
    if not row.count():
        run_command(page, "jupyter-mlops:refresh")  # registered after the list's last poll
    row.click()
    detail = panel(page).get_by_test_id("mlops-model-versions")
    expect(detail).to_have_attribute("data-model-name", name)
    expect(detail.get_by_test_id("mlops-model-version-row").first).to_be_visible()
    return detail


def version_row(detail, version: int):
    return detail.locator(f'[data-testid="mlops-model-version-row"][data-version="{version}"]')


def events(detail):
    return detail.get_by_test_id("mlops-alias-history").get_by_test_id("mlops-alias-event")


def dialog(page):
    return page.locator(".jp-Dialog")


def history_rows():
    import jupyter_mlops as ml

    return ml.model_history(NAME, "champion")[["action", "from_version", "to_version", "reason"]].to_dict("records")


def champion() -> int:
    import jupyter_mlops as ml

    return ml.get_model_version(f"{NAME}@champion").version


def promote(page, detail, version: int, reason: str) -> None:
    detail.locator(f'[data-testid="mlops-promote-button"][data-version="{version}"]').click()
    expect(dialog(page)).to_be_visible()
    expect(dialog(page).get_by_test_id("mlops-alias-input")).to_have_value("champion")
    dialog(page).get_by_test_id("mlops-reason-input").fill(reason)
    dialog(page).locator(".jp-Dialog-button.jp-mod-accept").click()
    expect(dialog(page)).to_have_count(0)


# --- tests ------------------------------------------------------------------------------------


def test_no_models_yet_shows_the_first_step(store, page):
    open_models(page)
    empty = panel(page).get_by_test_id("mlops-models-empty")
    expect(empty).to_be_visible()
    expect(empty).to_contain_text('ml.register_model(model, "churn")')
    expect(empty).to_contain_text("%mlops model register model --name churn")


def test_the_list_and_a_models_versions_history_and_evaluations(models, page, screenshot):
    open_models(page)
    run_command(page, "jupyter-mlops:refresh")
    row = model_row(page, NAME)
    expect(row).to_be_visible()
    cells = row.locator("td")
    expect(cells.nth(1)).to_have_text("v2")
    expect(cells.nth(2)).to_have_text("2")
    expect(cells.nth(3)).to_contain_text("@champion → v1")
    expect(row).to_contain_text("Churn classifier")

    detail = open_model(page)
    expect(detail.get_by_test_id("mlops-model-version-row")).to_have_count(2)
    versions = detail.get_by_test_id("mlops-model-version-row").evaluate_all("rows => rows.map(r => r.dataset.version)")
    assert versions == ["2", "1"], versions  # newest first
    expect(version_row(detail, 1)).to_contain_text("@champion")
    expect(version_row(detail, 1)).to_contain_text("sklearn")
    expect(version_row(detail, 2).get_by_test_id("mlops-model-run-link")).to_have_attribute("data-run-id", models["run"])
    expect(version_row(detail, 2)).to_contain_text("accuracy=0.9")  # the run's metrics snapshot
    expect(version_row(detail, 2)).to_contain_text("churn-train@1")  # the run's training data
    expect(events(detail)).to_have_count(1)
    first = events(detail).first
    expect(first).to_have_attribute("data-alias", "champion")
    expect(first).to_have_attribute("data-to-version", "1")
    expect(first).to_contain_text("first model in production")
    expect(detail.get_by_test_id("mlops-model-evaluations").get_by_test_id("mlops-model-evaluation-row")).to_have_count(3)
    decisions = detail.get_by_test_id("mlops-model-decisions").get_by_test_id("mlops-model-decision-row")
    expect(decisions).to_have_count(1)
    expect(decisions.first).to_contain_text("champion (v1)")
    expect(decisions.first).to_contain_text("2 (v2)")
    screenshot("models")


def test_the_run_link_opens_the_run_in_the_experiments_tab(models, page):
    detail = open_model(page)
    version_row(detail, 2).get_by_test_id("mlops-model-run-link").click()
    expect(page.get_by_test_id("mlops-tab-experiments")).to_have_attribute("aria-selected", "true")
    run = page.get_by_test_id("mlops-run-detail")
    expect(run).to_have_attribute("data-run-id", models["run"])
    expect(run).to_contain_text("train-churn-lr")
    page.locator('.mlops-tab-panel[data-tab="experiments"]').get_by_test_id("mlops-back").click()


def test_cancelling_the_confirmation_changes_nothing(models, page, screenshot):
    before = history_rows()
    detail = open_model(page)
    count = events(detail).count()
    detail.locator('[data-testid="mlops-promote-button"][data-version="2"]').click()
    expect(dialog(page)).to_be_visible()
    dialog(page).get_by_test_id("mlops-reason-input").fill("never sent")
    screenshot("model-promote-dialog")
    dialog(page).locator(".jp-Dialog-button.jp-mod-reject").click()
    expect(dialog(page)).to_have_count(0)
    run_command(page, "jupyter-mlops:refresh")
    expect(version_row(detail, 1)).to_contain_text("@champion")
    expect(events(detail)).to_have_count(count)
    expect(detail).not_to_contain_text("never sent")
    assert history_rows() == before
    assert champion() == 1


def test_promote_with_the_button_then_roll_back(models, page, screenshot):
    detail = open_model(page)
    count = events(detail).count()
    promote(page, detail, 2, "AUC up on churn holdout")

    expect(events(detail)).to_have_count(count + 1)
    newest = events(detail).first  # newest first
    expect(newest).to_have_attribute("data-alias", "champion")
    expect(newest).to_have_attribute("data-from-version", "1")
    expect(newest).to_have_attribute("data-to-version", "2")
    expect(newest).to_have_attribute("data-action", "promote")
    expect(newest).to_contain_text("AUC up on churn holdout")
    expect(version_row(detail, 2)).to_contain_text("@champion")
    assert champion() == 2
    assert history_rows()[-1] == {"action": "promote", "from_version": 1, "to_version": 2,
                                  "reason": "AUC up on churn holdout"}

    rollback = detail.locator('[data-testid="mlops-rollback-button"][data-alias="champion"]')
    expect(rollback).to_be_enabled()
    expect(rollback).to_contain_text("v1")
    screenshot("model-history")

    rollback.click()
    expect(dialog(page)).to_be_visible()
    dialog(page).get_by_test_id("mlops-reason-input").fill("latency regression")
    dialog(page).locator(".jp-Dialog-button.jp-mod-accept").click()
    expect(dialog(page)).to_have_count(0)
    expect(events(detail)).to_have_count(count + 2)
    newest = events(detail).first
    expect(newest).to_have_attribute("data-action", "rollback")
    expect(newest).to_have_attribute("data-from-version", "2")
    expect(newest).to_have_attribute("data-to-version", "1")
    expect(newest).to_contain_text("latency regression")
    expect(version_row(detail, 1)).to_contain_text("@champion")
    assert champion() == 1
    assert history_rows()[-1]["action"] == "rollback"
    expect(rollback).to_be_disabled()  # back at the first version: nothing earlier


def test_a_reason_made_of_html_renders_as_text(models, page):
    dialogs_before = list(page.events.dialogs)
    detail = open_model(page)
    promote(page, detail, 2, XSS)
    newest = events(detail).first
    expect(newest).to_have_attribute("data-to-version", "2")
    expect(newest.get_by_test_id("mlops-alias-reason")).to_have_text(XSS)
    expect(panel(page).locator("img")).to_have_count(0)
    expect(page.locator('img[src="x"]')).to_have_count(0)
    assert page.events.dialogs == dialogs_before, page.events.dialogs
    assert page.events.page_errors == [], page.events.page_errors
