"""The model registry against a real store and real scikit-learn models.

Versions with provenance, each flavour's round trip, safe loading (declared trusted types, hash
verification), aliases with history and rollback, evaluation, promotion policies, bad input,
and two real processes moving the same alias at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

import jupyter_mlops as ml
from jupyter_mlops.errors import InvalidInput, NotFound
from jupyter_mlops.registry import (
    ModelTampered,
    PromotionPolicy,
    UnsafeModel,
    UnsafeModelWarning,
    compare_models,
    delete_model_version,
    evaluate,
    get_model_version,
    list_decisions,
    list_evaluations,
    load_model,
    model_history,
    register_model,
    restore_model_version,
    rollback,
    set_alias,
)
from jupyter_mlops.store import open_store
from jupyter_mlops.store.maintenance import gc

from .conftest import python_code

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X.assign(malignant=1 - y)


def features(frame):
    return frame.drop(columns="malignant"), frame["malignant"]


def logreg(frame, C=1.0):
    X, y = features(frame)
    return make_pipeline(StandardScaler(), LogisticRegression(C=C)).fit(X, y)


def double(values):
    return values * 2


class Thresholder:
    """Not a scikit-learn estimator: a model only the joblib flavour can store."""

    def __init__(self, column: str, cut: float):
        self.column, self.cut = column, cut

    def predict(self, X):
        return (X[self.column] > self.cut).astype(int).to_numpy()


def _blob(version):
    return open_store().blobs.path(version.sha256)


# -- registering ----------------------------------------------------------------------------------
def test_register_records_run_lineage_metrics_signature_and_content_addressed_artifact(home, cancer):
    ml.register_dataset(cancer, "cancer")
    with ml.start_run("train") as run:
        train = ml.load_dataset("cancer@1")
        model = logreg(train)
        ml.log_metric("val_auc", 0.97)
        ml.log_metric("odd", float("nan"))
        X, _ = features(train)
        first = register_model(model, "cancer-clf", description="baseline", tags={"team": "risk"}, input_example=X.head())
    assert (first.ref, first.flavor, first.unsafe, first.run_id) == ("cancer-clf/1", "sklearn", False, run.run_id)
    assert first.datasets == ["cancer@1"] and first.metrics == {"val_auc": 0.97, "odd": None}
    assert first.model_class == "sklearn.pipeline.Pipeline" and first.trusted_types == []
    inputs = first.signature["inputs"]
    assert inputs["type"] == "dataframe" and inputs["columns"][0] == {"name": "mean radius", "dtype": "float64"}
    assert len(inputs["columns"]) == 30 and first.signature["outputs"]["dtype"] == "int64"
    data = _blob(first).read_bytes()
    assert hashlib.sha256(data).hexdigest() == first.sha256 and len(data) == first.size
    assert first.libraries["scikit-learn"] and first.tags == {"team": "risk"} and first.description == "baseline"
    second = register_model(model, "cancer-clf")
    assert second.version == 2 and second.run_id is None and second.datasets == [] and second.signature["source"] == "model"
    row = ml.sql("SELECT name, version, flavor, run_id, datasets FROM model_versions ORDER BY version").values.tolist()
    assert row[0][:4] == ["cancer-clf", 1, "sklearn", run.run_id] and list(row[0][4]) == ["cancer@1"]


def test_numpy_input_example_gives_shape_and_dtype(home, cancer):
    X, y = features(cancer)
    model = LogisticRegression(max_iter=5000).fit(X.to_numpy(np.float32), y.to_numpy())
    version = register_model(model, "np", input_example=X.to_numpy(np.float32)[:3])
    assert version.signature["inputs"] == {"type": "ndarray", "shape": [-1, 30], "dtype": "float32"}
    assert version.signature["outputs"] == {"type": "ndarray", "shape": [-1], "dtype": "int64"}
    with pytest.raises(InvalidInput, match="cannot predict on input_example"):
        register_model(model, "np", input_example=np.zeros((2, 3)))


def test_autologged_fit_is_found_and_a_runs_logged_model_can_be_registered(home, cancer):
    X, y = features(cancer)
    ml.autolog(silent=True)
    try:
        LogisticRegression(C=0.1, max_iter=5000).fit(X, y)  # another fit, other params: not the one registered
        forest = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
    finally:
        ml.autolog(False)
    runs = ml.search_runs(order_by="start_time")
    forest_run = runs[runs["tags.mlops.autolog.estimator"] == "RandomForestClassifier"]["run_id"].item()
    from_object = register_model(forest, "forest")
    assert from_object.run_id == forest_run and "training_accuracy" in from_object.metrics
    assert from_object.trusted_types == ["sklearn.tree._tree.Tree"]
    logged = next(a for a in ml.get_run(forest_run).artifacts if a["path"] == "model/model.skops")
    from_uri = register_model(f"runs:/{forest_run[:8]}/model", "forest")
    assert from_uri.sha256 == logged["sha256"] and from_uri.source == f"runs:/{forest_run}/model/model.skops"
    assert from_uri.model_class.endswith("RandomForestClassifier") and from_uri.signature["source"] == "run"
    assert [c["name"] for c in from_uri.signature["inputs"]["columns"]] == list(X.columns)
    from_run = register_model(run=forest_run, name="forest", input_example=X.head(2))
    assert from_run.version == 3 and from_run.signature["outputs"]["shape"] == [-1]
    np.testing.assert_array_equal(load_model("forest/2").predict(X), forest.predict(X))
    with pytest.raises(NotFound, match="logged no model under 'model'"):
        with ml.start_run("empty") as empty:
            pass
        register_model(run=empty.run_id, name="forest")


# -- flavours and safe loading --------------------------------------------------------------------
def test_round_trip_of_each_flavour(home, cancer):
    X, y = features(cancer)
    forest = RandomForestClassifier(n_estimators=4, random_state=0).fit(X, y)
    np.testing.assert_array_equal(load_model(register_model(forest, "rf").ref).predict_proba(X), forest.predict_proba(X))

    rule = Thresholder("mean radius", 15.0)
    with pytest.raises(InvalidInput, match="no safe flavour saves a Thresholder.*flavor='joblib'"):
        register_model(rule, "rule")
    unsafe = register_model(rule, "rule", flavor="joblib")
    assert unsafe.unsafe and unsafe.flavor == "joblib"
    with pytest.raises(UnsafeModel, match="unsafe 'joblib' flavour.*allow_unsafe=True"):
        load_model("rule/1")
    with pytest.warns(UnsafeModelWarning, match="model rule/1 uses the unsafe 'joblib' flavour"):
        loaded = load_model("rule/1", allow_unsafe=True)
    np.testing.assert_array_equal(loaded.predict(X), rule.predict(X))
    sklearn_as_joblib = register_model(forest, "rf", flavor="joblib")
    with pytest.warns(UnsafeModelWarning):
        np.testing.assert_array_equal(sklearn_as_joblib.load(allow_unsafe=True).predict(X), forest.predict(X))


def test_unknown_flavour_lists_the_known_ones(home, cancer):
    with pytest.raises(InvalidInput, match=r"no model flavour 'sklearm'; did you mean 'sklearn'\?; known flavours: sklearn, joblib"):
        register_model(logreg(cancer), "m", flavor="sklearm")


def test_only_types_on_the_trust_list_are_trusted_and_the_store_cannot_widen_it(home, cancer):
    X, y = features(cancer)
    custom = make_pipeline(FunctionTransformer(double), StandardScaler(), LogisticRegression()).fit(X, y)
    with pytest.raises(UnsafeModel, match=r"needs untrusted type tests\.test_registry\.double; it is not on the trust list"):
        register_model(custom, "custom")
    forest = register_model(RandomForestClassifier(n_estimators=2, random_state=0).fit(X, y), "rf")
    with open_store().connect() as con:  # a store edited behind the registry's back: the row only informs
        con.execute("UPDATE model_versions SET trusted_types = '[\"os.system\"]' WHERE name = 'rf'")
    np.testing.assert_array_equal(load_model("rf/1").predict(X), load_model(forest.ref).predict(X))
    with open_store().connect() as con:
        con.execute("UPDATE model_versions SET trusted_types = '[]' WHERE name = 'rf'")
    assert load_model(forest.ref).n_estimators == 2


def test_tampered_truncated_or_missing_artifact_is_refused_naming_the_version(home, cancer):
    version = register_model(logreg(cancer), "churn")
    blob = _blob(version)
    original = blob.read_bytes()
    os.chmod(blob, 0o644)
    blob.write_bytes(original[:100] + bytes([original[100] ^ 0xFF]) + original[101:])
    with pytest.raises(ModelTampered, match=r"model churn/1 was modified or truncated on disk.*refusing to load it"):
        load_model("churn")
    blob.write_bytes(original[: len(original) // 2])
    with pytest.raises(ModelTampered, match=f"model churn/1 .* has {len(original) // 2:,} bytes"):
        load_model("churn/1")
    blob.unlink()
    with pytest.raises(NotFound, match="model churn/1 is missing from the store"):
        load_model("churn/1")
    blob.write_bytes(original)
    assert load_model("churn/1").predict(features(cancer)[0]).shape == (len(cancer),)


# -- aliases --------------------------------------------------------------------------------------
@pytest.fixture
def three_versions(home, cancer):
    return [register_model(logreg(cancer, C), "churn") for C in (0.01, 0.1, 1.0)]


def test_aliases_load_by_alias_and_keep_a_history_rollback_walks_back(three_versions):
    first = set_alias("churn", "champion", 1, reason="first model")
    assert (first.from_version, first.to_version, first.action, first.seq) == (None, 1, "set", 1)
    set_alias("churn", "champion", 2, reason="better AUC")
    set_alias("churn", "challenger", 3)
    assert set_alias("churn", "champion", "2") is None  # already there: nothing recorded
    set_alias("churn", "champion", 3, reason="even better")
    assert load_model("churn@champion").get_params()["logisticregression__C"] == 1.0
    assert load_model("models:/churn/1").get_params()["logisticregression__C"] == 0.01
    assert get_model_version("churn@champion").aliases == ["challenger", "champion"]
    back = rollback("churn", "champion", reason="latency")
    assert (back.from_version, back.to_version, back.action) == (3, 2, "rollback")
    assert rollback("churn", "champion").to_version == 1
    with pytest.raises(InvalidInput, match="no earlier version to roll back to"):
        rollback("churn", "champion")
    history = model_history("churn")
    assert list(history.columns) == ["seq", "alias", "action", "from_version", "to_version", "reason", "user", "host",
                                     "changed_at", "decision_id"]
    assert history["seq"].tolist() == [1, 2, 3, 4, 5, 6]
    champion = model_history("churn", "champion")
    assert champion[["from_version", "to_version"]].fillna(0).astype(int).values.tolist() == [[0, 1], [1, 2], [2, 3], [3, 2], [2, 1]]
    assert champion["reason"].tolist()[:3] == ["first model", "better AUC", "even better"]
    assert champion["user"].notna().all() and champion["changed_at"].is_monotonic_increasing
    assert ml.sql("SELECT alias, version FROM model_aliases ORDER BY alias").values.tolist() == [["challenger", 3], ["champion", 1]]


def test_unknown_model_alias_or_version_errors_list_the_valid_ones(three_versions):
    set_alias("churn", "champion", 3)
    with pytest.raises(NotFound, match=r"no model 'chrun'; did you mean 'churn'\?; models: churn"):
        load_model("chrun")
    with pytest.raises(NotFound, match=r"no alias 'champoin'; did you mean 'champion'\?; aliases: champion -> 3"):
        load_model("churn@champoin")
    with pytest.raises(NotFound, match="has no version 9; versions are 1-3"):
        load_model("churn/9")
    with pytest.raises(NotFound, match="no alias 'staging'; .*aliases: champion -> 3"):
        rollback("churn", "staging")
    with pytest.raises(InvalidInput, match="alias 'latest' is not valid"):
        set_alias("churn", "latest", 1)
    with pytest.raises(InvalidInput, match="positive number, 'latest' or an alias"):
        load_model("churn/three")
    with pytest.raises(NotFound, match="no version 7"):
        set_alias("churn", "champion", 7)


def test_an_alias_cannot_point_at_a_deleted_version(three_versions):
    set_alias("churn", "champion", 1)
    set_alias("churn", "champion", 3)
    with pytest.raises(InvalidInput, match="version 3 of model 'churn' is where alias 'champion' points"):
        delete_model_version("churn", 3)
    assert delete_model_version("churn", 2).deleted
    with pytest.raises(InvalidInput, match=r"version 2 of model 'churn' is deleted.*restore_model_version\('churn', 2\).*1, 3"):
        set_alias("churn", "challenger", 2)
    with pytest.raises(NotFound, match="version 2 of model 'churn' is deleted"):
        load_model("churn/2")
    delete_model_version("churn", 1)
    with pytest.raises(InvalidInput, match="version 1 of model 'churn' is deleted"):
        rollback("churn", "champion")  # the previous version is gone: refuse rather than point at it
    assert get_model_version("churn").version == 3 and get_model_version("churn/1").deleted
    restore_model_version("churn", 1)
    assert rollback("churn", "champion").to_version == 1
    assert ml.list_models()[["name", "latest_version", "versions", "aliases"]].values.tolist() == [["churn", 3, 2, "champion=1"]]


def test_objects_that_are_not_models_are_refused(home, cancer):
    for thing, message in [
        ({"weights": [1, 2]}, "a dict is not a model"),
        (cancer, "a DataFrame is not a model"),
        (LogisticRegression, "got the class LogisticRegression, not a model"),
        (LogisticRegression(), "LogisticRegression is not fitted"),
        ("model.pkl", "must be a run's model, 'runs:/<run_id>/model'"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            register_model(thing, "m")
    with pytest.raises(InvalidInput, match="needs a fitted model"):
        register_model(None, "m")
    with pytest.raises(InvalidInput, match="needs a name"):
        register_model(logreg(cancer))
    with pytest.raises(InvalidInput, match="model name 'bad name' is not valid"):
        register_model(logreg(cancer), "bad name")
    with pytest.raises(NotFound, match="no run 'nope'"):
        register_model("runs:/nope/model", "m")
    assert ml.sql("SELECT count(*) AS n FROM model_versions")["n"][0] == 0


MOVER = """
import os, sys, time
import jupyter_mlops as ml
while not os.path.exists(GO):
    time.sleep(0.001)
for i in range(MOVES):
    ml.set_alias("churn", "champion", VERSIONS[i % 2], reason=f"WHO-{i}")
"""


def test_two_processes_moving_the_same_alias_are_both_recorded_in_order(home, three_versions, cancer, tmp_path):
    register_model(logreg(cancer, 3.0), "churn")
    go, moves = tmp_path / "go", 12
    open_store().release()
    movers = [python_code(MOVER.replace("GO", repr(str(go))).replace("MOVES", str(moves))
                          .replace("VERSIONS", repr(versions)).replace("WHO", who), home, wait=False,
                          env={"MLOPS_LINGER": "0"})
              for who, versions in (("a", [1, 2]), ("b", [3, 4]))]
    go.touch()
    for mover in movers:
        _, err = mover.communicate(timeout=120)
        assert mover.returncode == 0, err
    history = model_history("churn", "champion")
    assert history["seq"].tolist() == list(range(1, 2 * moves + 1))  # nothing lost
    previous = [None] + history["to_version"].tolist()[:-1]
    assert [None if pd.isna(v) else int(v) for v in history["from_version"]] == previous  # each saw the other's move
    for who in "ab":
        mine = [r for r in history["reason"] if r.startswith(who)]
        assert mine == [f"{who}-{i}" for i in range(moves)]  # each process's moves in its own order
    assert get_model_version("churn@champion").version == history["to_version"].iloc[-1]


# -- evaluation and promotion ---------------------------------------------------------------------
def test_evaluate_stores_task_metrics_linked_to_model_and_dataset_versions(home, cancer):
    ml.register_dataset(cancer, "cancer")
    register_model(logreg(cancer), "clf")
    evaluation = evaluate("clf/1", "cancer@1", "malignant")
    assert set(evaluation.metrics) == {"accuracy", "precision", "recall", "f1", "log_loss", "roc_auc"}
    assert evaluation.task == "classification" and evaluation.dataset == "cancer@1" and evaluation.rows == 569
    frame = ml.load_dataset("cancer")
    again = evaluate("clf", frame[frame.columns[::-1]], "malignant", metrics=["roc_auc", "balanced_accuracy"])
    assert set(again.metrics) == {"roc_auc", "balanced_accuracy"} and again.dataset == "cancer@1"
    assert again.metrics["roc_auc"] == pytest.approx(evaluation.metrics["roc_auc"])
    custom = evaluate("clf", cancer.iloc[:400], "malignant", metrics={"positive_rate": lambda y, p: p.mean()})
    assert custom.dataset is None and 0 < custom.metrics["positive_rate"] < 1
    stored = ml.sql("SELECT version, dataset, dataset_version, rows, target, task, metrics FROM model_evaluations "
                    "ORDER BY created_at")
    assert [[None if pd.isna(v) else v for v in row] for row in stored[["dataset", "dataset_version"]].values.tolist()] \
        == [["cancer", 1], ["cancer", 1], [None, None]]
    assert json.loads(stored["metrics"][0])["roc_auc"] == pytest.approx(evaluation.metrics["roc_auc"])
    assert list_evaluations("clf")["metrics"][0] == custom.metrics

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    register_model(LinearRegression().fit(X, y), "reg")
    regression = evaluate("reg", X.assign(progression=y), "progression")
    assert set(regression.metrics) == {"mse", "rmse", "mae", "r2"} and regression.task == "regression"
    assert regression.metrics["rmse"] == pytest.approx(regression.metrics["mse"] ** 0.5)


def test_evaluate_bad_input(home, cancer):
    register_model(logreg(cancer), "clf")
    with pytest.raises(InvalidInput, match=r"target 'malign' is not a column of the data; did you mean 'malignant'\?"):
        evaluate("clf", cancer, "malign")
    with pytest.raises(InvalidInput, match=r"unknown metric 'acuracy'; did you mean 'accuracy'\?"):
        evaluate("clf", cancer, "malignant", metrics=["acuracy"])
    with pytest.raises(InvalidInput, match="lacks column\\(s\\) mean radius"):
        evaluate("clf", cancer.drop(columns="mean radius"), "malignant")
    with pytest.raises(InvalidInput, match="takes a DataFrame or a dataset reference"):
        evaluate("clf", [[1, 2]], "malignant")


@pytest.fixture
def champion_and_challenger(home, cancer):
    X, y = features(cancer)
    register_model(DummyClassifier(strategy="most_frequent").fit(X, y), "churn")
    register_model(logreg(cancer), "churn")
    set_alias("churn", "champion", 1, reason="baseline")
    set_alias("churn", "challenger", 2)
    ml.register_dataset(cancer, "holdout")


def test_policy_pass_promotes_the_challenger_with_the_decision_as_reason(champion_and_challenger):
    policy = PromotionPolicy("accuracy", min_improvement=0.1, guards={"log_loss": 0.0, "f1": 0.01})
    decision = compare_models("churn", "champion", "challenger", "holdout@1", "malignant", policy, promote=True,
                              reason="weekly retrain")
    assert decision.passed and decision.promoted and decision.dataset == "holdout@1"
    assert [(c["metric"], c["role"], c["better"], c["passed"]) for c in decision.checks] == [
        ("accuracy", "primary", "higher", True), ("log_loss", "guard", "lower", True), ("f1", "guard", "higher", True)]
    primary = decision.checks[0]
    assert primary["improvement"] == pytest.approx(primary["challenger"] - primary["champion"]) and primary["improvement"] > 0.3
    assert get_model_version("churn@champion").version == 2
    last = model_history("churn", "champion").iloc[-1]
    assert (last["action"], last["from_version"], last["to_version"], last["decision_id"]) == ("promote", 1, 2, decision.decision_id)
    assert last["reason"].startswith(f"weekly retrain; decision {decision.decision_id[:8]}: PASS: challenger (v2)")
    assert "accuracy 0.6274 -> " in last["reason"]
    stored = list_decisions("churn").iloc[0]
    assert stored["passed"] and stored["promoted"] and stored["primary_metric"] == "accuracy"
    assert stored["champion_value"] == pytest.approx(primary["champion"]) and len(stored["checks"]) == 3
    assert stored["policy"] == {"primary": "accuracy", "min_improvement": 0.1, "guards": {"log_loss": 0.0, "f1": 0.01},
                                "higher_is_better": {}}
    assert len(list_evaluations("churn")) == 2
    assert "PASS, promoted on holdout@1" in decision._repr_html_()


def test_policy_failures_record_the_decision_and_leave_the_champion(champion_and_challenger, cancer):
    too_much = compare_models("churn", "champion", "challenger", cancer, "malignant", {"primary": "accuracy",
                              "min_improvement": 0.5}, promote=True)
    assert not too_much.passed and not too_much.promoted and too_much.summary.startswith("FAIL")
    assert "primary accuracy" in too_much.summary and "FAILED" in too_much.summary
    guard = PromotionPolicy("roc_auc", guards={"positive_rate": 0.05}, higher_is_better={"positive_rate": False})
    guarded = compare_models("churn", "champion", "challenger", cancer, "malignant", guard, promote=True,
                             metrics={"positive_rate": lambda y, p: float(np.mean(p))})
    checks = {c["metric"]: c for c in guarded.checks}
    assert checks["roc_auc"]["passed"] and not checks["positive_rate"]["passed"] and not guarded.passed
    assert checks["positive_rate"]["required"] == -0.05
    lower = compare_models("churn", "challenger", "champion", cancer, "malignant", {"primary": "log_loss"})
    assert not lower.passed and lower.checks[0]["better"] == "lower"  # the dummy's log loss is worse
    assert get_model_version("churn@champion").version == 1
    assert len(model_history("churn", "champion")) == 1
    assert list_decisions("churn")[["passed", "promoted"]].values.tolist() == [[False, False]] * 3
    default = compare_models("churn", 1, 2, cancer, "malignant")
    assert default.primary_metric == "roc_auc" and default.passed and not default.promoted


def test_compare_bad_input(champion_and_challenger, cancer):
    with pytest.raises(InvalidInput, match="min_improvement must be a finite number"):
        PromotionPolicy("accuracy", min_improvement=float("nan"))
    with pytest.raises(InvalidInput, match="needs a tolerance >= 0"):
        PromotionPolicy("accuracy", guards={"f1": -1})
    with pytest.raises(InvalidInput, match="unknown policy field\\(s\\) primery"):
        compare_models("churn", "champion", "challenger", cancer, "malignant", {"primery": "accuracy"})
    with pytest.raises(InvalidInput, match="both version 1"):
        compare_models("churn", "champion", 1, cancer, "malignant")
    with pytest.raises(InvalidInput, match="name the champion by its alias"):
        compare_models("churn", 1, 2, cancer, "malignant", promote=True)
    with pytest.raises(NotFound, match="no alias 'staging'"):
        compare_models("churn", "staging", "challenger", cancer, "malignant")
    with pytest.raises(InvalidInput, match="unknown metric 'auc'"):
        compare_models("churn", "champion", "challenger", cancer, "malignant", {"primary": "auc"})


# -- store integration ----------------------------------------------------------------------------
def test_gc_keeps_model_artifacts_of_purged_runs(home, cancer):
    with ml.start_run("train") as run:
        version = register_model(logreg(cancer), "churn")
    ml.delete_run(run.run_id)
    assert gc(open_store()).runs_purged == 1
    assert _blob(version).exists() and load_model("churn/1") is not None


def test_model_card_shows_versions_timeline_evaluations_decisions_escaped(champion_and_challenger, cancer):
    from jupyter_mlops.registry.card import ModelCard

    rollback_reason = f"rolled back: {XSS}"
    compare_models("churn", "champion", "challenger", cancer, "malignant", {"primary": "accuracy"}, promote=True)
    rollback("churn", "champion", reason=rollback_reason)
    card = ModelCard("churn")
    html = card.to_html()
    assert "<img" not in html and "&lt;img src=x" in html
    root = ET.fromstring(f"<root>{html}</root>")
    assert "mlops-alias-timeline" in html and html.count('class="mlops-alias-move"') == 4
    tables = {t.get("class"): t for t in root.iter("table")}
    rows = lambda cls: [[(td.text or "") for td in tr.iter("td")] for tr in tables[cls].iter("tr") if tr.find("td") is not None]  # noqa: E731
    assert [r[:3] for r in rows("mlops-model-versions")] == [["2", "challenger", "sklearn"], ["1", "champion", "sklearn"]]
    assert [r[3:6] for r in rows("mlops-alias-history")][:2] == [["rollback", "v2", "v1"], ["promote", "v1", "v2"]]
    assert len(rows("mlops-evaluations")) == 2 and rows("mlops-decisions")[0][-2:] == ["yes", "yes"]
    assert card._repr_mimebundle_()["text/plain"] == "<ModelCard churn>"


def test_import_stays_fast_and_lazy(home):
    result = python_code("import sys, jupyter_mlops as ml; print(sorted(m for m in ('sklearn', 'skops', "
                         "'jupyter_mlops.registry') if m in sys.modules)); ml.register_model; "
                         "print('jupyter_mlops.registry' in sys.modules, 'sklearn' in sys.modules)", home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[]", "True False"]


def test_each_autologged_object_links_its_own_run_even_when_an_identical_fit_followed(home, cancer):
    X, y = features(cancer)
    ml.autolog(silent=True)
    try:
        first = LogisticRegression(C=0.5, max_iter=5000).fit(X, y)
        second = LogisticRegression(C=0.5, max_iter=5000).fit(X, y)  # same class, params and data
    finally:
        ml.autolog(False)
    runs = ml.search_runs(order_by="start_time")["run_id"].tolist()
    assert len(runs) == 2
    assert register_model(first, "twins").run_id == runs[0]  # a match on params alone would say runs[1]
    assert register_model(second, "twins").run_id == runs[1]
