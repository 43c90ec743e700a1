"""A dataset version's profile as a widget; its HTML comes from :mod:`jupyter_mlops.render.dataset`.

>>> DatasetProfile(describe_dataset("churn@2"))     # doctest: +SKIP
"""

from __future__ import annotations

import ipywidgets as widgets

from ..render.dataset import profile_html
from ._base import StaticForm


class DatasetProfile(StaticForm, widgets.HTML):
    """A version's profile (per-column histograms and bars) as a widget with a static form."""

    def __init__(self, version):
        super().__init__(value=profile_html(version))
        self.version = version

    def to_html(self) -> str:
        return self.value

    def _summary(self) -> str:
        return repr(self.version)
