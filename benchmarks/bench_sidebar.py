"""Sidebar benchmarks: the first page of runs with 10,000 runs in the store.

Figures (from the sidebar issue: "time to first page through the API; the same, through the browser"):

* ``GET /mlops/api/v1/runs?limit=50`` against a real ``jupyter lab``: the first call after the
  server started (cold DuckDB open) and the median of warm calls. Peer: MLflow's own REST API
  (``mlflow server``, ``POST /api/2.0/mlflow/runs/search`` with ``max_results=50``) on a sqlite
  store holding the same 10,000 generated runs.
* In Debian's Chromium (playwright): ``page.goto(lab)`` + opening the sidebar until the first run
  row is visible; and, with Lab already loaded, clicking the sidebar's tab until the first row.

Populating runs in child processes (``_common.run_side``); the servers are subprocesses; the
HTTP timings use one plain client (urllib) for both sides; the browser runs in its own child.

Run it:  python benchmarks/run.py --only sidebar [--quick]
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "browser"))
from _common import QUIET_ENV, Row, run_side, side_main, temp_dir  # noqa: E402

PEER = "MLflow 3.x"
EXPERIMENT = "bench"
PAGE = 50
# The request the sidebar makes for its first page ("All experiments", newest first; see the note).
SIDEBAR_QUERY = f"/mlops/api/v1/runs?order_by=start_time+DESC&offset=0&limit={PAGE}"
SIZES = {
    "full": {"runs": 10_000, "repeat": 15, "browser_repeat": 3},
    "quick": {"runs": 500, "repeat": 5, "browser_repeat": 1},
}


def generated_runs(n: int, seed: int = 0):
    """Yield ``(name, params, metrics)``: 3 params and 3 metrics per run."""
    rng = random.Random(seed)
    for i in range(n):
        params = {"model": rng.choice(("rf", "gbm", "lr")), "max_depth": rng.randint(2, 12), "seed": i}
        metrics = {"acc": rng.random(), "loss": rng.uniform(0.0, 2.0), "f1": rng.random()}
        yield f"run-{i}", params, metrics


# --- children: populate -----------------------------------------------------------------------


def ours_populate(sizes: dict) -> dict:
    import jupyter_mlops as ml

    start = time.perf_counter()
    ml.set_experiment(EXPERIMENT)
    for name, params, metrics in generated_runs(sizes["runs"]):
        with ml.start_run(name):
            ml.log_params(params)
            ml.log_metrics(metrics)
    logged = time.perf_counter()
    found = len(ml.search_runs(EXPERIMENT, max_results=1))  # folds the spool into DuckDB
    folded = time.perf_counter()
    from jupyter_mlops.store import open_store

    open_store().release()
    return {"log_s": logged - start, "fold_s": folded - logged, "found": found}


def mlflow_populate(sizes: dict) -> dict:
    from bench_tracking import _mlflow, _mlflow_create, _mlflow_experiment, _replicate_mlflow_run

    folder = sizes["dir"]
    mlflow = _mlflow(folder)
    experiment_id = _mlflow_experiment(mlflow, folder, EXPERIMENT)
    runs = generated_runs(sizes["runs"])
    start = time.perf_counter()
    _mlflow_create(mlflow, [next(runs)])  # one real run; its rows are replicated for the rest
    (template_id,) = mlflow.search_runs(experiment_ids=[experiment_id])["run_id"]
    copied = _replicate_mlflow_run(f"{folder}/mlflow.db", template_id, runs)
    return {"experiment_id": experiment_id, "runs": copied + 1, "populate_s": time.perf_counter() - start}


# --- child: the browser -----------------------------------------------------------------------


def ours_browser(sizes: dict) -> dict:
    from types import SimpleNamespace

    from lab import launch_chromium, open_lab, open_sidebar
    from playwright.sync_api import sync_playwright

    lab = SimpleNamespace(lab_url=f"{sizes['url']}/lab?token={sizes['token']}")  # the parent's server
    timeout = 180_000
    first_row = '[data-testid="mlops-run-row"]'
    load_and_open, click_to_row, requests = [], [], []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            for _ in range(sizes["browser_repeat"]):
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                page.on("request", lambda r: requests.append(r.url) if "/mlops/api/v1/runs" in r.url else None)
                start = time.perf_counter()
                open_lab(page, lab, timeout=timeout)
                open_sidebar(page, timeout=timeout)
                page.wait_for_selector(first_row, state="visible", timeout=timeout)
                load_and_open.append(time.perf_counter() - start)
                context.close()

                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                open_lab(page, lab, timeout=timeout)
                tab = page.locator('.jp-SideBar [data-id="jupyter-mlops-sidebar"]').first
                tab.wait_for(state="visible", timeout=timeout)
                start = time.perf_counter()
                tab.click()
                page.wait_for_selector(first_row, state="visible", timeout=timeout)
                click_to_row.append(time.perf_counter() - start)
                rows = page.locator(first_row).count()
                context.close()
        finally:
            browser.close()
    return {"load_and_open_s": load_and_open, "click_to_row_s": click_to_row, "rows": rows,
            "first_request": requests[0] if requests else None}


SIDES = {f.__name__: f for f in (ours_populate, mlflow_populate, ours_browser)}


# --- parent -----------------------------------------------------------------------------------


def _timed_http(call, repeat: int) -> tuple[float, list[float], object]:
    """The first call's time, then ``repeat`` more; the last answer for checking."""
    start = time.perf_counter()
    answer = call()
    first = time.perf_counter() - start
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = call()
        times.append(time.perf_counter() - start)
    return first, times, answer


def _ours(sizes: dict, folder: str) -> dict:
    from lab import LabServer

    store = os.path.join(folder, "store")
    env = {"MLOPS_HOME": store, "MLOPS_CAPTURE": "0"}
    populated = run_side(os.path.abspath(__file__), "ours_populate", sizes, env=env, cwd=folder)
    lab = LabServer(Path(folder) / "lab", Path(store), extra_env=QUIET_ENV)
    start = time.perf_counter()
    lab.start(timeout=180)
    server_start = time.perf_counter() - start
    try:
        path = SIDEBAR_QUERY
        first, times, answer = _timed_http(lambda: lab.get(path), sizes["repeat"])
        if len(answer["runs"]) != PAGE or answer["total"] != sizes["runs"]:
            raise AssertionError(f"unexpected first page: {len(answer['runs'])} runs of {answer['total']}")
        browser = run_side(
            os.path.abspath(__file__), "ours_browser",
            {**sizes, "url": lab.url, "token": lab.token}, cwd=folder, timeout=1800,
        )
    finally:
        lab.stop()
    return {"populate": populated, "server_start_s": server_start, "api_first_s": first, "api_times_s": times,
            "browser": browser}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mlflow(sizes: dict, folder: str) -> dict:
    populated = run_side(os.path.abspath(__file__), "mlflow_populate", {**sizes, "dir": folder}, cwd=folder)
    port = _free_port()
    log = open(os.path.join(folder, "mlflow-server.log"), "wb")
    mlflow_bin = os.path.join(os.path.dirname(sys.executable), "mlflow")
    proc = subprocess.Popen(
        [mlflow_bin, "server", "--backend-store-uri", f"sqlite:///{folder}/mlflow.db",
         "--default-artifact-root", f"file://{folder}/artifacts", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1"],
        env={**os.environ, **QUIET_ENV}, cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"

    def search():
        body = json.dumps({"experiment_ids": [populated["experiment_id"]], "max_results": PAGE}).encode()
        request = urllib.request.Request(url + "/api/2.0/mlflow/runs/search", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())

    try:
        start = time.perf_counter()
        deadline = start + 180
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"mlflow server exited with {proc.returncode}:\n"
                                   + Path(folder, "mlflow-server.log").read_text()[-3000:])
            try:
                with urllib.request.urlopen(url + "/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() > deadline:
                raise RuntimeError("mlflow server did not answer /health in 180 s")
            time.sleep(0.25)
        server_start = time.perf_counter() - start
        first, times, answer = _timed_http(search, sizes["repeat"])
        if len(answer.get("runs", [])) != PAGE:
            raise AssertionError(f"MLflow's first page has {len(answer.get('runs', []))} runs")
    finally:
        import signal

        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    return {"populate": populated, "server_start_s": server_start, "api_first_s": first, "api_times_s": times}


def _ms(values) -> str:
    return ", ".join(f"{v * 1e3:.0f}" for v in values)


def run(quick: bool = False) -> list[Row]:
    sizes = SIZES["quick" if quick else "full"]
    n = sizes["runs"]
    with temp_dir("sidebar-ours") as folder:
        ours = _ours(sizes, folder)
    try:
        with temp_dir("sidebar-mlflow") as folder:
            peer = _mlflow(sizes, folder)
        peer_note = (
            f"MLflow: `mlflow server --workers 1` on sqlite, `POST /api/2.0/mlflow/runs/search` "
            f"`max_results={PAGE}` (first call {peer['api_first_s'] * 1e3:.0f} ms; then {_ms(peer['api_times_s'])} ms); "
            f"its store holds one run made through its API whose rows were replicated {n - 1:,} times with sqlite3 "
            f"(as in bench_tracking) in {peer['populate']['populate_s']:.1f} s; server up in {peer['server_start_s']:.1f} s. "
            "Both answer newest first."
        )
    except Exception as error:  # the peer is optional: report ours alone, and why
        peer = None
        peer_note = f"MLflow peer not measured: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
    browser = ours["browser"]
    populate = ours["populate"]
    api_note = (
        f"`GET {SIDEBAR_QUERY}` (the sidebar's own first-page query) with the token, against `jupyter lab` "
        f"(up in {ours['server_start_s']:.1f} s) over {n:,} runs with 3 params and 3 metrics each, logged through "
        f"the public API in {populate['log_s']:.2f} s with `MLOPS_CAPTURE=0`, folded by one `search_runs` in "
        f"{populate['fold_s']:.1f} s (neither timed). First call after the server started: "
        f"{ours['api_first_s'] * 1e3:.0f} ms; then {_ms(ours['api_times_s'])} ms. {peer_note}"
    )
    rows = [
        Row(f"first page of runs via REST, first call ({n:,} runs)", ours["api_first_s"], PEER,
            peer["api_first_s"] if peer else None, None, note=api_note),
        Row(f"first page of runs via REST, warm median ({n:,} runs)", statistics.median(ours["api_times_s"]), PEER,
            statistics.median(peer["api_times_s"]) if peer else None, None),
        Row(
            f"browser: open Lab + sidebar until first run row ({n:,} runs)",
            statistics.median(browser["load_and_open_s"]), "", None, None,
            note=(
                f"Debian Chromium headless via playwright, new browser context each time (no cache), from "
                f"`page.goto(/lab)` until the first `mlops-run-row` is visible: {_ms(browser['load_and_open_s'])} ms; "
                f"median shown. The sidebar's first request: `{_path(browser['first_request'])}`. No browser peer."
            ),
        ),
        Row(
            f"browser: click sidebar tab until first run row, Lab loaded ({n:,} runs)",
            statistics.median(browser["click_to_row_s"]), "", None, None,
            note=f"Fresh context, Lab fully loaded, then the click on the MLOps tab: {_ms(browser['click_to_row_s'])} ms.",
        ),
    ]
    return rows


def _path(url: str | None) -> str:
    if not url:
        return "(none seen)"
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    query = "&".join(p for p in parts.query.split("&") if not p.isdigit())  # drop Lab's cache-buster
    return parts.path + ("?" + query if query else "")


if __name__ == "__main__":
    side_main(SIDES)
