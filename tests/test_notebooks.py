"""The notebook series runs as a new user meets it: every ``notebooks/*.ipynb`` (except the retraining
template, tested in test_closed_loop.py and test_pipelines.py) top to bottom under papermill with a real
kernel, each on a fresh store in a temp folder, from a temp working folder; then the store holds what the
notebook promised. A notebook without an entry in ``CHECKS`` only has to run clean.

Also here: the demo data the notebooks run on (``jupyter_mlops.demo_data``), its bad input, and the
modelling facts the series and the closed-loop demo rely on (seasons drift; a winter model loses on summer).
"""

from __future__ import annotations

import json
import re
import sys

import pytest

import jupyter_mlops as ml
from jupyter_mlops.demo_data import FEATURES, TARGET, seattle_weather, weather_by_season
from jupyter_mlops.errors import InvalidInput
from tests.conftest import ROOT

NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if p.name != "retrain.ipynb")


# -- what each notebook leaves in its store -----------------------------------------------------------
def check_quickstart():
    runs = ml.search_runs("quickstart")
    assert sorted(runs["run_name"]) == ["forest", "logreg-C0.01", "logreg-C0.1", "logreg-C1.0", "sgd-epochs"]
    assert set(runs["status"]) == {"finished"}
    assert runs["metrics.test_roc_auc"].notna().sum() == 4  # three logistic regressions and the forest
    forest = ml.get_run("forest")
    assert forest.params["n_estimators"] == "100" and forest.params["data"] == "breast_cancer"  # autolog + --param
    assert "model/model.skops" in [a["path"] for a in forest.artifacts] and "training_roc_auc" in forest.metrics
    assert list(ml.metric_history("sgd-epochs", "val_accuracy")["step"]) == list(range(20))


def check_datasets_and_drift():
    winter, summer = ml.describe_dataset("weather@1"), ml.describe_dataset("weather@2")
    assert (winter.rows, summer.rows) == (len(weather_by_season("winter", [2012, 2013, 2014])),
                                          len(weather_by_season("summer")))
    readers = ml.lineage("weather@1").downstream
    assert list(readers["run_name"]) == ["winter-baseline"] and list(readers["status"]) == ["finished"]
    history = ml.drift_history("weather")
    assert len(history) == 2
    seasons, same_season = history.iloc[0], history.iloc[1]
    assert seasons["current"] == "weather@2" and bool(seasons["drifted"])
    assert seasons["columns_drifted"] == seasons["columns_checked"] == len(FEATURES)
    assert not bool(same_season["drifted"]) and same_season["current_rows"] == len(weather_by_season("winter", 2015))


def check_registry_and_serving():
    assert ml.get_model_version("rain@champion").version == 1
    assert ml.get_model_version("rain@challenger").version == 2
    assert ml.get_model_version("rain/1").signature["inputs"]["type"] == "dataframe"
    decisions = ml.sql("SELECT passed, promoted FROM model_decisions WHERE name = 'rain'")
    assert decisions.to_dict(orient="records") == [{"passed": True, "promoted": False}]
    log = ml.prediction_log("rain")
    assert len(log) == len(weather_by_season("summer")) - len(split_rows_kept_for_training())
    assert set(log["side"]) == {"champion", "challenger"} and set(log["version"]) == {1, 2}
    assert log["label"].notna().all()  # feedback arrived for every request
    servers = ml.list_servers("rain", include_stopped=True)
    assert len(servers) == 1 and not servers[0]["alive"]  # stopped at the end of the notebook


def split_rows_kept_for_training():
    """The summer rows notebook 03 trains its challenger on (the rest were sent to the server)."""
    from sklearn.model_selection import train_test_split

    summer = weather_by_season("summer")
    return train_test_split(summer, test_size=0.3, random_state=0, stratify=summer[TARGET])[0]


def check_scheduled_retraining():
    runs = ml.list_pipeline_runs()
    by_hand, scheduled = runs[runs["name"] == "retrain-by-hand"], runs[runs["schedule"] == "retrain-on-drift"]
    assert list(by_hand["status"]) == ["finished"] and list(scheduled["status"]) == ["finished"]
    assert list(scheduled["trigger"]) == ["drift"] and scheduled["parameters"].iloc[0]["dataset"] == "weather-batch@2"
    champion = ml.get_model_version("rain-batch@champion")
    assert champion.version == 2 and champion.datasets == ["weather-batch@2"]
    assert list(ml.model_history("rain-batch")["action"]) == ["set", "set", "promote"]
    assert not ml.scheduler_status()["alive"]  # shut down at the end of the notebook


def check_monitoring_loop():
    fired = ml.sql("SELECT \"trigger\", detail->>'current' AS data FROM schedule_fires")
    assert fired.to_dict(orient="records") == [{"trigger": "prediction_drift", "data": "rain-live@2"}]
    assert ml.get_model_version("rain@champion").version == 2
    assert ml.get_model_version("rain/2").datasets == ["rain-live@2"]
    log = ml.prediction_log("rain")
    assert set(log["version"]) == {1, 2} and log["label"].notna().all()
    served_by_new = log[log["version"] == 2]
    assert len(served_by_new) == 20  # after the hot swap, the new champion answers


CHECKS = {
    "01_quickstart": check_quickstart,
    "02_datasets_and_drift": check_datasets_and_drift,
    "03_registry_and_serving": check_registry_and_serving,
    "04_scheduled_retraining": check_scheduled_retraining,
    "05_monitoring_loop": check_monitoring_loop,
}


def warnings_shown(notebook: dict) -> list[str]:
    """stderr outputs that carry a warning, as '<cell source start>: <text>'."""
    shown = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", ""))
            if output.get("name") == "stderr" and "warning" in text.lower():
                shown.append(f"{''.join(cell['source'])[:40]!r}: {text.strip()[:300]}")
    return shown


def test_every_notebook_of_the_series_is_found():
    names = [p.stem for p in NOTEBOOKS]
    assert set(CHECKS) <= set(names), f"notebooks missing: {set(CHECKS) - set(names)}"
    assert names == sorted(names) and all(name[:2].isdigit() for name in names)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom_on_a_fresh_store(notebook, home, tmp_path, monkeypatch):
    import papermill

    monkeypatch.delenv("MLOPS_CAPTURE")  # as a user runs it: environment capture on
    workdir = tmp_path / "work"
    workdir.mkdir()
    output = tmp_path / notebook.name
    # The kernel inherits MLOPS_HOME from this process's environment (set by the `home` fixture).
    papermill.execute_notebook(str(notebook), str(output), kernel_name="python3", cwd=str(workdir),
                               progress_bar=False, start_timeout=120)
    executed = json.loads(output.read_text())
    assert all(cell.get("execution_count") for cell in executed["cells"] if cell["cell_type"] == "code")
    assert warnings_shown(executed) == []
    assert (home / "mlops.duckdb").exists() and not (workdir / ".mlops").exists()  # the store is MLOPS_HOME's
    check = CHECKS.get(notebook.stem)
    if check is not None:
        check()


def test_the_notebooks_are_saved_clean_with_the_ipykernel_kernelspec():
    for path in NOTEBOOKS:
        notebook = json.loads(path.read_text())
        assert notebook["metadata"]["kernelspec"]["name"] == "python3", path.name
        for cell in notebook["cells"]:
            assert not cell.get("outputs") and not cell.get("execution_count"), f"{path.name}: outputs not cleared"
            code = "".join(cell["source"]) if cell["cell_type"] == "code" else ""
            assert "MLOPS_HOME" not in code and ".mlops" not in code, f"{path.name}: a hard-coded store"


# -- the demo data ------------------------------------------------------------------------------------
def test_weather_is_a_modelling_frame_without_the_answer_in_it():
    weather = seattle_weather()
    assert list(weather.columns) == ["date", "month", *FEATURES, TARGET]
    assert len(weather) == weather["date"].nunique() and weather["date"].is_monotonic_increasing
    assert set(weather[TARGET]) == {0, 1} and weather[list(FEATURES)].notna().all().all()
    assert (weather["temp_range"] - (weather["temp_max"] - weather["temp_min"])).abs().max() < 0.051
    winter = weather_by_season("winter")
    assert list(winter.columns) == [*FEATURES, TARGET] and list(winter.index) == list(range(len(winter)))
    dated = weather_by_season("summer", years=2015, dates=True)
    assert set(dated["month"]) == {6, 7, 8} and set(dated["date"].dt.year) == {2015}
    assert len(weather_by_season([6, 7, 8])) == len(weather_by_season("summer"))
    assert len(weather_by_season(7)) == len(weather[weather["month"] == 7])


def test_a_winter_model_loses_to_a_summer_model_on_summer_days():
    """What notebook 03 and the closed-loop demo rely on: drift makes retraining pay off, on held-out days."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def fit(frame):
        return make_pipeline(StandardScaler(), LogisticRegression()).fit(frame[list(FEATURES)], frame[TARGET])

    winter, summer = weather_by_season("winter"), weather_by_season("summer")
    within_winter = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), winter[list(FEATURES)],
                                    winter[TARGET], cv=5, scoring="roc_auc").mean()
    assert within_winter > 0.75  # temperatures and wind do tell rainy winter days
    train = split_rows_kept_for_training()
    test = summer.drop(index=train.index)
    scores = {}
    for name, model in (("winter", fit(winter)), ("summer", fit(train))):
        p = model.predict_proba(test[list(FEATURES)])[:, 1]
        scores[name] = (roc_auc_score(test[TARGET], p), accuracy_score(test[TARGET], p > 0.5), log_loss(test[TARGET], p))
    assert scores["summer"][0] > scores["winter"][0] + 0.01  # ROC AUC, what notebook 03's policy asks
    assert scores["summer"][1] > scores["winter"][1] and scores["summer"][2] < scores["winter"][2]


@pytest.mark.parametrize("season, years, message", [
    ("sumer", None, "no season 'sumer'; did you mean 'summer'?"),
    ([6, 13], None, "months are numbers from 1 to 12"),
    ([], None, "months are numbers from 1 to 12"),
    ([True], None, "months are numbers from 1 to 12"),
    (None, None, "months are numbers from 1 to 12, e.g. [6, 7, 8], got None"),
    (6.0, None, "months are numbers from 1 to 12"),
    ("winter", 2016, "the weather data covers the years 2012-2015, got 2016"),
    ("winter", [], "the weather data covers the years 2012-2015"),
    ("winter", ["2015"], "the weather data covers the years 2012-2015"),
    ("winter", "2015", "the weather data covers the years 2012-2015, got '2015'"),
    ("winter", 2015.0, "the weather data covers the years 2012-2015"),
])
def test_bad_season_or_years_name_the_fix(season, years, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        weather_by_season(season, years)


def test_missing_vega_datasets_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "vega_datasets", None)  # what an environment without it looks like
    with pytest.raises(ImportError, match=r"pip install 'jupyter-mlops\[demo\]'"):
        seattle_weather()
