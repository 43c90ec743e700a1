"""The model card as a widget with a static HTML form, so saved notebooks show it on nbviewer and GitHub.

>>> ModelCard("churn")         # doctest: +SKIP
"""

from __future__ import annotations

import ipywidgets as widgets

from ..registry.card import card_html
from ._base import StaticForm


class ModelCard(StaticForm, widgets.HTML):
    """A model's card (versions, alias timeline, evaluations, decisions, lineage) with a static form."""

    def __init__(self, name: str):
        super().__init__(value=card_html(name))
        self.name = name

    def refresh(self) -> None:
        """Re-read the store (e.g. after a promotion)."""
        self.value = card_html(self.name)

    def to_html(self) -> str:
        return self.value

    def _summary(self) -> str:
        return f"<ModelCard {self.name}>"
