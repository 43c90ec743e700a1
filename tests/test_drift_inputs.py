"""Bad input to check_drift: each a one-line error naming the fix (and one case that is not an error)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jupyter_mlops as ml
from jupyter_mlops.drift.sketch import ColumnSpec, scan
from jupyter_mlops.errors import InvalidInput, NotFound

RNG = np.random.default_rng(0)
REFERENCE = pd.DataFrame({
    "age": RNG.normal(40, 10, 500), "plan": RNG.choice(["basic", "pro"], 500), "score": RNG.random(500),
    "ids": [f"user-{i}" for i in range(500)], "signup": pd.date_range("2024-01-01", periods=500, freq="h"),
})


def current(**changes) -> pd.DataFrame:
    return REFERENCE.sample(frac=1.0, random_state=1).reset_index(drop=True).assign(**changes)


@pytest.mark.parametrize(
    "reference,current_data,kwargs,message",
    [
        (REFERENCE, current().drop(columns=["plan"]), {},
         "column 'plan' is in the reference but not in the current data (DataFrame (500 rows)); add it to the current "
         "data or leave it out with columns=[...]"),
        (REFERENCE, current(), {"columns": ["age", "tenure"]},
         "column 'tenure' is not in the reference data (DataFrame (500 rows)); its columns are 'age', 'plan'"),
        (REFERENCE, current(age=lambda f: f["age"].round().astype(str)), {},
         "column 'age' is numeric (DOUBLE) in the reference but categorical (VARCHAR) in the current data; convert one "
         "side, e.g. current['age'] = pd.to_numeric(current['age'])"),
        (REFERENCE, current(score=np.nan), {},
         "column 'score' has only missing values in the current data (500 rows); fix the data or leave the column out"),
        (REFERENCE, current(plan=pd.Series([None] * 500, dtype=object)), {},
         "column 'plan' has only missing values in the current data (500 rows)"),
        (REFERENCE.assign(score=np.nan), current(), {},
         "column 'score' has only missing values in the reference data (500 rows)"),
        (REFERENCE.assign(score=3.0), current(), {},
         "column 'score' is constant in the reference (every value is 3), so it has no spread to measure drift against; "
         "leave it out with columns=[...] or compare it as a category with method={'score': 'chisquare'}"),
        (REFERENCE, current().iloc[:0], {}, "the current data (DataFrame (0 rows)) has no rows; check data with at least one row"),
        (REFERENCE, current(), {"columns": ["ids"]},
         "column 'ids' has 500 distinct values in the reference"),
        (REFERENCE, current(), {"threshold": -1}, "threshold takes a positive number"),
        (REFERENCE, current(), {"drift_share": 2}, "drift_share is the share of drifted columns"),
        (REFERENCE, "no_such_dataset@x", {}, "dataset version in 'no_such_dataset@x' must be a positive number or 'latest'"),
        (REFERENCE, 42, {}, "current must be a dataset like 'churn@1', a DataFrame or a Parquet/CSV path; got int"),
    ],
    ids=["missing-in-current", "missing-in-reference", "type-mismatch", "all-nan-current", "all-none-current",
         "all-null-reference", "constant", "empty-current", "identifier", "threshold", "drift-share", "bad-ref", "bad-type"],
)
def test_bad_input_is_one_line_naming_the_fix(home, reference, current_data, kwargs, message, monkeypatch):
    from jupyter_mlops.drift import sketch

    monkeypatch.setattr(sketch, "MAX_CATEGORIES", 400)
    monkeypatch.setattr("jupyter_mlops.drift.check.MAX_CATEGORIES", 400)
    with pytest.raises(InvalidInput) as error:
        ml.check_drift(reference, current_data, multivariate=False, **kwargs)
    text = str(error.value)
    assert message in text and "\n" not in text


def test_unknown_dataset_is_not_found_with_a_suggestion(home):
    ml.register_dataset(REFERENCE, "churn")
    with pytest.raises(NotFound, match="no dataset 'chrun'; did you mean 'churn'"):
        ml.check_drift("chrun@1", current())
    with pytest.raises(NotFound, match="dataset 'churn' has no version 3"):
        ml.check_drift("churn@3", current())
    with pytest.raises(NotFound, match="current file 'no_such_file.parquet' does not exist; give an existing"):
        ml.check_drift("churn@1", "no_such_file.parquet")


def test_constant_column_can_be_compared_as_a_category(home):
    report = ml.check_drift(REFERENCE.assign(score=3.0), current(score=np.where(np.arange(500) < 100, 4.0, 3.0)),
                            columns=["score"], method={"score": "chisquare"}, multivariate=False)
    assert report.column("score").drifted and report.column("score").p_value < 1e-10


def test_identifier_and_time_columns_are_skipped_with_a_reason_when_not_named(home, monkeypatch):
    monkeypatch.setattr("jupyter_mlops.drift.check.MAX_CATEGORIES", 400)
    report = ml.check_drift(REFERENCE, current(), multivariate=False)
    assert {c.column for c in report.columns} == {"age", "plan", "score"}
    assert report.options["skipped"]["ids"] == "500 distinct values (an identifier or free text?)"
    assert "signup" in report.options["skipped"] and "ids (500 distinct values" in report.to_html()


def test_categories_seen_only_in_the_current_data_are_counted_not_an_error(home):
    plans = np.where(np.arange(500) < 40, "enterprise", np.where(np.arange(500) < 45, "<b>trial</b>", current()["plan"]))
    for method in ("chisquare", "jensenshannon", "psi", "hellinger"):
        report = ml.check_drift(REFERENCE, current(plan=plans), columns=["plan"], method=method, multivariate=False)
        line = report.column("plan")
        assert line.new_categories == {"enterprise": 40, "<b>trial</b>": 5} and np.isfinite(line.statistic), method
        assert "2 categories seen only in the current data: 'enterprise' (40), '<b>trial</b>' (5)" in line.note
    from scipy.stats import chi2_contingency

    table = pd.crosstab(np.r_[np.zeros(500), np.ones(500)], np.r_[REFERENCE["plan"], plans])
    chi = ml.check_drift(REFERENCE, current(plan=plans), columns=["plan"], method="chisquare", multivariate=False)
    assert chi.column("plan").p_value == pytest.approx(chi2_contingency(table.values)[1], rel=1e-9)
    assert "&lt;b&gt;trial&lt;/b&gt;" in chi.to_html() and "<b>trial" not in chi.to_html()


def test_ztest_needs_two_categories(home):
    with pytest.raises(InvalidInput, match="the Z-test compares two categories, and 'plan' has 3 .* use method='chisquare'"):
        ml.check_drift(REFERENCE, current(plan=np.where(np.arange(500) < 5, "x", current()["plan"])), columns=["plan"],
                       method="ztest", multivariate=False)


def test_scanning_in_small_batches_gives_the_same_sketch():
    import duckdb

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": np.round(rng.normal(0, 1, 20_000), 2), "c": rng.choice(list("abcde"), 20_000)})
    frame.loc[::7, "x"] = np.nan
    con = duckdb.connect()
    con.register("frame", frame)
    edges = np.linspace(-3, 3, 50)
    specs = [ColumnSpec("x", "numeric", edges, track_exact=True), ColumnSpec("c", "categorical")]
    whole = scan(con, "SELECT * FROM frame", [], specs, batch_rows=1 << 20)
    pieces = scan(con, "SELECT * FROM frame", [], specs, batch_rows=999)
    a, b = whole.sketches["x"], pieces.sketches["x"]
    assert a.exact and b.exact and (a.edges == b.edges).all() and (a.counts == b.counts).all()
    assert (a.count, a.missing) == (b.count, b.missing) == (frame["x"].notna().sum(), frame["x"].isna().sum())
    assert a.mean == pytest.approx(frame["x"].mean()) and a.std == pytest.approx(frame["x"].std(ddof=0))
    assert whole.sketches["c"].values == pieces.sketches["c"].values == frame["c"].value_counts().to_dict()
