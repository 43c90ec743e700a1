"""The static form every widget carries next to its live view.

A widget output saved in a notebook only shows where a widget manager runs. Adding a
``text/html`` snapshot to the same mime bundle makes papermill outputs, nbviewer and GitHub show
the table or chart as it was when displayed (the live front end still prefers the widget view).
"""

from __future__ import annotations


class StaticForm:
    """Mixin for ipywidgets classes: ``_repr_mimebundle_`` = widget view + ``text/html`` snapshot.

    Subclasses implement ``to_html()`` (self-contained HTML, escaped, no scripts) and ``_summary()``.
    """

    def to_html(self) -> str:  # pragma: no cover - every widget overrides it
        raise NotImplementedError

    def _summary(self) -> str:
        return type(self).__name__

    def _repr_mimebundle_(self, **kwargs):
        bundle = dict(super()._repr_mimebundle_(**kwargs) or {})  # widget view (absent once closed)
        bundle["text/plain"] = self._summary()
        bundle["text/html"] = self.to_html()
        return bundle
