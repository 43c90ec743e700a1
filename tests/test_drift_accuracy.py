"""Drift statistics from sketches against scipy's exact computations on the same data:
synthetic data with known injected shifts, and real bundled data (vega_datasets, scikit-learn)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, ks_2samp, wasserstein_distance

import jupyter_mlops as ml
from jupyter_mlops.drift.sketch import FINE_BINS


def _check(reference, current, **kwargs):
    return ml.check_drift(reference, current, correction="none", multivariate=False, save=False, **kwargs)


def _distributions(rng, n):
    return {
        "normal, no shift": (rng.normal(0, 1, n), rng.normal(0, 1, n)),
        "normal, shift 0.05 sd": (rng.normal(0, 1, n), rng.normal(0.05, 1, n)),
        "normal, scale x1.3": (rng.normal(0, 1, n), rng.normal(0, 1.3, n)),
        "lognormal sigma 2, shift": (rng.lognormal(0, 2, n), rng.lognormal(0.2, 2, n)),
        "student t(2), shift": (rng.standard_t(2, n), rng.standard_t(2, n) + 0.2),
        "bimodal vs unimodal": (np.r_[rng.normal(-2, 1, n // 2), rng.normal(2, 1, n - n // 2)], rng.normal(0, 2.2, n)),
        "zero-inflated": (np.where(rng.random(n) < 0.4, 0, rng.gamma(2, 3, n)), np.where(rng.random(n) < 0.5, 0, rng.gamma(2, 3.3, n))),
        "integers": (rng.poisson(5, n).astype(float), rng.poisson(5.3, n).astype(float)),
        "current beyond the reference range": (rng.uniform(0, 1, n), rng.uniform(0.5, 1.5, n)),
        "small current batch": (rng.normal(0, 1, n), rng.normal(0.1, 1, 300)),
    }


def test_normalised_wasserstein_is_within_1e_3_of_scipy(home):
    """The distance from the stored sketch, against scipy on the raw values (the issue's bound: 1e-3)."""
    rng = np.random.default_rng(0)
    errors = {}
    for name, (ref, cur) in _distributions(rng, 200_000).items():
        reference, current = pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur})
        ours = _check(reference, current, method="wasserstein").column("x").statistic
        exact = wasserstein_distance(ref, cur) / ref.std()
        errors[name] = abs(ours - exact)
    ml.register_dataset(pd.DataFrame({"x": ref}), "heavy")  # the stored path: sketched at registration
    stored = _check("heavy@1", pd.DataFrame({"x": cur}), method="wasserstein").column("x").statistic
    errors["stored sketch"] = abs(stored - wasserstein_distance(ref, cur) / ref.std())
    assert max(errors.values()) < 1e-3, errors
    assert max(errors.values()) < 2e-4, errors  # measured: 3e-5 at worst, 1e-8 or better where the CDFs do not cross


@pytest.mark.parametrize("n", [300, 800])
def test_small_samples_give_scipys_exact_ks_and_chi_square(home, n):
    """Up to 4,096 distinct values the reference sketch is the data itself: p-values equal scipy's."""
    rng = np.random.default_rng(n)
    for shift in (0.0, 0.05, 0.1, 0.2, 0.3, 0.5):
        ref, cur = rng.normal(0, 1, n), rng.normal(shift, 1, n - 17)
        cats = np.array(["a", "b", "c", "d"])
        ref_c = rng.choice(cats, n, p=[0.4, 0.3, 0.2, 0.1])
        cur_c = rng.choice(cats, n - 17, p=[0.4 - shift / 2, 0.3, 0.2, 0.1 + shift / 2])
        report = _check(pd.DataFrame({"x": ref, "c": ref_c}), pd.DataFrame({"x": cur, "c": cur_c}))
        x, c = report.column("x"), report.column("c")
        expected = ks_2samp(ref, cur)
        assert x.method == "ks" and x.statistic == pytest.approx(expected.statistic, abs=1e-12)
        assert x.p_value == pytest.approx(expected.pvalue, rel=1e-9) and x.drifted == (expected.pvalue < 0.05)
        table = pd.crosstab(np.r_[np.zeros(n), np.ones(n - 17)], np.r_[ref_c, cur_c]).values
        chi = chi2_contingency(table)
        assert c.method == "chisquare" and c.statistic == pytest.approx(chi.statistic, rel=1e-9)
        assert c.p_value == pytest.approx(chi.pvalue, rel=1e-9) and c.drifted == (chi.pvalue < 0.05)


def test_large_samples_ks_agrees_with_scipy_within_one_fine_bin(home):
    """Above 4,096 distinct values the KS statistic is read at about 4,096 edges: at most one
    bin's share (1/4,096 of the reference) off, so verdicts agree with scipy's."""
    rng = np.random.default_rng(7)
    ref = rng.normal(0, 1, 50_000)
    for shift in (0.0, 0.01, 0.03, 0.05, 0.1):
        cur = rng.normal(shift, 1, 20_000)
        line = _check(pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur}), method="ks").column("x")
        expected = ks_2samp(ref, cur)
        assert 0 <= expected.statistic - line.statistic <= 1 / FINE_BINS + 1e-12
        assert line.drifted == (expected.pvalue < 0.05), (shift, line.p_value, expected.pvalue)


def test_injected_drift_is_found_in_exactly_the_shifted_columns(home):
    rng = np.random.default_rng(3)
    n = 30_000
    reference = pd.DataFrame({f"x{i}": rng.normal(0, 1, n) for i in range(6)} | {"c": rng.choice(list("abcd"), n)})
    current = pd.DataFrame({f"x{i}": rng.normal(0, 1, n) for i in range(6)} | {"c": rng.choice(list("abcd"), n)})
    current["x1"] += 0.5
    current["x4"] *= 1.8
    current.loc[: n // 4, "c"] = "a"
    report = ml.check_drift(reference, current, multivariate=False)
    assert sorted(report.drifted_columns) == ["c", "x1", "x4"]
    scipy_drifted = sorted(f"x{i}" for i in range(6) if wasserstein_distance(reference[f"x{i}"], current[f"x{i}"])
                           / reference[f"x{i}"].std(ddof=0) >= 0.1)
    assert scipy_drifted == ["x1", "x4"]


def test_real_data_seattle_weather_2012_against_2015_agrees_with_scipy(home):
    from vega_datasets import local_data

    weather = local_data.seattle_weather()
    ref = weather[weather["date"].dt.year == 2012].drop(columns=["date"]).reset_index(drop=True)
    cur = weather[weather["date"].dt.year == 2015].drop(columns=["date"]).reset_index(drop=True)
    ml.register_dataset(ref, "weather")
    for reference in (ref, "weather@1"):
        report = _check(reference, cur)
        for column in ("precipitation", "temp_max", "temp_min", "wind"):
            expected = ks_2samp(ref[column], cur[column])
            line = report.column(column)
            assert line.method == "ks" and line.p_value == pytest.approx(expected.pvalue, rel=1e-9), column
            assert line.drifted == (expected.pvalue < 0.05), column
        chi = chi2_contingency(pd.crosstab(np.r_[np.zeros(len(ref)), np.ones(len(cur))], np.r_[ref["weather"], cur["weather"]]).values)
        assert report.column("weather").p_value == pytest.approx(chi.pvalue, rel=1e-9)
        assert report.column("weather").drifted == (chi.pvalue < 0.05)
        assert {"weather", "temp_max"} <= set(report.drifted_columns)  # Seattle's "drizzle" label all but vanished by 2015


def test_real_data_hourly_temperatures_wasserstein_and_breast_cancer_ks(home):
    from sklearn.datasets import load_breast_cancer
    from vega_datasets import local_data

    temps = local_data.seattle_temps()
    first, second = temps[temps["date"].dt.month <= 6], temps[temps["date"].dt.month > 6]
    line = _check(first[["temp"]], second[["temp"]]).column("temp")
    exact = wasserstein_distance(first["temp"], second["temp"]) / first["temp"].std(ddof=0)
    assert line.method == "wasserstein" and abs(line.statistic - exact) < 1e-9 and line.drifted

    cancer = load_breast_cancer(as_frame=True).frame
    benign, malignant = cancer[cancer["target"] == 1].drop(columns="target"), cancer[cancer["target"] == 0].drop(columns="target")
    report = _check(benign, malignant)
    ours = {c.column: c.drifted for c in report.columns}
    assert ours == {c: bool(ks_2samp(benign[c], malignant[c]).pvalue < 0.05) for c in benign.columns}
    for c in ("mean radius", "texture error", "fractal dimension error"):
        assert report.column(c).p_value == pytest.approx(ks_2samp(benign[c], malignant[c]).pvalue, rel=1e-6)
