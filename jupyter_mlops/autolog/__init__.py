"""Autologging: every scikit-learn ``fit`` records itself as a run, with no logging code.

>>> import jupyter_mlops as ml
>>> ml.autolog()                                            # doctest: +SKIP
>>> LogisticRegression(C=0.5).fit(X, y)                     # doctest: +SKIP
>>> ml.search_runs(where="tags.`mlops.autolog` = 'sklearn'")  # doctest: +SKIP

What one ``fit`` records (only the outermost call: a Pipeline's step fits, a search's clone
fits and a ``fit_transform`` that calls ``fit`` log nothing of their own):

- params: ``get_params(deep=True)``, so a Pipeline's step params appear as ``clf__C``; values
  are text, objects shortened to their first 500 characters, over-long strings skipped;
- metrics: ``fit_time_s``, and training metrics on the data given to ``fit`` (with its
  ``sample_weight``): ``training_accuracy``, ``training_precision`` / ``recall`` / ``f1``
  (weighted), ``training_log_loss`` and ``training_roc_auc`` (binary, or one-vs-rest) when
  ``predict_proba`` exists; ``training_mse``, ``training_rmse``, ``training_mae``,
  ``training_r2`` for regressors; ``training_score`` for other estimators with ``score``.
  A metric that cannot be computed is left out;
- the fitted model: ``model/model.skops`` (``skops.io``: loading it runs no code), or, when skops
  cannot write it faithfully (``__slots__`` objects, lambdas, local functions...),
  ``model/model.pkl`` with tag ``mlops.model.format = pickle-unsafe``; tag
  ``mlops.model.sklearn_version``;
- the training data's fingerprint: tags ``mlops.input.fingerprint`` (SHA-256 of X and y
  contents, plus column names and dtypes), ``mlops.input.shape``, ``mlops.input.type``, the
  columns (tag ``mlops.input.columns``, or artifact ``input/columns.json`` when long);
- searches (``GridSearchCV``, ``RandomizedSearchCV``, any ``BaseSearchCV``): one child run per
  candidate (all of them unless ``max_tuning_runs``) with its params and ``mean_*`` / ``std_*``
  / ``rank_*`` columns of ``cv_results_``; the parent gets ``best_<param>`` params,
  ``best_score``, tag ``mlops.search.best_run_id``, artifact ``search/cv_results.csv`` and
  ``best_estimator_`` as its model; the best child is tagged ``mlops.search.best = true``.

Where it logs: into the active run if there is one (a second autologged fit in the same run
becomes a child run, so params never clash); otherwise into a new run named after the
estimator class that ends with the fit (``failed`` when fit raises; the exception is re-raised
unchanged).

Covered: ``fit``, ``fit_transform`` and ``fit_predict`` defined by any class in scikit-learn
(every class of ``sklearn.utils.all_estimators()`` and its bases, plus Pipeline, FeatureUnion,
ColumnTransformer and the searches), hence your subclasses that inherit or ``super()``-call
them. Not covered: ``partial_fit``; estimators from other libraries (XGBoost, LightGBM...) and
your own classes whose ``fit`` never reaches a scikit-learn ``fit``. Fits run by joblib in
threads or forked processes during an autologged fit stay quiet; loky worker processes never
have autolog enabled. Each top-level call of ``cross_val_score`` & co. fits clones at top
level, so each fit is its own run.
"""

from __future__ import annotations

from .sklearn import AutologWarning, autolog, is_enabled

__all__ = ["autolog", "is_enabled", "AutologWarning"]
