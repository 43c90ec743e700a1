"""One autologged call: choose the run, log what is known before the fit, then the results.

Each step is guarded: a failure becomes one ``AutologWarning`` (see ``sklearn.report``) and the
remaining steps still run; nothing here can change what the user's ``fit`` returns or raises.
"""

from __future__ import annotations

import secrets

from . import _sklearn_log as log
from ._sklearn_model import is_search, log_model
from .sklearn import _config, report


class Session:
    """The state of one autologged call, from just before the fit to just after it."""

    def __init__(self, estimator, method, original, args, kwargs):
        self.estimator = estimator
        self.run, self.owned = None, False
        try:
            self.X, self.y, self.sample_weight = log.fit_inputs(original, args, kwargs)
        except Exception:
            self.X = self.y = self.sample_weight = None
        try:
            self.run, self.owned = choose_run(estimator, method)
        except Exception as error:
            report("start a run", error, estimator)
            return
        self._guarded("log params", lambda: log.log_params(self.run, estimator))
        if self.X is not None:
            self._guarded("fingerprint the training data", lambda: log.log_input(self.run, self.X, self.y))

    def _guarded(self, action: str, step) -> None:
        try:
            step()
        except Exception as error:
            report(action, error, self.estimator)

    def finish(self, fit_time: float) -> None:
        if self.run is None:
            return
        run, estimator = self.run, self.estimator
        self._guarded("log the fit time", lambda: run.log_metric("fit_time_s", fit_time))
        self._guarded("compute training metrics", lambda: run.log_metrics(
            log.training_metrics(estimator, self.X, self.y, self.sample_weight)))
        if is_search(estimator):
            from ._sklearn_search import log_search

            self._guarded("log the search candidates", lambda: log_search(run, estimator, _config["max_tuning_runs"]))
        if _config["log_models"]:
            self._guarded("save the model", lambda: log_model(run, estimator))
        if self.owned:
            self._guarded("end the run", lambda: run.end("finished"))

    def fail(self, error: BaseException) -> None:
        if self.run is None or not self.owned:
            return  # the user's own run: their with-block records the failure
        status = "killed" if isinstance(error, KeyboardInterrupt) else "failed"
        self._guarded("end the run", lambda: self.run.end(status, error=f"{type(error).__name__}: {error}"))


def choose_run(estimator, method):
    """The active run on its first autologged fit; otherwise a new run (a child of the active one)."""
    from ..tracking import runs

    name = type(estimator).__name__
    tags = {"mlops.autolog": "sklearn", "mlops.autolog.estimator": name, "mlops.autolog.method": method}
    run = runs.active_run()
    owned = run is None or getattr(run, "_mlops_autologged", False)
    if owned:
        run = runs.start_run(f"{name}-{secrets.token_hex(3)}", tags=tags)
    else:
        run.set_tags(tags)
    run._mlops_autologged = True
    return run, owned
