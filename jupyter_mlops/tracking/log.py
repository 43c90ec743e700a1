"""Module-level logging verbs: each logs into the active run (starting one if none is active).

>>> import jupyter_mlops as ml
>>> ml.log_metric("loss", 0.25)      # doctest: +SKIP
"""

from __future__ import annotations

import functools

from .runs import ActiveRun, run_for_logging


def _on_active_run(method):
    @functools.wraps(method)
    def verb(*args, **kwargs):
        return method(run_for_logging(), *args, **kwargs)

    verb.__qualname__ = method.__name__
    return verb


log_metric = _on_active_run(ActiveRun.log_metric)
log_metrics = _on_active_run(ActiveRun.log_metrics)
log_param = _on_active_run(ActiveRun.log_param)
log_params = _on_active_run(ActiveRun.log_params)
set_tag = _on_active_run(ActiveRun.set_tag)
set_tags = _on_active_run(ActiveRun.set_tags)
log_artifact = _on_active_run(ActiveRun.log_artifact)
log_text = _on_active_run(ActiveRun.log_text)
log_dict = _on_active_run(ActiveRun.log_dict)
log_figure = _on_active_run(ActiveRun.log_figure)
