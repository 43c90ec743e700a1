"""Serving benchmarks: our model server beside ``mlflow models serve``, same model, same requests, loopback.

The model is a StandardScaler + LogisticRegression pipeline on breast cancer (30 float columns),
registered with the alias ``champion`` in each tool's registry and served by that alias:

* ours: ``jupyter-mlops serve bench@champion`` (uvicorn + Starlette, one process, predictions logged
  to the store's spool, aliases re-read whenever the database changes, for hot swaps);
* MLflow: ``mlflow models serve -m models:/bench@champion --env-manager local`` (uvicorn + FastAPI,
  one worker, sqlite registry).

Both receive the same bytes: ``POST /invocations`` with ``{"dataframe_records": [one row]}``
(our server answers MLflow's route and body forms too). A client process (httpx, keep-alive)
measures, after a warm-up: the p50 and p99 latency of sequential single-row requests, requests
per second for one client and for 4 concurrent client threads (bounded counts), and the requests
that fail while the served version changes under a paced load (ours: ``set_alias`` moves the alias
and the server hot-swaps; MLflow serves one fixed model per process, so the change is a restart).

Run it:  python benchmarks/run.py --only serving [--quick]
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import QUIET_ENV, Row, run_side, side_main, temp_dir  # noqa: E402

PEER = "MLflow 3.x"
SIZES = {"full": {"latency": 2000, "rps": 3000, "concurrent": 4, "swap_rate": 100, "after_swap": 300},
         "quick": {"latency": 300, "rps": 400, "concurrent": 4, "swap_rate": 100, "after_swap": 100}}
HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)


def _data():
    import warnings

    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    warnings.filterwarnings("ignore")
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    fit = lambda labels: make_pipeline(StandardScaler(), LogisticRegression()).fit(X, labels)  # noqa: E731
    return X, fit(y), fit(1 - y)  # version 2 predicts the opposite: a swap is visible in the answers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bodies() -> list[bytes]:
    X, _, _ = _data()
    return [json.dumps({"dataframe_records": [row]}).encode() for row in X.head(200).to_dict(orient="records")]


# --- setup children ---------------------------------------------------------------------------
def ours_setup(sizes: dict) -> dict:
    import jupyter_mlops as ml

    X, first, second = _data()
    for model in (first, second):
        ml.register_model(model, "bench", input_example=X.head())
    ml.set_alias("bench", "champion", 1)
    return {}


def _mlflow_uri(folder: str) -> str:
    return f"sqlite:///{folder}/mlflow.db"


def mlflow_setup(sizes: dict) -> dict:
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    import mlflow
    import mlflow.sklearn
    from mlflow import MlflowClient

    X, first, second = _data()
    mlflow.set_tracking_uri(_mlflow_uri(sizes["dir"]))
    experiment = mlflow.create_experiment("bench", artifact_location=f"file://{sizes['dir']}/artifacts")
    for model in (first, second):
        with mlflow.start_run(experiment_id=experiment):
            mlflow.sklearn.log_model(model, name="model", registered_model_name="bench", input_example=X.head())
    MlflowClient().set_registered_model_alias("bench", "champion", 1)
    return {}


# --- servers (started by the parent or the swap child) ---------------------------------------
def start_server(side: str, folder: str, port: int, ref: str = "bench@champion") -> subprocess.Popen:
    env = {**os.environ, **QUIET_ENV, "MLOPS_HOME": os.path.join(folder, "mlops"),
           "MLFLOW_TRACKING_URI": _mlflow_uri(folder),
           "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}  # mlflow runs `uvicorn` from PATH
    if side == "ours":
        command = [sys.executable, "-m", "jupyter_mlops.cli", "serve", ref, "--port", str(port)]
    else:
        command = [os.path.join(BIN, "mlflow"), "models", "serve", "-m", f"models:/{ref}", "--env-manager", "local",
                   "-h", "127.0.0.1", "-p", str(port)]
    return subprocess.Popen(command, env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 180.0) -> float:
    """Seconds until ``/invocations`` answers 200 (bounded by ``timeout``)."""
    import httpx

    started = time.perf_counter()
    body = _bodies()[0]
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}): {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.post(url + "/invocations", content=body, headers={"Content-Type": "application/json"},
                          timeout=2).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- the client child -------------------------------------------------------------------------
def client(sizes: dict) -> dict:
    import httpx

    url, bodies = sizes["url"] + "/invocations", _bodies()
    headers = {"Content-Type": "application/json"}
    with httpx.Client(timeout=30) as http:
        for i in range(50):  # warm-up
            http.post(url, content=bodies[i % len(bodies)], headers=headers).raise_for_status()
        times = []
        for i in range(sizes["latency"]):
            start = time.perf_counter()
            http.post(url, content=bodies[i % len(bodies)], headers=headers).raise_for_status()
            times.append(time.perf_counter() - start)
        start = time.perf_counter()
        for i in range(sizes["rps"]):
            http.post(url, content=bodies[i % len(bodies)], headers=headers).raise_for_status()
        sequential = sizes["rps"] / (time.perf_counter() - start)
    failures = []

    def worker(count: int, offset: int):
        with httpx.Client(timeout=30) as http:
            for i in range(count):
                if http.post(url, content=bodies[(offset + i) % len(bodies)], headers=headers).status_code != 200:
                    failures.append(i)

    threads = [threading.Thread(target=worker, args=(sizes["rps"] // sizes["concurrent"], k))
               for k in range(sizes["concurrent"])]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    concurrent = (sizes["rps"] // sizes["concurrent"]) * sizes["concurrent"] / (time.perf_counter() - start)
    times.sort()
    return {"p50": statistics.median(times), "p99": times[int(0.99 * (len(times) - 1))], "rps": sequential,
            "rps_concurrent": concurrent, "concurrent_failures": len(failures)}


def _paced_load(url: str, rate: float, stop: threading.Event, outcomes: list) -> None:
    """One request every 1/rate s (a timeout of 2 s each) until ``stop``; (ok, predictions) per request."""
    import httpx

    body, tick = _bodies()[0], time.perf_counter()
    with httpx.Client(timeout=2) as http:
        while not stop.is_set():
            try:
                answer = http.post(url + "/invocations", content=body, headers={"Content-Type": "application/json"})
                outcomes.append((answer.status_code == 200, answer.json().get("predictions") if answer.status_code == 200 else None))
            except httpx.HTTPError:
                outcomes.append((False, None))
            tick += 1 / rate
            time.sleep(max(0.0, tick - time.perf_counter()))


def swap(sizes: dict) -> dict:
    """Change the served version under a paced load; count the requests that fail (bounded: 180 s)."""
    folder, side, port = sizes["dir"], sizes["side"], _free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_server(side, folder, port)
    outcomes, stop, deadline = [], threading.Event(), time.monotonic() + 180
    try:
        wait_ready(url, process)
        before = None
        load = threading.Thread(target=_paced_load, args=(url, sizes["swap_rate"], stop, outcomes))
        load.start()
        while len(outcomes) < 50 and time.monotonic() < deadline:
            time.sleep(0.05)
        before = outcomes[-1][1]
        switched_at = time.perf_counter()
        if side == "ours":
            import jupyter_mlops as ml

            ml.set_alias("bench", "champion", 2, reason="benchmark hot swap")
        else:
            stop_server(process)  # MLflow serves one fixed model per process: a new version is a restart
            process = start_server(side, folder, port, ref="bench/2")
        while time.monotonic() < deadline and not any(ok and p != before for ok, p in outcomes[-5:]):
            time.sleep(0.02)
        changed_after = time.perf_counter() - switched_at
        seen = len(outcomes)
        while len(outcomes) < seen + sizes["after_swap"] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        stop_server(process)
    changed = any(ok and p != before for ok, p in outcomes)
    return {"requests": len(outcomes), "failed": sum(not ok for ok, _ in outcomes), "changed": changed,
            "changed_after_s": changed_after}


SIDES = {f.__name__: f for f in (ours_setup, mlflow_setup, client, swap)}


# --- parent -----------------------------------------------------------------------------------
def _measure(side: str, folder: str, sizes: dict) -> dict:
    env = {"MLOPS_HOME": os.path.join(folder, "mlops"), "MLFLOW_TRACKING_URI": _mlflow_uri(folder)}
    run_side(os.path.abspath(__file__), f"{side}_setup", {**sizes, "dir": folder}, env=env, cwd=folder)
    port = _free_port()
    process = start_server(side, folder, port)
    try:
        startup = wait_ready(f"http://127.0.0.1:{port}", process)
        result = run_side(os.path.abspath(__file__), "client", {**sizes, "url": f"http://127.0.0.1:{port}"}, env=env)
    finally:
        stop_server(process)
    result["startup_s"] = startup
    result["swap"] = run_side(os.path.abspath(__file__), "swap", {**sizes, "dir": folder, "side": side}, env=env, cwd=folder)
    return result


def run(quick: bool = False) -> list[Row]:
    """Latency, throughput and failures during a version change: ours and ``mlflow models serve``."""
    sizes = SIZES["quick" if quick else "full"]
    with temp_dir("serving-ours") as folder:
        ours = _measure("ours", folder, sizes)
    peer, why = None, ""
    try:
        with temp_dir("serving-mlflow") as folder:
            peer = _measure("mlflow", folder, sizes)
    except (RuntimeError, OSError) as error:
        why = f" `mlflow models serve` could not be measured here: {str(error).splitlines()[-1][:300]}."
    get = lambda key: None if peer is None else peer[key]  # noqa: E731
    common = (f"Loopback, one server process each, the same {sizes['latency']:,} single-row `POST /invocations` bodies "
              "(`dataframe_records`), httpx keep-alive client in its own process, after 50 warm-up requests. "
              "Ours logs every prediction to the store's spool and checks every second whether the database changed "
              "(opening it only then) to hot-swap moved aliases.")
    swap_ours, swap_peer = ours["swap"], peer["swap"] if peer else None
    rows = [
        Row("serving: p50 latency, single-row request", ours["p50"], PEER, get("p50"), None, note=common + why),
        Row("serving: p99 latency, single-row request", ours["p99"], PEER, get("p99"), None),
        Row("serving: requests per second, 1 client (sequential)", ours["rps"], PEER, get("rps"), None,
            unit="req/s", higher_is_better=True,
            note=f"{sizes['rps']:,} requests in a row; higher is better."),
        Row(f"serving: requests per second, {sizes['concurrent']} concurrent clients", ours["rps_concurrent"], PEER,
            get("rps_concurrent"), None, unit="req/s", higher_is_better=True,
            note=f"{sizes['rps']:,} requests over {sizes['concurrent']} client threads (one process; the machine has "
                 f"{os.cpu_count()} cores for client and server together). Failed: ours {ours['concurrent_failures']}, "
                 f"MLflow {get('concurrent_failures')}."),
        Row("serving: requests failed while the served version changes under load", swap_ours["failed"], PEER,
            swap_peer["failed"] if swap_peer else None, 0, unit="requests",
            note=(f"A paced load of {sizes['swap_rate']} requests/s. Ours: `set_alias('bench', 'champion', 2)` from another "
                  f"process; the server noticed, loaded v2 beside v1 and swapped: {swap_ours['requests']:,} requests, "
                  f"answers changed {swap_ours['changed_after_s']:.2f} s after the alias moved "
                  f"(changed: {swap_ours['changed']}). MLflow serves one fixed model per process, so changing the "
                  "version means restarting `mlflow models serve` on the same port"
                  + (f": {swap_peer['requests']:,} requests, answers changed after {swap_peer['changed_after_s']:.1f} s "
                     f"(changed: {swap_peer['changed']})." if swap_peer else ".")
                  + f" Start-up until the first answer: ours {ours['startup_s']:.1f} s, MLflow "
                  + (f"{peer['startup_s']:.1f} s." if peer else "not measured."))),
    ]
    return rows


if __name__ == "__main__":
    side_main(SIDES)
