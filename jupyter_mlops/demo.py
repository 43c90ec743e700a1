"""The main job behind ``make demo``: a short tracking session on a bundled scikit-learn dataset.

It trains a few classifiers on the breast-cancer dataset (shipped with scikit-learn, no
download), logs params, per-epoch metrics and an artifact for each, then prints where the store
is, what it holds and the best runs, using the same API a notebook would.

    $ MLOPS_HOME=.mlops python -m jupyter_mlops.demo
"""

from __future__ import annotations

import warnings

import jupyter_mlops as ml
from jupyter_mlops.store import open_store
from jupyter_mlops.store.maintenance import store_info

EXPERIMENT = "demo-breast-cancer"


def train(alpha: float, epochs: int = 15) -> None:
    """Train an SGD logistic model epoch by epoch, logging loss and accuracy per epoch."""
    import numpy as np
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import accuracy_score, log_loss
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    model = SGDClassifier(loss="log_loss", alpha=alpha, random_state=0)
    with ml.start_run(f"sgd-alpha-{alpha:g}"):
        ml.log_params({"model": "sgd-logistic", "alpha": alpha, "epochs": epochs, "rows": len(X_train)})
        for epoch in range(epochs):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.partial_fit(X_train, y_train, classes=np.unique(y))
            ml.log_metrics(
                {
                    "train_loss": log_loss(y_train, model.predict_proba(X_train)),
                    "val_accuracy": accuracy_score(y_test, model.predict(X_test)),
                },
                step=epoch,
            )
        ml.log_dict({"coef": model.coef_.round(4).tolist()[0]}, "model/coefficients.json")
        ml.set_tag("dataset", "sklearn.load_breast_cancer")


def main() -> None:
    ml.set_experiment(EXPERIMENT)
    alphas = [1e-4, 1e-3, 1e-2, 1e-1]
    for i, alpha in enumerate(alphas, 1):
        print(f"[{i}/{len(alphas)}] training SGD logistic regression, alpha={alpha:g}")
        train(alpha)
    summary = store_info(open_store())
    print(f"\nstore: {summary['home']} (schema v{summary['schema_version']})")
    print("holds: " + ", ".join(f"{n:,} {t}" for t, n in summary["tables"].items() if t in ("experiments", "runs", "params", "metrics", "artifacts")))
    best = ml.search_runs(EXPERIMENT, order_by="metrics.val_accuracy DESC, metrics.train_loss", max_results=3)
    print("\nbest runs by validation accuracy:")
    print(best[["run_name", "params.alpha", "metrics.val_accuracy", "metrics.train_loss"]].to_string(index=False))
    print("\nquery it with SQL, for example:")
    print('  .venv/bin/jupyter-mlops sql "SELECT key, count(*) FROM metrics GROUP BY key"')
    print('  .venv/bin/jupyter-mlops runs --where "metrics.val_accuracy > 0.95" --order-by "metrics.train_loss"')


if __name__ == "__main__":
    main()
