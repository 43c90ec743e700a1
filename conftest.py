"""Doctests of ``jupyter_mlops/`` run as tests: each example gets a fresh store in a temp folder.

The ``>>>`` examples in docstrings are collected by ``--doctest-modules`` (pyproject ``testpaths``),
so an example that stops working fails ``make test`` like any other test.
"""

from __future__ import annotations

import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(autouse=True)
def _doctest_store(request, tmp_path, monkeypatch, doctest_namespace):
    """A fresh store (MLOPS_HOME in a temp folder, also the working folder) for every doctest,
    with the names the examples share; the store handle and any open run are forgotten afterwards."""
    if not isinstance(request.node, DoctestItem):
        yield
        return
    import numpy as np
    import pandas as pd

    import jupyter_mlops as ml
    from jupyter_mlops.tracking import runs
    from tests.conftest import forget_store

    store_home = (tmp_path / "store").absolute()
    monkeypatch.setenv("MLOPS_HOME", str(store_home))
    monkeypatch.delenv("MLOPS_EXPERIMENT", raising=False)
    monkeypatch.delenv("MLOPS_PARENT_RUN_ID", raising=False)
    monkeypatch.setenv("MLOPS_CAPTURE", "0")
    monkeypatch.chdir(tmp_path)
    # ``churn``: a small customer table the dataset, drift and registry examples register and read.
    churn = pd.DataFrame({
        "customer_id": range(1, 9),
        "tenure": [1, 5, 12, 24, 3, 36, 7, 18],
        "monthly_charges": [70.5, 20.0, 99.9, 45.0, 80.2, 25.5, 60.0, 55.0],
        "plan": ["basic", "pro", "pro", "basic", "basic", "pro", "basic", "pro"],
        "churned": [1, 0, 0, 0, 1, 0, 1, 0],
    })
    # ``customers`` (500 rows) and ``customers_later`` (monthly charges up by a third, more 'pro'
    # plans): enough rows for the drift examples to find a shift.
    rng = np.random.default_rng(7)
    customers = pd.DataFrame({
        "tenure": rng.integers(1, 60, 500),
        "monthly_charges": rng.normal(60, 15, 500).round(2),
        "plan": rng.choice(["basic", "pro"], 500, p=[0.7, 0.3]),
        "churned": rng.integers(0, 2, 500),
    })
    customers_later = customers.assign(monthly_charges=(customers.monthly_charges * 1.33).round(2),
                                       plan=rng.choice(["basic", "pro"], 500, p=[0.4, 0.6]))
    # ``clf``: a model fitted on ``X``/``y`` (two customers columns) for the registry and serving examples.
    from sklearn.linear_model import LogisticRegression

    X, y = customers[["tenure", "monthly_charges"]], customers["churned"]
    clf = LogisticRegression().fit(X, y)
    doctest_namespace.update(ml=ml, pd=pd, np=np, churn=churn, customers=customers, customers_later=customers_later,
                             X=X, y=y, clf=clf)
    yield
    while runs._stack:
        runs._stack[-1].end("finished")
    runs._experiment = None
    forget_store(store_home)
