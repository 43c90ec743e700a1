"""The main job behind ``make demo``: the whole loop, headless, on real bundled data.

Seattle's weather (2012-2015, shipped with ``vega_datasets``): predict whether it rains on a day
from its temperatures and wind. The steps, each a function notebook 05 calls too:

1. register the cool months (Nov-Feb) as dataset ``weather``;
2. train and track a few candidate models on it; register the best as ``rain`` and make it champion;
3. schedule ``notebooks/retrain.ipynb`` to run when the champion's served predictions drift;
4. start the scheduler and serve ``rain@champion`` on 127.0.0.1;
5. send the server a stream of days, first cool ones, then summer ones (the data drifts), with
   the true labels coming back as feedback;
6. the drift check on the prediction log fires the schedule; the notebook retrains on the days
   that drifted, evaluates the challenger against the champion and promotes it;
7. the server hot-swaps to the new champion without dropping a request.

    $ MLOPS_HOME=.mlops python -m jupyter_mlops.demo
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import jupyter_mlops as ml

EXPERIMENT = "rain-demo"
MODEL = "rain"
SCHEDULE = "retrain-on-drift"
WINDOW = 150  # served predictions per drift check
RETRAIN = Path(__file__).resolve().parents[1] / "notebooks" / "retrain.ipynb"


def say(text: str) -> None:
    print(text, flush=True)


def register_cool_months():
    """Register Nov-Feb of 2012-2015 as dataset ``weather``; return the DatasetVersion.

    >>> register_cool_months().ref       # doctest: +SKIP
    'weather@1'
    """
    from .demo_data import weather_by_season

    return ml.register_dataset(weather_by_season("winter"), "weather",
                               description="Seattle, Nov-Feb 2012-2015: temperatures, wind, rain (yes/no)")


def train_candidates(dataset: str) -> list[str]:
    """Train three candidate models on ``dataset`` in tracked runs; return their run ids, best first.

    >>> train_candidates("weather@1")     # doctest: +SKIP
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .demo_data import TARGET

    candidates = {
        "logistic-C0.1": lambda: make_pipeline(StandardScaler(), LogisticRegression(C=0.1)),
        "logistic-C10": lambda: make_pipeline(StandardScaler(), LogisticRegression(C=10.0)),
        "forest-50": lambda: RandomForestClassifier(n_estimators=50, min_samples_leaf=5, random_state=0),
    }
    ml.set_experiment(EXPERIMENT)
    scores = {}
    for name, build in candidates.items():
        with ml.start_run(name):
            frame = ml.load_dataset(dataset)
            X, y = frame.drop(columns=[TARGET]), frame[TARGET]
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
            model = build().fit(X_train, y_train)
            ml.log_params({"model": name, "dataset": dataset, "rows": len(frame)})
            auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
            ml.log_metric("test_roc_auc", auc)
            ml.log_dict({"columns": list(X.columns)}, "features.json")
            _MODELS[ml.active_run().run_id] = (model, X_test.head(5))
            scores[ml.active_run().run_id] = auc
    return sorted(scores, key=scores.get, reverse=True)


_MODELS: dict = {}  # run id -> (fitted model, input example), for register_champion


def register_champion(run_id: str):
    """Register the model trained in ``run_id`` as a version of ``rain`` and point ``champion`` at it.

    >>> register_champion(train_candidates("weather@1")[0]).ref     # doctest: +SKIP
    'rain/1'
    """
    model, example = _MODELS[run_id]
    version = ml.register_model(model, MODEL, run=run_id, input_example=example,
                                description="rain tomorrow? trained on the cool months")
    ml.set_alias(MODEL, "champion", version.version, reason="best of the first candidates")
    return version


def schedule_retraining(min_rows: int = WINDOW):
    """Retrain with ``notebooks/retrain.ipynb`` whenever a window of served predictions drifts.

    >>> schedule_retraining().describe()     # doctest: +SKIP
    """
    from .demo_data import TARGET

    # Accuracy, not ROC AUC: summer's base rate of rain is a third of winter's, which ranks days
    # about as well but calls far too many of them rainy; retraining fixes the calibration.
    policy = {"primary": "accuracy", "min_improvement": 0.02, "guards": {"log_loss": 0.0}}
    return ml.schedule(SCHEDULE, RETRAIN, parameters={"model_name": MODEL, "target": TARGET, "policy": policy,
                                                      "experiment": EXPERIMENT},
                       on_drift={"predictions": f"{MODEL}@champion", "threshold": 0.5, "min_rows": min_rows,
                                 "target": TARGET}, timeout=600, replace=True)


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
    with opener.open(request, timeout=30) as answer:
        return json.loads(answer.read())


def send_days(url: str, days, batch: int = 10) -> dict:
    """POST ``days`` to the server ``batch`` rows at a time and send each row's true label back.

    Returns how many rows each model version answered: ``{"v1": 140, ...}``.

    >>> send_days(server.url, summer_days)     # doctest: +SKIP
    {'v1': 150}
    """
    from .demo_data import FEATURES, TARGET

    answered: dict = {}
    for start in range(0, len(days), batch):
        rows = days.iloc[start:start + batch]
        records = json.loads(rows[list(FEATURES)].to_json(orient="records"))
        answer = _post(f"{url}/predict", {"records": records})
        _post(f"{url}/feedback", {"request_id": answer["request_id"], "labels": rows[TARGET].tolist()})
        version = f"v{answer['model_version']}"
        answered[version] = answered.get(version, 0) + len(rows)
    return answered


def wait_for(predicate, what: str, timeout: float = 300.0, every: float = 0.5):
    """Poll ``predicate`` until it returns something truthy; say what we wait for every 10 s."""
    start = last = time.monotonic()
    while time.monotonic() - start < timeout:
        value = predicate()
        if value:
            return value
        if time.monotonic() - last >= 10:
            last = time.monotonic()
            say(f"      ... still waiting for {what} ({time.monotonic() - start:.0f} s)")
        time.sleep(every)
    raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")


def finished_retraining(known: set | frozenset = frozenset()):
    """The schedule's latest pipeline run, once it has ended, that is not one of ``known`` (ids); else None."""
    runs = ml.list_pipeline_runs(schedule=SCHEDULE)
    done = runs[runs["status"].isin(["finished", "failed"]) & ~runs["pipeline_run_id"].isin(list(known))]
    return ml.get_pipeline_run(done["pipeline_run_id"].iloc[0]) if len(done) else None


def retraining_runs() -> set:
    """Ids of the schedule's pipeline runs so far (to tell the next one apart)."""
    return set(ml.list_pipeline_runs(schedule=SCHEDULE)["pipeline_run_id"])


def served_version(server) -> str:
    """The model version the server answers with now, e.g. ``rain/2``."""
    champion = server.status()["predictors"]["champion"]
    return f"{champion['model']}/{champion['version']}"


def main() -> None:
    from .demo_data import weather_by_season
    from .pipelines.scheduler import start_in_thread

    started = time.monotonic()
    say("jupyter-mlops demo: the whole loop on Seattle's weather (will it rain today?)\n")
    say("[1/7] registering the cool months (Nov-Feb 2012-2015) as dataset 'weather'")
    data = register_cool_months()
    say(f"      {data.ref}: {data.rows:,} days")
    say("[2/7] training three candidate models, each a tracked run")
    ranked = train_candidates(data.ref)
    champion = register_champion(ranked[0])
    runs = ml.search_runs(EXPERIMENT, order_by="metrics.test_roc_auc DESC")
    for name, auc in runs[["run_name", "metrics.test_roc_auc"]].itertuples(index=False):
        say(f"      {name:<14} test ROC AUC {auc:.3f}")
    say(f"      registered {champion.ref} and made it the champion")
    say(f"[3/7] scheduling notebooks/retrain.ipynb on drift of served predictions (every {WINDOW} rows)")
    schedule_retraining()
    say("[4/7] starting the scheduler and serving rain@champion on 127.0.0.1")
    scheduler = start_in_thread(interval=1.0)
    server = ml.serve(MODEL, port=0)
    try:
        say(f"      model server at {server.url} (POST /predict, /feedback; GET /stats)")
        say(f"[5/7] sending {WINDOW} cool days, then {WINDOW} summer days, with their true labels as feedback")
        cool = weather_by_season("winter").sample(WINDOW, random_state=1)
        summer = weather_by_season("summer").sample(WINDOW, random_state=1)
        say(f"      cool days answered by {send_days(server.url, cool)}")
        cool_check = wait_for(last_window_check, "the drift check of the cool window")
        say(f"      drift check of the cool window: share {cool_check['drift_share']:.2f} -> no retraining")
        before = retraining_runs()
        say(f"      summer days answered by {send_days(server.url, summer)}")
        say("[6/7] the drift check fires the retraining notebook (papermill, a fresh kernel)")
        run = wait_for(lambda: finished_retraining(before), "the retraining run")
        fire = _fire()
        say(f"      drift share {fire['drift_share']:.2f} (threshold {fire['threshold']}) on {fire['current']}: "
            f"drifted columns {', '.join(fire['drifted_columns'])}")
        say(f"      pipeline run {run.short_id}: {run.status} in {run.duration_s:.1f} s")
        if run.status != "finished":
            raise SystemExit(f"the retraining run failed: {run.error_name}: {run.error}")
        decision = ml.sql("SELECT summary, promoted FROM model_decisions ORDER BY created_at DESC LIMIT 1")
        say(f"      decision: {decision['summary'][0]}")
        say("[7/7] waiting for the server to hot-swap to the new champion")
        new = ml.get_model_version(f"{MODEL}@champion").ref
        wait_for(lambda: served_version(server) == new, f"the server to serve {new}", timeout=60)
        after = send_days(server.url, summer.head(20))
        say(f"      now serving {served_version(server)}; 20 more summer days answered by {after}")
    finally:
        server.stop()
        scheduler.shutdown()
    _summary(time.monotonic() - started)


def last_window_check() -> dict | None:
    """The drift numbers of the schedule's latest window of served predictions, once one was checked."""
    state = ml.sql("SELECT state FROM schedules WHERE name = ?", [SCHEDULE])["state"][0]
    return (json.loads(state) if isinstance(state, str) else state).get("prediction_drift", {}).get("last_check")


def _fire() -> dict:
    detail = ml.sql("SELECT detail FROM schedule_fires WHERE schedule = ? ORDER BY fired_at DESC LIMIT 1",
                    [SCHEDULE])["detail"][0]
    return json.loads(detail) if isinstance(detail, str) else detail


def _summary(seconds: float) -> None:
    import pandas as pd

    counts = ml.sql("""SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM model_versions) AS versions,
                              (SELECT count(*) FROM predictions) AS predictions,
                              (SELECT count(*) FROM pipeline_runs) AS pipelines""").iloc[0]
    history = ml.model_history(MODEL)
    say(f"\ndone in {seconds:.0f} s. The store now holds {counts['runs']} runs, {counts['versions']} model versions, "
        f"{counts['predictions']} logged predictions and {counts['pipelines']} pipeline run(s).")
    say("alias history of 'rain':")
    for row in history.itertuples():
        came = "" if pd.isna(row.from_version) else f"v{row.from_version} -> "
        say(f"  #{row.seq} {row.alias:<10} {row.action:<8} {came}v{row.to_version}  {row.reason or ''}")
    say("\nsee it all in JupyterLab (the MLOps sidebar: Experiments, Datasets, Models, Drift, Pipelines):")
    say("  make lab")
    say('or query the store: .venv/bin/jupyter-mlops sql "SELECT * FROM model_decisions"')


if __name__ == "__main__":
    main()
