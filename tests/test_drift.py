"""Drift checks against a real store and real files: stored references, reports, history, methods."""

from __future__ import annotations

import importlib.metadata
import json

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as ml
from jupyter_mlops.drift import DriftMethod, get_method, method_names, register_method
from jupyter_mlops.drift.methods import DriftMethods
from jupyter_mlops.errors import InvalidInput, NotFound
from jupyter_mlops.store import open_store
from jupyter_mlops.store.maintenance import gc


def make_frame(n: int, seed: int, shift: float = 0.0, new_plan: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "pro", "team"], n, p=[0.6, 0.3, 0.1]).astype(object)
    plan[:new_plan] = "enterprise"
    return pd.DataFrame({
        "age": rng.normal(40, 10, n) + shift * 10,
        "charges": np.where(rng.random(n) < 0.1, np.nan, rng.gamma(2, 30, n)),
        "plan": plan,
        "tenure": rng.integers(0, 72, n),
        "signup": pd.date_range("2024-01-01", periods=n, freq="min"),
        "churned": rng.random(n) < 0.2,
    })


@pytest.fixture
def churn(home):
    return ml.register_dataset(make_frame(6000, 0), "churn")


def test_registered_reference_is_sketched_once_and_only_current_data_is_scanned(churn, home):
    sketches = ml.sql("SELECT column_name, kind, sketch, exact, len(edges) AS edges FROM dataset_sketches ORDER BY column_name")
    assert set(sketches["column_name"]) == {"age", "charges", "plan", "tenure", "signup", "churned"}
    by_name = sketches.set_index("column_name")
    assert not by_name.loc["age", "exact"] and by_name.loc["age", "edges"] > 3000  # continuous: fine bins
    assert by_name.loc["tenure", "exact"] and by_name.loc["tenure", "edges"] == 72  # every value kept
    assert ml.sql("SELECT rows FROM dataset_samples")["rows"][0] > 4000
    snapshot = open_store().blobs.path(ml.sql("SELECT sha256 FROM dataset_versions")["sha256"][0])
    snapshot.chmod(0o644)
    snapshot.rename(snapshot.with_suffix(".moved"))  # the reference's rows are gone: only its sketch remains
    report = ml.check_drift("churn@1", make_frame(3000, 1, shift=0.5, new_plan=200))
    assert report.drifted_columns == ["age", "plan"] and report.drift_share == pytest.approx(2 / 5)
    assert not report.drifted and report.reference == "churn@1" and report.reference_dataset == ("churn", 1)
    assert {c.column: c.method for c in report.columns} == {
        "age": "wasserstein", "charges": "wasserstein", "plan": "jensenshannon", "tenure": "wasserstein", "churned": "jensenshannon"}
    assert report.options["skipped"] == {"signup": "a time column (it moves by design); name it in columns=[...] to compare it as numbers"}
    plan = report.column("plan")
    assert plan.new_categories == {"enterprise": 200} and "seen only in the current data: 'enterprise' (200)" in plan.note
    assert report.column("charges").reference_missing == pytest.approx(0.1, abs=0.02)
    assert report.multivariate.auc > 0.6 and report.multivariate.drifted
    assert [c.column for c in report.columns][:2] == ["age", "plan"]  # most severe first


def test_stored_sketch_and_raw_reference_give_the_same_report(churn):
    reference, current = make_frame(6000, 0), make_frame(900, 2, shift=0.15)
    stored = ml.check_drift("churn@1", current, columns=["age", "plan", "tenure", "churned", "signup"])
    raw = ml.check_drift(reference, current, columns=["age", "plan", "tenure", "churned", "signup"])
    for a in stored.columns:
        b = raw.column(a.column)
        assert (a.method, a.drifted) == (b.method, b.drifted)
        assert a.statistic == pytest.approx(b.statistic, rel=1e-9, abs=1e-12)
        assert a.p_value == pytest.approx(b.p_value, rel=1e-9)
    assert stored.column("age").method == "ks" and stored.column("churned").method == "ztest"
    assert stored.column("signup").kind == "temporal"  # named, so compared as numbers
    assert stored.multivariate.auc == pytest.approx(raw.multivariate.auc, abs=0.05)


def test_report_is_stored_with_its_columns_and_history_is_sql(churn):
    with ml.start_run("monitor") as run:
        first = ml.check_drift("churn@1", make_frame(2000, 3), multivariate=False)
    moved = make_frame(2000, 4, shift=1.0, new_plan=500)
    moved = moved.assign(charges=moved["charges"] * 2, tenure=moved["tenure"] + 30, churned=moved["age"] > 45)
    second = ml.check_drift("churn@1", moved, multivariate=False)
    ml.check_drift(make_frame(500, 5), make_frame(500, 6), columns=["age"], multivariate=False)
    history = ml.drift_history("churn")
    assert list(history["report_id"]) == [first.report_id, second.report_id]
    assert list(history["drifted"]) == [False, True] and history["drift_share"].iloc[1] == 1.0
    assert history["run_id"].iloc[0] == run.run_id
    over_time = ml.sql("SELECT drift_share FROM drift_reports WHERE reference_name = 'churn' ORDER BY created_at")
    assert list(over_time["drift_share"]) == list(history["drift_share"])
    assert len(ml.drift_history()) == 3 and len(ml.drift_history("churn@1")) == 2
    rows = ml.sql(f"SELECT column_name, drifted, distribution FROM drift_columns WHERE report_id = '{second.report_id}'")
    assert set(rows["column_name"]) == {"age", "charges", "plan", "tenure", "churned"} and rows["drifted"].all()
    assert json.loads(rows["distribution"][0])["type"] in ("histogram", "bars")
    loaded = ml.get_drift_report(second.report_id[:6])
    assert loaded.drifted_columns == second.drifted_columns and loaded.summary() == second.summary()
    assert loaded.column("plan").new_categories == {"enterprise": 500} and loaded.correction == "bh"
    with pytest.raises(NotFound, match="no drift report 'ffffff'"):
        ml.get_drift_report("ffffff")
    from jupyter_mlops.drift import latest_drift_reports

    latest = latest_drift_reports()
    assert latest.set_index("report_id").loc[second.report_id, "reports"] == 2


def test_current_as_registered_version_parquet_and_csv(churn, tmp_path):
    current = make_frame(1500, 7, shift=0.6)
    parquet, csv = tmp_path / "current.parquet", tmp_path / "current.csv"
    current.to_parquet(parquet)
    current.drop(columns=["signup"]).to_csv(csv, index=False)
    ml.register_dataset(current, "churn")
    columns = ["age", "plan", "tenure"]
    results = [ml.check_drift("churn@1", source, columns=columns, multivariate=False)
               for source in ("churn@2", str(parquet), csv, current)]
    assert {tuple(r.drifted_columns) for r in results} == {("age",)}
    assert results[0].current_dataset == ("churn", 2) and results[1].current == "current.parquet"
    assert ml.drift_history("churn@2")["report_id"].tolist() == [results[0].report_id]


def test_gc_keeps_the_reference_sample_and_old_versions_are_sketched_on_first_use(churn):
    gc(open_store())
    assert ml.check_drift("churn@1", make_frame(1000, 8)).multivariate.auc is not None
    with open_store().connect() as con:  # a version registered before drift existed
        con.execute("DELETE FROM dataset_sketches; DELETE FROM dataset_samples")
    report = ml.check_drift("churn@1", make_frame(1000, 8, shift=0.8), multivariate=False)
    assert report.drifted_columns == ["age"]
    assert ml.sql("SELECT count(*) AS n FROM dataset_sketches")["n"][0] == 6


def test_methods_overrides_thresholds_and_corrections(churn):
    current = make_frame(3000, 9, shift=0.05)
    report = ml.check_drift("churn@1", current, columns=["age", "plan", "tenure"], method={"age": "ks", "plan": "chisquare"},
                            threshold={"tenure": 0.001}, multivariate=False)
    assert {c.column: (c.method, c.threshold) for c in report.columns} == {
        "age": ("ks", 0.05), "plan": ("chisquare", 0.05), "tenure": ("wasserstein", 0.001)}
    assert report.column("tenure").drifted  # a tiny threshold flags the tiny shift
    everywhere = ml.check_drift("churn@1", current, columns=["age", "plan"], method="psi", threshold=0.5, multivariate=False)
    assert [c.method for c in everywhere.columns] == ["psi", "psi"] and not everywhere.drifted_columns
    ks_for_all = ml.check_drift("churn@1", current, columns=["age", "plan"], method="ks", multivariate=False)
    assert {c.column: c.method for c in ks_for_all.columns} == {"age": "ks", "plan": "jensenshannon"}  # ks: numeric only
    with pytest.raises(InvalidInput, match="method 'ks' compares numeric columns, and 'plan' is categorical; use one of"):
        ml.check_drift("churn@1", current, columns=["plan"], method={"plan": "ks"})
    with pytest.raises(InvalidInput, match=r"no drift method 'kss'; did you mean 'ks'\?; known methods: auto, chisquare"):
        ml.check_drift("churn@1", current, method="kss")
    with pytest.raises(InvalidInput, match="correction must be one of bh, bonferroni, none"):
        ml.check_drift("churn@1", current, correction="holm")
    with pytest.raises(InvalidInput, match="method= names column 'nope', which is not checked"):
        ml.check_drift("churn@1", current, method={"nope": "ks"})

    rng = np.random.default_rng(10)  # 12 columns, a weak shift in each: corrections change the verdicts
    reference = pd.DataFrame({f"x{i}": rng.normal(0, 1, 400) for i in range(12)})
    shifted = pd.DataFrame({f"x{i}": rng.normal(0.12 + 0.01 * i, 1, 400) for i in range(12)})
    raw = {c: ml.check_drift(reference, shifted, correction=c, multivariate=False, save=False) for c in ("none", "bh", "bonferroni")}
    p = np.array([raw["none"].column(f"x{i}").p_value for i in range(12)])
    from scipy.stats import false_discovery_control

    bh = false_discovery_control(p, method="bh")
    assert [raw["bh"].column(f"x{i}").p_value_adjusted for i in range(12)] == pytest.approx(bh.tolist())
    assert [raw["bonferroni"].column(f"x{i}").p_value_adjusted for i in range(12)] == pytest.approx(np.minimum(1, p * 12).tolist())
    counts = [len(raw[c].drifted_columns) for c in ("none", "bh", "bonferroni")]
    assert counts[0] >= counts[1] >= counts[2] and counts[0] > counts[2]


def test_target_and_prediction_get_their_own_lines(churn):
    current = make_frame(3000, 11).assign(churned=lambda f: np.random.default_rng(1).random(len(f)) < 0.5)
    report = ml.check_drift("churn@1", current, columns=["age", "plan"], target="churned", prediction="tenure",
                            multivariate=False)
    roles = {c.column: c.role for c in report.columns}
    assert roles == {"age": "feature", "plan": "feature", "churned": "target", "tenure": "prediction"}
    assert report.column("churned").drifted and report.drift_share == 0.0 and report.drifted_columns == []


def test_multivariate_check_sees_a_changed_relationship_the_columns_miss(home):
    rng = np.random.default_rng(12)
    x = rng.normal(size=(2, 4000))
    reference = pd.DataFrame({"a": x[0], "b": 0.9 * x[0] + 0.44 * x[1]})
    y = rng.normal(size=(2, 4000))
    current = pd.DataFrame({"a": y[0], "b": -0.9 * y[0] + 0.44 * y[1]})  # same marginals, flipped correlation
    report = ml.check_drift(reference, current)
    assert report.drifted_columns == [] and report.multivariate.drifted and report.multivariate.auc > 0.8
    same = ml.check_drift(reference, pd.DataFrame({"a": y[0], "b": 0.9 * y[0] + 0.44 * y[1]}))
    assert not same.multivariate.drifted and same.multivariate.auc < 0.55


MEAN_GAP = DriftMethod("mean_gap", lambda ref, cur: (abs(ref.mean - cur.mean) / ref.std, None), kinds=("numeric",),
                       default_threshold=0.2, description="gap of the means in reference stds")


def test_method_registry_by_name_and_entry_point(home, monkeypatch):
    registry = DriftMethods()
    point = importlib.metadata.EntryPoint("mean_gap", "tests.test_drift:MEAN_GAP", "jupyter_mlops.drift_methods")
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [point] if group == "jupyter_mlops.drift_methods" else [])
    assert registry.names() == ["mean_gap"] and registry.get("MEAN_GAP") is MEAN_GAP
    register_method(MEAN_GAP)
    assert "mean_gap" in method_names() and get_method("js").name == "jensenshannon"
    frame = make_frame(2000, 13)
    report = ml.check_drift(frame, frame.assign(age=frame["age"] + 3), columns=["age", "plan"], method={"age": "mean_gap"},
                            multivariate=False)
    assert report.column("age").method == "mean_gap" and report.column("age").statistic == pytest.approx(0.3, rel=0.02)
    assert report.column("age").drifted and report.column("age").p_value is None


def test_html_export_and_widget_escape_user_text(home, tmp_path):
    evil = "<img src=x onerror=alert(1)>"
    reference = pd.DataFrame({evil: np.arange(200.0), "c": ["a", "b"] * 100})
    current = pd.DataFrame({evil: np.arange(200.0) + 150, "c": ["a", "<script>x</script>"] * 100})
    report = ml.check_drift(reference, current, multivariate=False)
    html = report._repr_html_()
    assert evil not in html and "<script>" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.index("&lt;img") < html.index(">c<")  # the more severe column first
    assert html.count("<svg") == 2 and "reference" in html
    page = tmp_path / "drift.html"
    assert report.save_html(page) == str(page)
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and "<script" not in text and "Drift report:" in text
    view = report.widget()
    bundle = view._repr_mimebundle_()
    assert bundle["text/html"] == html and "DriftReport" in bundle["text/plain"]


def test_report_links_the_model_version_it_was_run_for(churn):
    from sklearn.linear_model import LogisticRegression

    frame = make_frame(300, 14)
    model = LogisticRegression().fit(frame[["age", "tenure"]], frame["churned"])
    ml.register_model(model, "churn-model")
    report = ml.check_drift("churn@1", frame, columns=["age"], model="churn-model/1", multivariate=False)
    assert report.model == ("churn-model", 1)
    assert ml.drift_history(model="churn-model")["report_id"].tolist() == [report.report_id]
    assert ml.get_drift_report(report.report_id).model == ("churn-model", 1)
    with pytest.raises(NotFound, match="model 'churn-model' has no version 7"):
        ml.check_drift("churn@1", frame, columns=["age"], model="churn-model/7")


def test_current_values_beyond_the_reference_range_are_drawn_where_they_are(home):
    rng = np.random.default_rng(3)
    reference = pd.DataFrame({"x": rng.uniform(0, 100, 5000)})
    current = pd.DataFrame({"x": rng.uniform(100, 200, 5000)})  # entirely past the reference's last edge
    ml.register_dataset(reference, "ranged")
    report = ml.check_drift("ranged@1", current, save=False, multivariate=False)
    picture = report.column("x").distribution
    assert picture["type"] == "histogram"
    shares = np.array(picture["current"])
    edges = np.array(picture["edges"])
    centres = (edges[:-1] + edges[1:]) / 2
    assert shares.sum() == pytest.approx(1.0)
    assert shares.max() < 0.15  # spread over 100..200, not one spike at the reference's maximum
    assert shares[centres > 100].sum() > 0.95
