"""The Models tab's "Running servers" in a real JupyterLab and Chromium (see conftest.py).

``cancer/1`` (champion, a good classifier; the model's description is HTML) and ``cancer/2``
(challenger, trained on flipped labels) are registered into the server's store. First no server
runs, and the tab says how to start one. Then a real model server runs in this process in canary
mode (20% to the challenger) and gets requests and feedback labels over HTTP: the tab shows its
address, split and per-version stats. The split is shifted with the control (confirmed in a
dialog, with a reason made of HTML): the Jupyter server, another process, reaches the model
server through its admin token file, and the model server's own GET /stats shows the new split.
Screenshots land in test-artifacts/screenshots/.
"""

from __future__ import annotations

import httpx
import pytest

import playwright.sync_api  # noqa: F401  (a test dependency: missing means a broken set-up)
from playwright.sync_api import expect

from ..serving_helpers import cancer, records
from .lab import open_sidebar, run_command

pytestmark = pytest.mark.timeout(240)

NAME = "cancer"
XSS = "<img src=x onerror=alert(1)>"
CHALLENGER_IDS = [1, 6]  # with request ids req-0..req-9 and a 20% canary, these go to the challenger


@pytest.fixture(scope="module")
def models(store):
    import jupyter_mlops as ml

    X, _, good, flipped, _ = cancer()
    ml.register_model(good, NAME, input_example=X.head(), description=f"tumour classifier {XSS}")
    ml.register_model(flipped, NAME, input_example=X.head())
    ml.set_alias(NAME, "champion", 1)
    ml.set_alias(NAME, "challenger", 2)


@pytest.fixture(scope="module")
def server(models):
    """A canary (20%) that answered 30 requests, 10 of them labelled."""
    from jupyter_mlops.serving import serve

    X, y, *_ = cancer()
    running = serve(f"{NAME}@champion", challenger="challenger", mode="canary", canary_share=0.2,
                    poll_interval=0.5, beat_interval=0.5)
    try:
        client = httpx.Client(base_url=running.url)
        answers = [client.post("/predict", json={"records": records(X.iloc[[i]])},
                               headers={"X-Request-Id": f"req-{i}"}).json() for i in range(30)]
        assert [i for i, a in enumerate(answers[:10]) if a["side"] == "challenger"] == CHALLENGER_IDS
        client.post("/feedback", json={"feedback": [{"request_id": answers[i]["request_id"], "label": int(y.iloc[i])}
                                                    for i in range(10)]})
        yield running
    finally:
        running.stop()


def live_stats(server) -> dict:
    """What the model server itself answers on GET /stats."""
    return httpx.get(server.url + "/stats").json()


# --- helpers ----------------------------------------------------------------------------------


def panel(page):
    return page.locator('.mlops-tab-panel[data-tab="models"]')


def open_models(page):
    """The Models tab showing its list, from any view; its "Running servers" section."""
    open_sidebar(page)
    page.get_by_test_id("mlops-tab-models").click()
    back = panel(page).get_by_test_id("mlops-back")
    if back.count():
        back.first.click()
    if not panel(page).get_by_test_id("mlops-models-table").count():
        run_command(page, "jupyter-mlops:refresh")  # registered after the list's last poll
    expect(panel(page).get_by_test_id("mlops-models-table")).to_be_visible()
    return panel(page).get_by_test_id("mlops-servers")


def open_model_servers(page):
    """The model's detail, and its own "Running servers" section."""
    open_models(page)
    panel(page).locator(f'[data-testid="mlops-model-row"][data-model-name="{NAME}"]').click()
    detail = panel(page).get_by_test_id("mlops-model-versions")
    expect(detail).to_have_attribute("data-model-name", NAME)
    servers = detail.get_by_test_id("mlops-servers")
    expect(servers).to_have_attribute("data-model-name", NAME)
    return servers


def card(section, server):
    return section.locator(f'[data-testid="mlops-server"][data-server-id="{server.server_id}"]')


def stat_row(card_, side: str):
    return card_.locator(f'[data-testid="mlops-server-stat-row"][data-side="{side}"][data-current="true"]')


def confirm(page, reason: str | None, accept: bool = True) -> None:
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_be_visible()
    if reason is not None:
        dialog.get_by_test_id("mlops-traffic-reason").fill(reason)
    dialog.locator(".jp-Dialog-button.jp-mod-accept" if accept else ".jp-Dialog-button.jp-mod-reject").click()
    expect(dialog).to_have_count(0)


# --- tests ------------------------------------------------------------------------------------


def test_no_server_yet_shows_how_to_start_one(models, page):
    section = open_models(page)
    hint = section.get_by_test_id("mlops-servers-empty")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("jupyter-mlops serve <model>")
    expect(hint).to_contain_text("%mlops serve <model>")
    expect(section.get_by_test_id("mlops-server")).to_have_count(0)


def test_the_list_shows_address_split_and_per_version_stats(server, page, screenshot):
    section = open_models(page)
    found = card(section, server)
    expect(found).to_be_visible()
    expect(found.get_by_test_id("mlops-server-url")).to_have_text(server.url)
    expect(found.get_by_test_id("mlops-server-mode")).to_have_text("canary")
    bar = found.get_by_test_id("mlops-traffic")
    expect(bar).to_have_attribute("data-challenger-share", "0.2")
    expect(found.get_by_test_id("mlops-traffic-split")).to_contain_text("champion cancer/1 80%")
    expect(found.get_by_test_id("mlops-traffic-split")).to_contain_text("challenger cancer/2 20%")
    by_side = {s["side"]: s for s in live_stats(server)["stats"] if s["current"]}
    for side in ("champion", "challenger"):  # the counts arrive with the server's next heartbeat
        expect(stat_row(found, side)).to_have_attribute("data-requests", str(by_side[side]["requests"]))
    assert by_side["champion"]["requests"] + by_side["challenger"]["requests"] == 30
    expect(stat_row(found, "champion").get_by_test_id("mlops-server-quality")).to_have_text("accuracy 1 (8 labels)")
    expect(stat_row(found, "challenger").get_by_test_id("mlops-server-quality")).to_have_text("accuracy 0 (2 labels)")
    expect(stat_row(found, "champion")).to_contain_text(" ms")
    expect(stat_row(found, "champion")).to_contain_text("0%")  # no errors
    expect(panel(page).locator("img")).to_have_count(0)  # the HTML description stays text
    screenshot("models-running-servers")


def test_shift_the_canary_then_switch_blue_green_from_the_models_detail(server, page, screenshot):
    dialogs_before = list(page.events.dialogs)
    section = open_model_servers(page)
    found = card(section, server)
    expect(found.get_by_test_id("mlops-traffic")).to_have_attribute("data-challenger-share", "0.2")

    found.get_by_test_id("mlops-traffic-share").fill("50")  # a cancelled shift sends nothing
    found.get_by_test_id("mlops-traffic-apply").click()
    confirm(page, "never sent", accept=False)
    assert live_stats(server)["traffic"]["challenger_share"] == 0.2

    found.get_by_test_id("mlops-traffic-share").fill("50")
    found.get_by_test_id("mlops-traffic-apply").click()
    expect(page.locator(".jp-Dialog")).to_contain_text("from canary: 20% to the challenger to canary: 50%")
    screenshot("models-traffic-dialog")
    confirm(page, XSS)
    expect(found.get_by_test_id("mlops-traffic")).to_have_attribute("data-challenger-share", "0.5")
    expect(found.get_by_test_id("mlops-traffic-split")).to_contain_text("challenger cancer/2 50%")
    expect(section.get_by_test_id("mlops-traffic-notice")).to_contain_text("50% to the challenger")
    live = live_stats(server)
    assert live["traffic"] == {"mode": "canary", "challenger_share": 0.5, "champion_share": 0.5, "active": None}
    assert live["shifts"][-1]["reason"] == XSS and live["shifts"][-1]["by"] == "command"
    reason = found.get_by_test_id("mlops-server-shift-reason").first  # from the next heartbeat
    expect(reason).to_have_text(XSS)
    expect(panel(page).locator("img")).to_have_count(0)
    expect(page.locator('img[src="x"]')).to_have_count(0)

    found.get_by_test_id("mlops-traffic-mode").select_option("blue-green")
    found.locator('[data-testid="mlops-traffic-switch"][data-side="challenger"]').click()
    confirm(page, "challenger holds up")
    expect(found).to_have_attribute("data-mode", "blue-green")
    expect(found.get_by_test_id("mlops-traffic")).to_have_attribute("data-challenger-share", "1")
    expect(found.get_by_test_id("mlops-traffic-split")).to_contain_text("champion cancer/1 0%")
    assert live_stats(server)["traffic"]["active"] == "challenger"
    X, *_ = cancer()
    answer = httpx.post(server.url + "/predict", json={"records": records(X.iloc[:1])}).json()
    assert answer["side"] == "challenger" and answer["model_version"] == 2
    switch = found.get_by_test_id("mlops-traffic-switch")
    expect(switch).to_have_count(1)  # only back to the champion now
    expect(switch).to_have_attribute("data-side", "champion")
    screenshot("models-traffic-blue-green")
    assert page.events.dialogs == dialogs_before, page.events.dialogs
    assert page.events.page_errors == [], page.events.page_errors
