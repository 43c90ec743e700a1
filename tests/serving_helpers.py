"""Shared pieces of the serving tests: small real models, registration, bounded waits."""

from __future__ import annotations

import warnings
from functools import lru_cache

import pytest

from .conftest import wait_for  # noqa: F401  (re-exported for the serving tests)


@lru_cache(maxsize=1)
def cancer():
    """``(X, y, good, flipped, other)``: breast cancer data; a good classifier, one trained on flipped labels
    (it predicts the opposite almost everywhere) and a second good one (different C)."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    warnings.filterwarnings("ignore", category=UserWarning)
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    fit = lambda labels, C=1.0: make_pipeline(StandardScaler(), LogisticRegression(C=C)).fit(X, labels)  # noqa: E731
    return X, y, fit(y), fit(1 - y), fit(y, C=0.05)


def register_cancer(extra: bool = False):
    """Register cancer/1 (good, champion) and cancer/2 (flipped, challenger) [and cancer/3: good, other C]."""
    import jupyter_mlops as ml

    X, _, good, flipped, other = cancer()
    ml.register_model(good, "cancer", input_example=X.head())
    ml.register_model(flipped, "cancer", input_example=X.head())
    if extra:
        ml.register_model(other, "cancer", input_example=X.head())
    ml.set_alias("cancer", "champion", 1)
    ml.set_alias("cancer", "challenger", 2)


def records(rows) -> list[dict]:
    return rows.to_dict(orient="records")


@pytest.fixture
def started(home):
    """``start(**kwargs)`` serves through ``serve()``; every server is stopped when the test ends."""
    from jupyter_mlops.serving import serve

    servers = []

    def start(model="cancer@champion", **kwargs):
        server = serve(model, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
