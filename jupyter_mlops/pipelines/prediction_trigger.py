"""The ``prediction_drift`` trigger: what a model server saw drifts from the model's training data.

Each time at least ``min_rows`` new served predictions of the model are in the prediction log,
the scheduler takes that window (the rows' inputs, and their labels as the ``target`` column when
feedback brought them), registers it as a version of the dataset ``register_as`` (default
``<model>-live``) and checks it against the reference: the training data of the model version the
``predictions`` reference points at now (``churn@champion`` follows the alias), or a fixed
``reference`` dataset version. When the drift share reaches ``threshold`` (or, without one, when
the report says drifted) the schedule fires with that dataset version as the data parameter, so
the retraining notebook trains on exactly the data that drifted. Every window is registered,
drifted or not, so each check can be traced to its data.

>>> schedule("retrain", "notebooks/retrain.ipynb",
...          on_drift={"predictions": "churn@champion", "threshold": 0.3, "target": "churned"})  # doctest: +SKIP
"""

from __future__ import annotations

from datetime import datetime

from ..errors import InvalidInput, MlopsError
from .drift_trigger import DRIFT_OPTIONS, DriftTrigger, _reference_of_model, drift_verdict
from .triggers import Occurrence, check_parameter_name, register_trigger

DEFAULT_MIN_ROWS = 200


def _model_name(ref: str) -> str:
    from ..registry.refs import parse_model_ref

    return parse_model_ref(ref).name


class PredictionDriftTrigger(DriftTrigger):
    """Fires when a window of served predictions drifts (see the module doc)."""

    name = "prediction_drift"

    def configure(self, config, con) -> dict:
        known = {"predictions", "reference", "threshold", "parameter", "min_rows", "register_as", *DRIFT_OPTIONS}
        unknown = sorted(set(config) - known)
        if unknown:
            raise InvalidInput(f"on_drift with predictions has unknown key(s) {', '.join(map(repr, unknown))}; "
                               f"keys: {', '.join(sorted(known))}")
        from ..registry.versions import get_model_version

        model = config.get("predictions")
        if not isinstance(model, str) or not model:
            raise InvalidInput("on_drift predictions names the served model, e.g. {'predictions': 'churn@champion'}")
        get_model_version(model)  # an unknown model or alias: NotFound listing the valid ones, now
        register_as = config.get("register_as") or f"{_model_name(model)}-live"
        reference = config.get("reference")
        if reference is not None:
            self._check_reference(con, reference)
        else:
            _reference_of_model(model, register_as)  # a model without training data: say so now
        min_rows = config.get("min_rows", DEFAULT_MIN_ROWS)
        if isinstance(min_rows, bool) or not isinstance(min_rows, int) or min_rows < 10:
            raise InvalidInput(f"on_drift min_rows is how many new predictions make a window, at least 10, got {min_rows!r}")
        threshold = config.get("threshold")
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                                      or not 0 < threshold <= 1):
            raise InvalidInput(f"on_drift threshold is the share of drifted columns that fires, between 0 and 1, "
                               f"got {threshold!r}")
        return {"predictions": model, "reference": reference, "threshold": threshold, "min_rows": min_rows,
                "register_as": register_as, "parameter": check_parameter_name(config.get("parameter", "dataset"), "on_drift"),
                "options": {key: config[key] for key in DRIFT_OPTIONS if key in config}}

    def baseline(self, config, con):
        latest = con.execute("SELECT max(predicted_at) FROM predictions WHERE model = ?",
                             [_model_name(config["predictions"])]).fetchone()[0]
        return {"since": latest.isoformat() if latest else None}

    def sample_parameters(self, config):
        return {config["parameter"]: f"{config['register_as']}@1"}

    def poll(self, ctx, config, state):
        if ctx.slots <= 0:
            return []
        model = _model_name(config["predictions"])
        since = state.get("since")
        where = "model = ? AND served AND error IS NULL" + (" AND predicted_at > ?" if since else "")
        params = [model] + ([datetime.fromisoformat(since)] if since else [])
        count, until = ctx.rows(f"SELECT count(*), max(predicted_at) FROM predictions WHERE {where}", params)[0]
        if count < config["min_rows"]:
            return []
        after = {**state, "since": until.isoformat()}
        try:
            current = self._register_window(config, model, since, until)
            fires, detail = self._check_window(config, current)
        except MlopsError as e:
            return [Occurrence(self.name, None, until, {**after, "last_error": str(e)})]
        after["last_check"] = detail
        after.pop("last_error", None)
        if not fires:
            return [Occurrence(self.name, None, until, after)]
        # The occurrence is the window (its end), not the dataset version: a window with the same rows as
        # an earlier one is the same dataset version, yet a new reason to run.
        return [Occurrence(self.name, f"predictions:{model}:{until.isoformat()}", until, after,
                           parameters={config["parameter"]: current}, detail=detail, trigger_key=current)]

    @staticmethod
    def _register_window(config: dict, model: str, since: str | None, until: datetime) -> str:
        from ..datasets.registry import register_dataset
        from ..serving.read_log import META_COLUMNS, prediction_log

        frame = prediction_log(model, since=since, include_shadow=False)
        times = frame.iloc[:, -1 - len(META_COLUMNS) + META_COLUMNS.index("predicted_at") + 1]
        keep = (times <= until) & ((times > datetime.fromisoformat(since)) if since else True)
        frame = frame[keep]
        meta = 2 + len(META_COLUMNS)
        data = frame.iloc[:, :-meta].reset_index(drop=True)
        target = config["options"].get("target")
        if target:
            data[target] = frame.iloc[:, -meta + 1].reset_index(drop=True)  # the labels feedback brought
        window = f"{since or 'start'} .. {until.isoformat()}"
        version = register_dataset(data, config["register_as"],
                                   description=f"served predictions of {config['predictions']}, {window}")
        return version.ref

    @staticmethod
    def _check_window(config: dict, current: str) -> tuple[bool, dict]:
        if config.get("reference"):
            reference, model = config["reference"], None
        else:
            reference, model = _reference_of_model(config["predictions"], config["register_as"])
        return drift_verdict(config, reference, current, model)

    def describe(self, config):
        against = config.get("reference") or f"{config['predictions']} training data"
        limit = f" >= {config['threshold']}" if config.get("threshold") is not None else ""
        return f"drift of served {config['predictions']} predictions (every {config['min_rows']}) vs {against}{limit}"


register_trigger(PredictionDriftTrigger())
