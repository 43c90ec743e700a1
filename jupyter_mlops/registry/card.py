"""The model card of one model: its versions, alias timeline, evaluations and decisions, read here
and drawn by :mod:`jupyter_mlops.render.model_card` (the widget is ``widgets.model_card.ModelCard``).

>>> card_html("churn")         # doctest: +SKIP
'<div class="mlops-widget mlops-model-card" ...'
"""

from __future__ import annotations

from ..render.model_card import model_card_html


def card_html(name: str) -> str:
    """The static model card of ``name`` (escaped HTML with inline SVG, no scripts)."""
    from .aliases import alias_changes
    from .evaluation import list_evaluations
    from .policy import list_decisions
    from .versions import list_models, model_versions

    return model_card_html(
        name,
        versions=model_versions(name, include_deleted=True),
        changes=alias_changes(name),
        evaluations=list_evaluations(name),
        decisions=list_decisions(name),
        summary=list_models().set_index("name").loc[name],
    )
