"""Real fitted scikit-learn models of every kind autolog, the demo and the tests use, on bundled data.

>>> model, X, y = fitted("random_forest")    # doctest: +SKIP
"""

from __future__ import annotations

import functools

import numpy as np


def _data():
    from sklearn.datasets import load_diabetes, load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    Xr, yr = load_diabetes(return_X_y=True, as_frame=True)
    mixed = X.copy()
    mixed["colour"] = np.where(y > 0, "red", "blue")
    mixed.iloc[0, 0] = np.nan
    return X, y, Xr, yr, mixed


def _zoo() -> dict:
    """name -> (unfitted model, data kind): 'class' (iris), 'binary', 'reg' (diabetes), 'mixed', 'unsup'."""
    from sklearn import (calibration, cluster, compose, decomposition, discriminant_analysis, ensemble,
                         feature_selection, gaussian_process, impute, isotonic, kernel_approximation, linear_model,
                         multiclass, naive_bayes, neighbors, neural_network, pipeline, preprocessing, svm, tree)

    column_prep = compose.ColumnTransformer([
        ("num", pipeline.make_pipeline(impute.SimpleImputer(), preprocessing.StandardScaler()),
         compose.make_column_selector(dtype_include="number")),
        ("cat", preprocessing.OneHotEncoder(handle_unknown="ignore"), ["colour"])])
    lr = functools.partial(linear_model.LogisticRegression, max_iter=1000)
    return {
        "logistic_regression": (lr(), "class"),
        "logistic_binary": (lr(), "binary"),
        "ridge": (linear_model.Ridge(), "reg"),
        "linear_regression": (linear_model.LinearRegression(), "reg"),
        "lasso": (linear_model.Lasso(), "reg"),
        "sgd_classifier": (linear_model.SGDClassifier(random_state=0), "class"),
        "decision_tree": (tree.DecisionTreeClassifier(random_state=0), "class"),
        "decision_tree_regressor": (tree.DecisionTreeRegressor(max_depth=5, random_state=0), "reg"),
        "random_forest": (ensemble.RandomForestClassifier(n_estimators=5, random_state=0), "class"),
        "random_forest_regressor": (ensemble.RandomForestRegressor(n_estimators=5, random_state=0), "reg"),
        "extra_trees": (ensemble.ExtraTreesClassifier(n_estimators=5, random_state=0), "class"),
        "gradient_boosting": (ensemble.GradientBoostingClassifier(n_estimators=5, random_state=0), "class"),
        "gradient_boosting_binary": (ensemble.GradientBoostingClassifier(n_estimators=5, random_state=0), "binary"),
        "gradient_boosting_huber": (ensemble.GradientBoostingRegressor(n_estimators=5, loss="huber"), "reg"),
        "hist_gradient_boosting": (ensemble.HistGradientBoostingClassifier(max_iter=5, random_state=0), "class"),
        "hist_gradient_boosting_regressor": (ensemble.HistGradientBoostingRegressor(max_iter=5), "reg"),
        "hist_gradient_boosting_categorical": (pipeline.make_pipeline(
            compose.ColumnTransformer([("cat", preprocessing.OrdinalEncoder(), ["colour"])], remainder="passthrough"),
            ensemble.HistGradientBoostingClassifier(max_iter=5, categorical_features=[0])), "mixed"),
        "adaboost": (ensemble.AdaBoostClassifier(n_estimators=5, random_state=0), "class"),
        "bagging": (ensemble.BaggingClassifier(n_estimators=3, random_state=0), "class"),
        "isolation_forest": (ensemble.IsolationForest(n_estimators=5, random_state=0), "unsup"),
        "voting": (ensemble.VotingClassifier([("lr", lr()), ("dt", tree.DecisionTreeClassifier(random_state=0))],
                                             voting="soft"), "class"),
        "stacking": (ensemble.StackingClassifier([("lr", lr()), ("nb", naive_bayes.GaussianNB())]), "class"),
        "svc": (svm.SVC(probability=True, random_state=0), "class"),
        "svr": (svm.SVR(), "reg"),
        "linear_svc": (svm.LinearSVC(), "class"),
        "kneighbors": (neighbors.KNeighborsClassifier(), "class"),
        "kneighbors_kd_tree": (neighbors.KNeighborsClassifier(algorithm="kd_tree"), "class"),
        "kneighbors_ball_tree": (neighbors.KNeighborsRegressor(algorithm="ball_tree"), "reg"),
        "gaussian_nb": (naive_bayes.GaussianNB(), "class"),
        "multinomial_nb": (naive_bayes.MultinomialNB(), "class"),
        "mlp": (neural_network.MLPClassifier(max_iter=30, random_state=0), "class"),
        "mlp_sgd": (neural_network.MLPRegressor(solver="sgd", max_iter=20, random_state=0), "reg"),
        "kmeans": (cluster.KMeans(n_clusters=3, n_init=2, random_state=0), "unsup"),
        "pca": (decomposition.PCA(2), "unsup"),
        "calibrated_sigmoid": (calibration.CalibratedClassifierCV(lr(), cv=3), "class"),
        "calibrated_isotonic": (calibration.CalibratedClassifierCV(svm.LinearSVC(), cv=3, method="isotonic"), "class"),
        "pipeline_column_transformer": (pipeline.make_pipeline(column_prep, lr()), "mixed"),
        "pipeline_select_k_best": (pipeline.make_pipeline(feature_selection.SelectKBest(k=2),
                                                          ensemble.RandomForestClassifier(n_estimators=3, random_state=0)),
                                   "class"),
        "iterative_imputer": (pipeline.make_pipeline(_iterative_imputer(), lr()), "mixed_numeric"),
        "one_vs_rest": (multiclass.OneVsRestClassifier(lr()), "class"),
        "gaussian_process": (gaussian_process.GaussianProcessClassifier(random_state=0), "small"),
        "lda": (discriminant_analysis.LinearDiscriminantAnalysis(), "class"),
        "isotonic": (isotonic.IsotonicRegression(), "reg_1d"),
        "spline_features": (pipeline.make_pipeline(preprocessing.SplineTransformer(), linear_model.Ridge()), "reg"),
        "nystroem": (pipeline.make_pipeline(kernel_approximation.Nystroem(n_components=20, random_state=0), lr()),
                     "class"),
        "quantile_kbins": (pipeline.make_pipeline(preprocessing.QuantileTransformer(n_quantiles=50),
                                                  preprocessing.KBinsDiscretizer(n_bins=3, quantile_method="averaged_inverted_cdf"),
                                                  lr()), "class"),
        "transformed_target": (compose.TransformedTargetRegressor(linear_model.Ridge(), func=np.log1p,
                                                                  inverse_func=np.expm1), "reg"),
    }


def _iterative_imputer():
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    return IterativeImputer(max_iter=3, random_state=0)


ZOO = sorted(_zoo())


def fitted(name: str):
    """``(fitted model, X, y)`` for a model of the zoo (y None for unsupervised ones); fresh each call."""
    X, y, Xr, yr, mixed = _data()
    model, kind = _zoo()[name]
    data = {
        "class": (X, y), "binary": (X, (y > 0).astype(int)), "reg": (Xr, yr), "mixed": (mixed, y),
        "mixed_numeric": (mixed.drop(columns="colour"), y), "unsup": (X, None),
        "small": (X.iloc[::3], y.iloc[::3]), "reg_1d": (Xr["bmi"].to_numpy(), yr),
    }[kind]
    X_fit, y_fit = data
    model.fit(X_fit, y_fit) if y_fit is not None else model.fit(X_fit)
    return model, X_fit, y_fit
