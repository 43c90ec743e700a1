"""scikit-learn autolog against a real store and real scikit-learn fits on small data."""

from __future__ import annotations

import math
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn import metrics
from sklearn.datasets import load_diabetes, load_iris
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.parallel import Parallel

import jupyter_mlops as ml
from jupyter_mlops.autolog import AutologWarning, autolog, is_enabled
from jupyter_mlops.autolog import _sklearn_log
from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.store import open_store

GRID = {"max_depth": [1, 2, 3, 4], "criterion": ["gini", "entropy", "log_loss"]}  # 12 candidates


@pytest.fixture
def autologged(home):
    autolog()
    yield home
    autolog(False)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True, as_frame=True)


def all_runs() -> pd.DataFrame:
    return ml.search_runs(max_results=None)


def only_run():
    frame = all_runs()
    assert len(frame) == 1, frame[["run_name", "parent_run_id"]]
    return ml.get_run(frame["run_id"][0])


def artifact_bytes(run, path: str) -> bytes:
    record = next(a for a in run.artifacts if a["path"] == path)
    return open_store().blobs.path(record["sha256"]).read_bytes()


# -- one fit ---------------------------------------------------------------------------------------
def test_classifier_fit_logs_params_metrics_and_a_skops_model_that_loads_back(autologged, iris):
    X, y = iris
    model = LogisticRegression(C=0.5, max_iter=500).fit(X, y)
    run = only_run()
    assert run.status == "finished" and run.name.startswith("LogisticRegression-")
    assert run.params["C"] == "0.5" and run.params["max_iter"] == "500" and run.params["class_weight"] == "None"
    assert run.metrics["fit_time_s"] > 0
    assert run.metrics["training_accuracy"] == pytest.approx(metrics.accuracy_score(y, model.predict(X)))
    assert run.metrics["training_log_loss"] == pytest.approx(metrics.log_loss(y, model.predict_proba(X)))
    assert run.metrics["training_roc_auc"] == pytest.approx(
        metrics.roc_auc_score(y, model.predict_proba(X), multi_class="ovr"))
    assert {"training_precision", "training_recall", "training_f1"} <= set(run.metrics)
    assert run.tags["mlops.autolog.estimator"] == "LogisticRegression"
    assert run.tags["mlops.model.format"] == "skops"
    assert run.tags["mlops.model.sklearn_version"] == __import__("sklearn").__version__
    assert run.tags["mlops.input.shape"] == "150x4"
    assert run.tags["mlops.input.columns"] == '["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]'
    data = artifact_bytes(run, "model/model.skops")
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    assert (loaded.predict(X) == model.predict(X)).all()


def test_regressor_fit_logs_regression_metrics_weighted_by_sample_weight(autologged):
    X, y = load_diabetes(return_X_y=True)
    weight = np.linspace(0.5, 2.0, len(y))
    model = Ridge(alpha=0.3).fit(X, y, sample_weight=weight)
    run = only_run()
    predicted = model.predict(X)
    mse = metrics.mean_squared_error(y, predicted, sample_weight=weight)
    assert run.metrics["training_mse"] == pytest.approx(mse)
    assert run.metrics["training_rmse"] == pytest.approx(math.sqrt(mse))
    assert run.metrics["training_mae"] == pytest.approx(metrics.mean_absolute_error(y, predicted, sample_weight=weight))
    assert run.metrics["training_r2"] == pytest.approx(metrics.r2_score(y, predicted, sample_weight=weight))
    assert run.metrics["training_r2"] != pytest.approx(metrics.r2_score(y, predicted))
    assert "training_accuracy" not in run.metrics


def test_pipeline_is_one_run_with_its_steps_deep_params(autologged, iris):
    X, y = iris
    make_pipeline(StandardScaler(), LogisticRegression(C=2.0)).fit(X, y)
    run = only_run()
    assert run.tags["mlops.autolog.estimator"] == "Pipeline"
    assert run.params["logisticregression__C"] == "2.0"
    assert run.params["standardscaler__with_mean"] == "True"
    assert run.params["logisticregression"] == "LogisticRegression(C=2.0)"
    assert "training_accuracy" in run.metrics


def test_fit_transform_logs_once_whether_or_not_it_calls_fit(autologged, iris):
    X, _ = iris
    StandardScaler().fit_transform(X)  # TransformerMixin.fit_transform calls fit
    PCA(n_components=2).fit_transform(X)  # PCA.fit_transform does not
    frame = all_runs()
    assert sorted(frame["tags.mlops.autolog.estimator"]) == ["PCA", "StandardScaler"]
    assert sorted(frame["tags.mlops.autolog.method"]) == ["fit_transform", "fit_transform"]


# -- searches --------------------------------------------------------------------------------------
def check_search(search, candidates: int) -> None:
    frame = all_runs()
    parents = frame[frame["parent_run_id"].isna()]
    children = frame[frame["parent_run_id"].notna()]
    assert len(parents) == 1 and len(children) == candidates
    parent = ml.get_run(parents["run_id"].iloc[0])
    assert set(children["parent_run_id"]) == {parent.run_id}
    assert parent.metrics["best_score"] == pytest.approx(search.best_score_)
    for key, value in search.best_params_.items():
        assert parent.params[f"best_{key}"] == str(value)
    assert (children["tags.mlops.search.best"] == "true").sum() == 1
    best = children[children["tags.mlops.search.best"] == "true"].iloc[0]
    assert parent.tags["mlops.search.best_run_id"] == best["run_id"]
    assert best["metrics.mean_test_score"] == pytest.approx(search.best_score_)
    results = search.cv_results_
    for _, child in children.iterrows():
        i = int(child["tags.mlops.search.candidate"])
        for key, value in results["params"][i].items():
            assert child[f"params.{key}"] == str(value)
        assert child["metrics.mean_test_score"] == pytest.approx(results["mean_test_score"][i])
        assert child["metrics.std_test_score"] == pytest.approx(results["std_test_score"][i])
        assert child["metrics.rank_test_score"] == results["rank_test_score"][i]
    assert parent.tags["mlops.model.object"] == "best_estimator_"
    assert any(a["path"] == "search/cv_results.csv" for a in parent.artifacts)


def test_grid_search_logs_every_candidate_as_a_child_and_marks_the_best(autologged, iris):
    X, y = iris
    search = GridSearchCV(DecisionTreeClassifier(random_state=0), GRID, cv=3, return_train_score=True).fit(X, y)
    check_search(search, 12)
    children = all_runs().dropna(subset=["parent_run_id"])
    assert children["metrics.mean_train_score"].notna().all()


def test_randomized_search_in_two_worker_processes_logs_each_candidate_once(autologged, iris):
    X, y = iris
    search = RandomizedSearchCV(DecisionTreeClassifier(random_state=0), GRID, n_iter=7, cv=3, n_jobs=2,
                                random_state=0).fit(X, y)
    check_search(search, 7)


def test_grid_search_on_worker_threads_logs_each_candidate_once(autologged, iris):
    X, y = iris
    with joblib.parallel_backend("threading", n_jobs=2):
        search = GridSearchCV(DecisionTreeClassifier(random_state=0), GRID, cv=3, n_jobs=2).fit(X, y)
    check_search(search, 12)


def test_max_tuning_runs_keeps_the_best_candidates(home, iris):
    X, y = iris
    autolog(max_tuning_runs=3)
    try:
        search = GridSearchCV(DecisionTreeClassifier(random_state=0), GRID, cv=3).fit(X, y)
    finally:
        autolog(False)
    children = all_runs().dropna(subset=["parent_run_id"])
    assert len(children) == 3
    ranks = sorted(search.cv_results_["rank_test_score"])[:3]
    assert sorted(children["metrics.rank_test_score"]) == ranks
    assert (children["tags.mlops.search.best"] == "true").sum() == 1


# -- where it logs, failures -----------------------------------------------------------------------
def test_fit_inside_an_active_run_logs_into_it_and_a_second_fit_becomes_its_child(autologged, iris):
    X, y = iris
    with ml.start_run("mine") as mine:
        LogisticRegression(C=3.0, max_iter=500).fit(X, y)
        LogisticRegression(C=4.0, max_iter=500).fit(X, y)
    frame = all_runs()
    assert len(frame) == 2
    run = ml.get_run(mine.run_id)
    assert run.params["C"] == "3.0" and "training_accuracy" in run.metrics and run.status == "finished"
    child = ml.get_run(frame[frame["run_id"] != mine.run_id]["run_id"].iloc[0])
    assert child.parent_run_id == mine.run_id and child.params["C"] == "4.0"


def test_failing_fit_raises_the_users_error_and_the_run_shows_failed(autologged, iris):
    X, y = iris
    bad = X.copy()
    bad.iloc[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN") as caught:
        LogisticRegression().fit(bad, y)
    assert caught.value.__cause__ is None and "sklearn" in str(caught.traceback[-1].path)
    run = only_run()
    assert run.status == "failed" and "ValueError" in run.error and "NaN" in run.error
    assert run.params["C"] == "1.0"  # logged before the fit
    assert ml.active_run() is None


def test_a_logging_error_never_breaks_the_fit_and_is_reported_once(autologged, iris, monkeypatch):
    X, y = iris

    def broken(*args):
        raise RuntimeError("metrics exploded")

    monkeypatch.setattr(_sklearn_log, "training_metrics", broken)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = LogisticRegression(max_iter=500).fit(X, y)
        LogisticRegression(max_iter=500).fit(X, y)
    assert isinstance(first, LogisticRegression) and hasattr(first, "coef_")
    ours = [w for w in caught if issubclass(w.category, AutologWarning)]
    assert len(ours) == 1 and "metrics exploded" in str(ours[0].message)
    assert set(all_runs()["status"]) == {"finished"}
    autolog(silent=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LogisticRegression(max_iter=500).fit(X, y)
    assert not [w for w in caught if issubclass(w.category, AutologWarning)]


def test_disabling_restores_every_original_and_enabling_twice_patches_once(home, iris):
    X, y = iris
    autolog(False)
    fit, pipeline_fit_transform, parallel_call = (
        LogisticRegression.fit, Pipeline.__dict__["fit_transform"], Parallel.__call__)
    autolog()
    wrapper = LogisticRegression.fit
    assert wrapper is not fit and wrapper.__wrapped__ is fit and is_enabled()
    autolog()
    assert LogisticRegression.fit is wrapper
    LogisticRegression(max_iter=500).fit(X, y)
    assert len(all_runs()) == 1
    autolog(False)
    assert not is_enabled()
    assert LogisticRegression.fit is fit
    assert Pipeline.__dict__["fit_transform"] is pipeline_fit_transform and Parallel.__call__ is parallel_call
    LogisticRegression(max_iter=500).fit(X, y)
    make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    assert len(all_runs()) == 1


def test_autolog_refuses_bad_options(home):
    with pytest.raises(InvalidInput, match="max_tuning_runs"):
        autolog(max_tuning_runs=-1)
    with pytest.raises(InvalidInput, match="True or False"):
        autolog(log_models="yes")
    assert not is_enabled()


# -- data fingerprint, model fallback --------------------------------------------------------------
def test_fingerprint_is_stable_for_the_same_data_and_changes_with_it(autologged, iris):
    X, y = iris
    changed = X.assign(**{"sepal length (cm)": X["sepal length (cm)"] + 0.1})
    ids = []
    for data in (X, X.copy(), changed, X.to_numpy(), X.to_numpy().copy()):
        with ml.start_run() as run:
            LogisticRegression(max_iter=500).fit(data, y.to_numpy())
        ids.append(run.run_id)
    prints = [ml.get_run(i).tags["mlops.input.fingerprint"] for i in ids]
    assert len(prints) == 5 and all(len(p) == 64 for p in prints)
    assert prints[0] == prints[1] and prints[3] == prints[4]
    assert len({prints[0], prints[2], prints[3]}) == 3
    assert _sklearn_log.fingerprint(X, y) != _sklearn_log.fingerprint(X, y.replace({0: 1}))


class CallbackClassifier(LogisticRegression):
    """A user subclass holding a lambda: skops would save it by a name that cannot load back."""

    def fit(self, X, y):
        self.postprocess_ = lambda p: p.round(3)
        return super().fit(X, y)


class _Slotted:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class SlottedClassifier(LogisticRegression):
    """A user subclass holding an object with __slots__, which skops refuses outright."""

    def fit(self, X, y):
        self.extra_ = _Slotted(1)
        return super().fit(X, y)


@pytest.mark.parametrize("cls", [CallbackClassifier, SlottedClassifier])
def test_model_skops_cannot_save_falls_back_to_pickle_tagged_unsafe(autologged, iris, cls):
    X, y = iris
    model = cls(max_iter=500).fit(X, y)
    run = only_run()
    assert run.tags["mlops.autolog.estimator"] == cls.__name__
    assert run.tags["mlops.model.format"] == "pickle-unsafe" and run.tags["mlops.model.skops_error"]
    assert [a["path"] for a in run.artifacts if a["path"].startswith("model/")] == ["model/model.pkl"]
    loaded = pickle.loads(artifact_bytes(run, "model/model.pkl"))
    assert type(loaded) is cls and (loaded.predict(X) == model.predict(X)).all()
