"""The ``drift`` trigger: each new version of a dataset is checked against a reference; drift fires.

The reference is the model version's training data (``ModelVersion.datasets``, e.g.
``['churn@2']``, looked up at each check, so it follows an alias such as ``churn@champion`` as it
moves) or a fixed ``reference`` dataset version. The schedule fires when the report's
``drift_share`` reaches ``threshold``, or, without a threshold, when the report says ``drifted``.
The new version is passed to the notebook as ``{parameter: "churn@N"}``; the drift numbers and
the report id go to ``schedule_fires.detail``.

>>> schedule("retrain", "retrain.ipynb", on_drift={"dataset": "churn", "model": "churn@champion",
...                                                "threshold": 0.3})          # doctest: +SKIP
"""

from __future__ import annotations

from ..errors import InvalidInput, MlopsError
from .triggers import (
    Occurrence, TriggerKind, check_dataset_exists, check_parameter_name, data_ref, dataset_versions_after,
    latest_dataset_version, register_trigger,
)

# check_drift options a schedule may set; the rest keep check_drift's defaults
DRIFT_OPTIONS = ("columns", "method", "target", "prediction", "correction", "drift_share", "multivariate")
MAX_CHECKS_PER_TICK = 3  # a check scans data: keep one tick short, the rest wait for the next


def _reference_of_model(model: str, dataset: str) -> tuple[str, str]:
    """``(reference dataset version, pinned model ref)`` for the model version ``model`` points at now."""
    from ..registry.versions import get_model_version

    version = get_model_version(model)
    recorded = list(version.datasets or [])
    same_name = [ref for ref in recorded if ref.partition("@")[0] == dataset]
    chosen = (same_name or recorded)[-1:]
    if not chosen:
        raise InvalidInput(f"model version {version.ref} records no training dataset, so drift has no reference; "
                           f"load its training data with load_dataset (or log_input) in the run that registers it, "
                           f"or give on_drift={{'dataset': {dataset!r}, 'reference': '{dataset}@1'}}")
    return chosen[0], version.ref


def drift_verdict(config: dict, reference: str, current: str, model: str | None) -> tuple[bool, dict]:
    """Run the check a drift trigger is configured for; ``(fires, detail for schedule_fires)``."""
    from ..drift import check_drift

    report = check_drift(reference, current, model=model, **config.get("options", {}))
    threshold = config.get("threshold")
    fires = report.drifted if threshold is None else report.drift_share >= threshold
    detail = {"report_id": report.report_id, "reference": reference, "current": current, "model": model,
              "drift_share": report.drift_share, "drifted": report.drifted, "threshold": threshold,
              "drifted_columns": report.drifted_columns, "fired": bool(fires)}
    return bool(fires), detail


class DriftTrigger(TriggerKind):
    """Fires for each new version of ``dataset`` that drifts from the reference (see the module doc)."""

    name = "drift"

    def configure(self, config, con) -> dict:
        if not isinstance(config, dict):
            raise InvalidInput("on_drift must be a dict such as {'dataset': 'churn', 'model': 'churn@champion', "
                               f"'threshold': 0.3}}, got {type(config).__name__}")
        known = {"dataset", "model", "reference", "threshold", "parameter", *DRIFT_OPTIONS}
        unknown = sorted(set(config) - known)
        if unknown:
            raise InvalidInput(f"on_drift has unknown key(s) {', '.join(map(repr, unknown))}; "
                               f"keys: {', '.join(sorted(known))}")
        dataset = check_dataset_exists(con, config.get("dataset"), "on_drift")
        model, reference = config.get("model"), config.get("reference")
        if (model is None) == (reference is None):
            raise InvalidInput("on_drift needs exactly one of 'model' (e.g. 'churn@champion': its training data is "
                               "the reference) or 'reference' (a dataset version, e.g. 'churn@1')")
        if model is not None:
            _reference_of_model(model, dataset)  # NotFound / InvalidInput now rather than at the first check
        else:
            self._check_reference(con, reference)
        threshold = config.get("threshold")
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                                      or not 0 < threshold <= 1):
            raise InvalidInput(f"on_drift threshold is the share of drifted columns that fires, between 0 and 1 "
                               f"(e.g. 0.3), got {threshold!r}; leave it out to fire when the report says drifted")
        stored = {"dataset": dataset, "model": model, "reference": reference, "threshold": threshold,
                  "parameter": check_parameter_name(config.get("parameter", "dataset"), "on_drift")}
        options = {key: config[key] for key in DRIFT_OPTIONS if key in config}
        from ..drift.plan import check_options

        check_options(options.get("method", "auto"), None, options.get("correction", "bh"),
                      options.get("drift_share", 0.5), 5000)
        return stored | {"options": options}

    @staticmethod
    def _check_reference(con, reference) -> None:
        from ..datasets.refs import parse_ref

        name, version = parse_ref(reference)
        if version is None:
            raise InvalidInput(f"on_drift reference must pin a version, e.g. '{name}@1', got {reference!r}")
        latest = latest_dataset_version(con, name)
        if version > latest:
            raise InvalidInput(f"on_drift reference {reference!r} does not exist; dataset {name!r} has versions "
                               f"{'1-' + str(latest) if latest else 'none yet'}")

    def baseline(self, config, con):
        return {"seen": latest_dataset_version(con, config["dataset"])}

    def sample_parameters(self, config):
        return {config["parameter"]: data_ref(config["dataset"], 1)}

    def poll(self, ctx, config, state):
        if ctx.slots <= 0:
            return []
        found = []
        seen = state.get("seen", 0)
        for version, created in dataset_versions_after(ctx, config["dataset"], seen, MAX_CHECKS_PER_TICK):
            seen, current = version, data_ref(config["dataset"], version)
            after = {**state, "seen": version}
            try:
                fires, detail = self._check(config, current)
            except MlopsError as e:  # e.g. the alias was removed: record it, move on
                after["last_error"] = f"{current}: {e}"
                found.append(Occurrence(self.name, None, created, after))
                continue
            after["last_check"] = detail
            after.pop("last_error", None)
            if not fires:
                found.append(Occurrence(self.name, None, created, after))
                continue
            found.append(Occurrence(self.name, f"drift:{current}", created, after,
                                    parameters={config["parameter"]: current}, detail=detail))
            if sum(o.key is not None for o in found) >= ctx.slots:
                break
        return found

    @staticmethod
    def _check(config: dict, current: str) -> tuple[bool, dict]:
        if config.get("model"):
            reference, model = _reference_of_model(config["model"], config["dataset"])
        else:
            reference, model = config["reference"], None
        if reference == current:
            return False, {"current": current, "reference": reference, "note": "the reference itself"}
        return drift_verdict(config, reference, current, model)

    def describe(self, config):
        against = config.get("model") or config.get("reference")
        limit = f" >= {config['threshold']}" if config.get("threshold") is not None else ""
        return f"drift {config['dataset']} vs {against}{limit}"


register_trigger(DriftTrigger())
