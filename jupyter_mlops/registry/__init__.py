"""The model registry: versions with provenance, aliases with history, safe loading, promotion gates.

>>> import jupyter_mlops as ml
>>> v = ml.register_model(clf, "churn", input_example=X_test.head())          # doctest: +SKIP
>>> ml.set_alias("churn", "champion", v.version, reason="first model")        # doctest: +SKIP
>>> ml.load_model("churn@champion")                                           # doctest: +SKIP
>>> ml.compare_models("churn", "champion", "challenger", "churn@6", "churned",
...                   ml.PromotionPolicy("roc_auc", 0.01), promote=True)     # doctest: +SKIP
"""

from .aliases import AliasChange, model_history, rollback, set_alias
from .evaluation import Evaluation, evaluate, list_evaluations
from .flavors import Flavor, UnsafeModel, UnsafeModelWarning, flavors, get_flavor, register_flavor
from .policy import PromotionDecision, PromotionPolicy, compare_models, list_decisions
from .loading import ModelTampered, load_model
from .register import register_model
from .versions import (
    ModelVersion,
    delete_model_version,
    get_model_version,
    list_models,
    model_versions,
    restore_model_version,
)

__all__ = [
    "register_model", "load_model", "get_model_version", "model_versions", "list_models",
    "delete_model_version", "restore_model_version", "set_alias", "rollback", "model_history",
    "evaluate", "list_evaluations", "compare_models", "list_decisions", "PromotionPolicy",
    "register_flavor", "get_flavor", "flavors",
    "ModelVersion", "AliasChange", "Evaluation", "PromotionDecision", "Flavor",
    "ModelTampered", "UnsafeModel", "UnsafeModelWarning",
]
