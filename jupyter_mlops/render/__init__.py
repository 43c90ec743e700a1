"""Static HTML and SVG for reports, cards, profiles and charts: plain Python, no ipywidgets.

The core may import this package (a drift report's ``_repr_html_``, a model card, a pipeline's cell
summary); the ipywidgets views in :mod:`jupyter_mlops.widgets` wrap the same markup. Every piece of
user text is escaped and nothing here contains scripts. ``chart_style.json`` holds the one chart
palette and per-series point cap, read by :mod:`.svg` and by the JupyterLab sidebar.

>>> from jupyter_mlops.render.svg import svg_line_chart
>>> svg_line_chart({"loss": [(0, 0.9), (1, 0.4)]}, "loss").startswith("<svg")
True
"""
