"""Promotion gates: compare a challenger with the champion on the same data under a policy.

A policy names a primary metric and the minimum improvement the challenger must show on it
(in the metric's better direction: up for accuracy or AUC, down for errors such as rmse or
log_loss), plus guard metrics that must not get worse by more than their tolerance. Both
versions are evaluated (and those evaluations stored), the decision is recorded with every
number, and with ``promote=True`` a passing challenger becomes the champion in the same
transaction, the alias history quoting the decision.

>>> policy = PromotionPolicy("roc_auc", min_improvement=0.01, guards={"accuracy": 0.005})
>>> policy.primary, policy.guards
('roc_auc', {'accuracy': 0.005})
>>> compare_models("churn", "champion", "challenger", "churn@6", "churned", policy, promote=True)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime

from ..errors import InvalidInput
from ..names import digits
from ..store import open_store
from .aliases import move_alias
from .evaluation import Evaluation, _evaluate, _frame_and_link, is_lower_better
from .refs import ModelRef, check_alias, check_model_name, check_version
from .versions import aliases_of, env_user, finite_or_none, now_utc, resolve
from ..store.transaction import rollback

_POLICY_FIELDS = ("primary", "min_improvement", "guards", "higher_is_better")


@dataclass(frozen=True)
class PromotionPolicy:
    """When a challenger may replace the champion.

    - ``primary``: the metric that must improve (default: ``roc_auc`` for classifiers when
      available, else ``accuracy``; ``rmse`` for regressors; ``score`` otherwise);
    - ``min_improvement``: how much better the challenger must be on it, in the metric's units
      (0: at least as good);
    - ``guards``: ``{metric: tolerance}`` (or a list, tolerance 0) that must not get worse by more
      than the tolerance;
    - ``higher_is_better``: ``{metric: bool}`` for metrics whose direction is not known.
    """

    primary: str | None = None
    min_improvement: float = 0.0
    guards: dict = field(default_factory=dict)
    higher_is_better: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.primary is not None and not isinstance(self.primary, str):
            raise InvalidInput(f"policy primary must be a metric name, got {self.primary!r}")
        if not _finite(self.min_improvement):
            raise InvalidInput(f"policy min_improvement must be a finite number, got {self.min_improvement!r}")
        guards = self.guards
        if isinstance(guards, (list, tuple)):
            guards = {g: 0.0 for g in guards}
        if not isinstance(guards, dict):
            raise InvalidInput(f"policy guards must be {{metric: tolerance}} or a list of metrics, got {guards!r}")
        for metric, tolerance in guards.items():
            if not isinstance(metric, str) or not _finite(tolerance) or tolerance < 0:
                raise InvalidInput(f"guard {metric!r} needs a tolerance >= 0 (how much worse it may get), got {tolerance!r}")
        object.__setattr__(self, "guards", {m: float(t) for m, t in guards.items()})
        object.__setattr__(self, "min_improvement", float(self.min_improvement))
        if not isinstance(self.higher_is_better, dict):
            raise InvalidInput("policy higher_is_better must be a dict such as {'cost': False}")

    @classmethod
    def of(cls, policy) -> "PromotionPolicy":
        """A policy from a PromotionPolicy, a dict of its fields, or None (the defaults)."""
        if policy is None:
            return cls()
        if isinstance(policy, cls):
            return policy
        if isinstance(policy, dict):
            unknown = [k for k in policy if k not in _POLICY_FIELDS]
            if unknown:
                raise InvalidInput(f"unknown policy field(s) {', '.join(map(str, unknown))}; fields: {', '.join(_POLICY_FIELDS)}")
            return cls(**policy)
        raise InvalidInput(f"policy must be a PromotionPolicy or a dict, got {type(policy).__name__}")

    def metric_names(self, primary: str) -> list[str]:
        return [primary, *[g for g in self.guards if g != primary]]

    def lower_is_better(self, metric: str) -> bool:
        if metric in self.higher_is_better:
            return not self.higher_is_better[metric]
        return is_lower_better(metric)


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _default_primary(task: str, metrics: dict) -> str:
    if task == "classification":
        return "roc_auc" if "roc_auc" in metrics else "accuracy"
    return "rmse" if task == "regression" else "score"


@dataclass
class PromotionDecision:
    """The outcome of ``compare_models``: each check with its numbers, passed or not, promoted or not."""

    decision_id: str
    name: str
    champion: str
    champion_version: int
    challenger: str
    challenger_version: int
    primary_metric: str
    checks: list
    passed: bool
    promoted: bool
    summary: str
    dataset: str | None
    policy: PromotionPolicy
    champion_evaluation: Evaluation = field(repr=False)
    challenger_evaluation: Evaluation = field(repr=False)
    created_at: datetime | None = None

    def checks_frame(self):
        """The checks as a DataFrame: metric, role, champion, challenger, improvement, required, passed."""
        import pandas as pd

        return pd.DataFrame(self.checks)

    def __repr__(self) -> str:
        return f"<PromotionDecision {self.name}: {self.summary}>"

    def _repr_html_(self) -> str:
        from .card import decision_html

        return decision_html(self)


def _check(metric: str, role: str, champion: float | None, challenger: float | None, required: float,
           lower: bool) -> dict:
    """One check: improvement in the better direction must be >= required (primary: the minimum
    improvement; guard: minus its tolerance)."""
    ok_numbers = _finite(champion) and _finite(challenger)
    improvement = ((champion - challenger) if lower else (challenger - champion)) if ok_numbers else None
    passed = bool(ok_numbers and improvement >= required)
    return {"metric": metric, "role": role, "champion": champion, "challenger": challenger,
            "improvement": improvement, "required": required, "better": "lower" if lower else "higher",
            "passed": passed}


def _describe(check: dict) -> str:
    if check["improvement"] is None:
        return f"{check['metric']} could not be compared ({check['champion']} vs {check['challenger']})"
    arrow = f"{check['champion']:.4g} -> {check['challenger']:.4g}"
    if check["role"] == "primary":
        need = f">= {check['required']:+.4g}"
    else:
        need = f"tolerance {-check['required']:.4g}"
    verdict = "ok" if check["passed"] else "FAILED"
    return f"{check['role']} {check['metric']} {arrow} ({check['improvement']:+.4g}, {need}): {verdict}"


def _side(con, name: str, given) -> tuple[str, int]:
    """Resolve the champion/challenger argument: an alias, or a version number."""
    text = str(given)
    if digits(text) is not None:
        return text, resolve(con, ModelRef(name, version=check_version(text, name)))[1]
    check_alias(text)
    return text, resolve(con, ModelRef(name, alias=text))[1]


def compare_models(name: str, champion="champion", challenger="challenger", data=None, target: str | None = None,
                   policy=None, *, promote: bool = False, reason: str | None = None, metrics=None,
                   allow_unsafe: bool = False, user: str | None = None) -> PromotionDecision:
    """Evaluate ``challenger`` against ``champion`` (aliases or version numbers) on the same data under
    ``policy``; record the decision; with ``promote=True`` and a pass, move the champion alias to
    the challenger's version (the alias history quotes the decision). Returns the decision.

    >>> d = compare_models("churn", "champion", "challenger", "churn@6", "churned",
    ...                    PromotionPolicy("roc_auc", 0.01, guards={"accuracy": 0.005}), promote=True)  # doctest: +SKIP
    >>> d.passed, d.promoted, d.summary                                                            # doctest: +SKIP
    """
    check_model_name(name)
    policy = PromotionPolicy.of(policy)
    if data is None or target is None:
        raise InvalidInput("compare_models needs data (a DataFrame or a dataset reference) and the target column")
    if reason is not None and not isinstance(reason, str):
        raise InvalidInput(f"reason must be text, got {type(reason).__name__}")
    with open_store().connect() as con:
        champion_label, champion_version = _side(con, name, champion)
        challenger_label, challenger_version = _side(con, name, challenger)
    if promote and digits(champion_label) is not None:
        raise InvalidInput("to promote, name the champion by its alias (e.g. 'champion'), not a version number")
    if champion_version == challenger_version:
        raise InvalidInput(f"{champion_label} and {challenger_label} are both version {champion_version} of {name!r}; "
                           "nothing to compare")
    frame_link = _frame_and_link(data)
    extra = [policy.primary, *policy.guards] if policy.primary else list(policy.guards)
    evaluations = [_evaluate(f"{name}/{v}", None, target, metrics, extra, allow_unsafe=allow_unsafe,
                             frame_link=frame_link) for v in (champion_version, challenger_version)]
    old, new = evaluations
    primary = policy.primary or _default_primary(old.task, old.metrics)
    missing = [m for m in policy.metric_names(primary) if m not in old.metrics or m not in new.metrics]
    if missing:
        raise InvalidInput(f"metric(s) {', '.join(missing)} could not be computed for both versions; "
                           f"computed: {', '.join(old.metrics)}")
    checks = [_check(primary, "primary", old.metrics[primary], new.metrics[primary], policy.min_improvement,
                     policy.lower_is_better(primary))]
    checks += [_check(m, "guard", old.metrics[m], new.metrics[m], -tolerance, policy.lower_is_better(m))
               for m, tolerance in policy.guards.items() if m != primary]
    passed = all(c["passed"] for c in checks)
    summary = (f"{'PASS' if passed else 'FAIL'}: {challenger_label} (v{challenger_version}) vs {champion_label} "
               f"(v{champion_version}): " + "; ".join(_describe(c) for c in checks))
    decision_id = uuid.uuid4().hex
    promoted = bool(promote and passed)
    decision = PromotionDecision(decision_id, name, champion_label, champion_version, challenger_label,
                                 challenger_version, primary, checks, passed, promoted, summary, frame_link[1], policy,
                                 old, new, now_utc())
    dataset, number = frame_link[1].rsplit("@", 1) if frame_link[1] else (None, None)
    stored_checks = [{k: finite_or_none(v) for k, v in c.items()} for c in checks]
    with open_store().connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            now = aliases_of(con, name).get(champion_label) if promoted else champion_version
            if now != champion_version:  # another process moved the champion while we evaluated
                decision.promoted = promoted = False
                decision.summary = summary = f"{summary}; NOT promoted: {champion_label} moved to v{now} meanwhile"
            con.execute(
                "INSERT INTO model_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [decision_id, name, champion_label, champion_version, challenger_label, challenger_version,
                 old.evaluation_id, new.evaluation_id, dataset, int(number) if number else None,
                 json.dumps(asdict(policy)), primary, finite_or_none(old.metrics[primary]),
                 finite_or_none(new.metrics[primary]), finite_or_none(checks[0]["improvement"]),
                 json.dumps(stored_checks), passed, promoted, summary, user or env_user(), decision.created_at])
            if promoted:
                why = f"{reason}; " if reason else ""
                move_alias(con, name, champion_label, challenger_version, action="promote",
                           reason=f"{why}decision {decision_id[:8]}: {summary}", user=user, decision_id=decision_id)
            con.execute("COMMIT")
        except BaseException as error:
            rollback(con, error)
            raise
    return decision


def list_decisions(name: str):
    """Every promotion decision of model ``name``, newest first; a DataFrame (checks and policy as dicts).

    >>> list_decisions("churn")[["champion_version", "challenger_version", "passed", "summary"]]  # doctest: +SKIP
    """
    from .versions import _versions_of

    with open_store().connect() as con:
        _versions_of(con, name)
        frame = con.execute(
            """SELECT decision_id, champion, champion_version, challenger, challenger_version,
                      CASE WHEN dataset IS NULL THEN NULL ELSE dataset || '@' || dataset_version END AS dataset,
                      primary_metric, champion_value, challenger_value, improvement, passed, promoted, summary,
                      checks, policy, user_name AS "user", created_at
               FROM model_decisions WHERE name = ? ORDER BY created_at DESC""", [name]).df()
    frame["checks"] = [json.loads(c) for c in frame["checks"]]
    frame["policy"] = [json.loads(p) for p in frame["policy"]]
    return frame
