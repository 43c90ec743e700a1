"""Notebook views over the store, as ipywidgets with a static HTML form for saved notebooks.

- :class:`RunsTable`: filter (the ``where`` language), sort, select runs and compare them;
- :class:`LiveMetricChart`: an SVG chart following a run's metrics while it trains;
- :class:`CompareView`: params side by side with differences marked, metric curves overlaid;
- :func:`svg_line_chart`: the dependency-free SVG line chart the two charts share.

Each widget's mime bundle carries a ``text/html`` snapshot next to the widget view, and
``to_html()`` returns it, so papermill outputs, nbviewer and GitHub show something useful.
User text is always HTML-escaped; the snapshots contain no scripts.

>>> from jupyter_mlops.widgets import RunsTable                       # doctest: +SKIP
>>> RunsTable.from_search("iris", order_by="metrics.acc DESC")        # doctest: +SKIP
"""

from .chart import LiveMetricChart
from .compare import CompareView
from .svg import svg_line_chart
from .table import RunsTable

__all__ = ["RunsTable", "LiveMetricChart", "CompareView", "svg_line_chart"]
