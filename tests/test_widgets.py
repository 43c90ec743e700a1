"""The ipywidgets views against a real store, without a front end: models, handlers, static HTML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import jupyter_mlops as ml
from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.tracking import runs
from jupyter_mlops.widgets import CompareView, LiveMetricChart, RunsTable, svg_line_chart

XSS = "<img src=x onerror=alert(1)>"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
SVG = "{http://www.w3.org/2000/svg}"


def make_runs(names=("a", "b", "c"), experiment="exp"):
    """Three finished runs: acc 0.1/0.2/0.3, param lr differing, param model equal, loss curves."""
    ids = []
    for i, name in enumerate(names):
        with ml.start_run(name, experiment=experiment) as run:
            ml.log_params({"lr": 0.1 * (i + 1), "model": "rf"})
            ml.set_tag("team", "x")
            for step in range(3 + i):
                ml.log_metric("loss", 1.0 / (step + 1 + i))
            ml.log_metric("acc", 0.1 * (i + 1))
        ids.append(run.run_id)
    return ids


def parse_html(html: str):
    """Snapshots are XHTML-compatible: they parse as XML (so the SVG inside is valid too)."""
    return ET.fromstring(f"<root>{html.replace('&nbsp;', ' ')}</root>")


def polylines(svg_root):
    return svg_root.iter(f"{SVG}polyline")


def assert_escaped(html: str):
    assert "<img" not in html
    assert "&lt;img" in html
    parse_html(html)


# -- RunsTable ---------------------------------------------------------------------------------
def test_runs_table_shows_filters_sorts_and_reports_bad_filters_inline(home):
    ids = make_runs()
    make_runs(("other",), experiment="elsewhere")
    table = RunsTable.from_search("exp")
    assert [table.frame["run_id"].tolist().count(i) for i in ids] == [1, 1, 1]
    assert all(f">{n}<" in table.table.value for n in "abc") and "other" not in table.table.value
    assert len(table.selection.options) == 3

    table.filter_box.value = "metrics.acc > 0.15"  # continuous_update=False: fires on Enter/blur
    assert sorted(table.frame["run_name"]) == ["b", "c"] and table.error is None
    assert ">a<" not in table.table.value and table.where == "metrics.acc > 0.15"

    table.filter_box.value = "metrics.acc >"
    assert "column 14" in table.error and "metrics.acc &gt;" in table.message.value
    assert "Traceback" not in table.message.value and "mlops-error" in table.to_html()
    assert sorted(table.frame["run_name"]) == ["b", "c"]  # the last good rows stay

    table.filter_box.value = ""
    table.sort_column.value = "metrics.`acc`"
    table.sort_direction.value = "ASC"
    assert table.frame["run_name"].tolist() == ["a", "b", "c"] and table.message.value == ""
    table.sort_direction.value = "DESC"
    assert table.frame["run_name"].tolist() == ["c", "b", "a"]
    assert table.table.value.index(">c<") < table.table.value.index(">a<")
    assert table.order_by == "metrics.`acc` DESC"

    ordered = RunsTable.from_search("exp", order_by="metrics.acc ASC")  # the controls reflect order_by
    assert (ordered.sort_column.value, ordered.sort_direction.value) == ("metrics.`acc`", "ASC")
    assert ordered.frame["run_name"].tolist() == ["a", "b", "c"]


def test_runs_table_compares_the_selected_runs(home):
    ids = make_runs()
    table = RunsTable(ml.search_runs("exp"))
    assert table.experiment == "exp" and table.compare_button.disabled
    table.selection.value = (ids[0], ids[2])
    assert not table.compare_button.disabled and table.table.value.count("mlops-selected") == 2
    table.compare_button.click()
    view = table.compare_view
    assert isinstance(view, CompareView) and table.compare_area.children == (view,)
    assert sorted(view.run_ids) == sorted([ids[0], ids[2]])
    assert "Comparing 2 runs" in table.to_html()

    called = []
    other = RunsTable(ml.search_runs("exp"), on_compare=called.append)
    other.selection.value = tuple(ids[:2])
    other.compare_button.click()
    assert len(called) == 1 and sorted(called[0]) == sorted(ids[:2]) and other.compare_view is None
    assert called[0] == [i for i in other.frame["run_id"] if i in ids[:2]]  # in table order


# -- LiveMetricChart ---------------------------------------------------------------------------
def test_live_chart_draws_one_polyline_per_key_and_finishes_with_the_run(home):
    with ml.start_run("live") as run:
        chart = LiveMetricChart(run, keys=["loss", "acc"], min_interval=0)
        for step in range(12):
            ml.log_metrics({"loss": 1 / (step + 1), "acc": step / 12, "ignored": 1.0})
        ml.log_metric("acc", 0.99)
        chart.finish()
        redraws = chart.redraws
        assert "running" in chart.value
        chart.finish()
        assert chart.redraws == redraws  # idempotent
    assert chart.error is None and chart.redraws >= 25
    root = parse_html(chart.value)
    lines = {p.get("data-series"): len(p.get("points").split()) for p in polylines(root)}
    assert lines == {"loss": 12, "acc": 13}
    assert chart.value == chart.to_html() and "finished" in chart.value  # redrawn when the run ended
    assert chart.redraws == redraws + 1 and run._listeners == []

    with ml.start_run("auto") as run2:
        chart2 = LiveMetricChart(run2, min_interval=0)
        ml.log_metric("x", 1.0)
    assert chart2.finished and "finished" in chart2.value  # the run's end drew the final state
    assert chart2._on_metric not in run2._listeners and chart2._on_run_end not in runs._end_hooks


def test_live_chart_throttles_redraws_and_caps_series(home):
    with ml.start_run("fast") as run:
        chart = LiveMetricChart(run, min_interval=3600, max_series=2)
        for step in range(200):
            ml.log_metrics({"a": step, "b": -step, "c": 0.5})
        assert chart.redraws == 1 and 'points="' not in chart.value  # only the initial, empty draw
    assert chart.redraws == 2 and chart.finished  # plus the final one when the run ended
    root = parse_html(chart.value)
    assert [len(p.get("points").split()) for p in polylines(root)] == [200, 200]
    assert chart.hidden == {"c"} and "not drawn" in chart.value


# -- CompareView -------------------------------------------------------------------------------
def test_compare_view_marks_differences_and_overlays_curves(home):
    ids = make_runs()
    view = CompareView(ids)
    assert view.differing_params == ["lr"]
    root = parse_html(view.to_html())
    params = next(t for t in root.iter("table") if "mlops-params" in t.get("class"))
    marked = {tr.findall("td")[1].text: tr.get("class") for tr in params.iter("tr") if tr.findall("td")}
    assert marked == {"lr": "mlops-diff", "model": "mlops-same"}
    charts = list(root.iter(f"{SVG}svg"))
    assert [c.find(f"{SVG}title").text for c in charts] == ["acc", "loss"]
    for chart in charts:
        assert sorted(p.get("data-series") for p in polylines(chart)) == ["a", "b", "c"]
    loss = {p.get("data-series"): len(p.get("points").split()) for p in polylines(charts[1])}
    assert loss == {"a": 3, "b": 4, "c": 5}

    view.only_differences.value = True
    assert "mlops-same" not in view.body.value.split("mlops-params")[1].split("</table>")[0]

    with pytest.raises(InvalidInput, match="at least two runs"):
        CompareView(ids[:1])
    with pytest.raises(InvalidInput, match="at least two"):
        CompareView([ids[0], ids[0]])


# -- svg_line_chart ----------------------------------------------------------------------------
@pytest.mark.parametrize("series", [
    {},
    {"empty": []},
    {"one": [(5, 2.0)]},
    {"flat": [(0, 1.0), (1, 1.0)]},
    {"bad": [(0, float("nan")), (1, float("inf")), (2, float("-inf")), (float("nan"), 1.0), (3, 0.5)]},
    {"allbad": [(0, float("nan"))], "ok": [(0, 1), (1, 2)]},
])
def test_svg_line_chart_survives_odd_input_and_is_valid_xml(series):
    svg = svg_line_chart(series, "t <&> \"q\"")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.find(f"{SVG}title").text == 't <&> "q"'
    drawn = [n for n, pts in series.items() if any(abs(v) != float("inf") and v == v and s == s for s, v in pts)]
    assert sorted(p.get("data-series") for p in polylines(root)) == sorted(drawn)
    assert "nan" not in svg.lower().replace("no data", "")


def test_svg_line_chart_thins_long_series():
    svg = svg_line_chart({"long": [(i, i % 7) for i in range(50_000)]}, "long", max_points=300)
    (line,) = polylines(ET.fromstring(svg))
    assert len(line.get("points").split()) == 300


# -- static forms and escaping -----------------------------------------------------------------
def test_every_widget_has_a_static_html_form_with_user_text_escaped(home):
    ids = make_runs((XSS, "b"), experiment=XSS)
    with ml.start_run(XSS, experiment=XSS) as run:
        ml.log_param(XSS, XSS)
        ml.set_tag(XSS, XSS)
        chart = LiveMetricChart(run, min_interval=0)
        ml.log_metric(XSS, 1.0)
        ml.log_metric(XSS, 2.0)
    table = RunsTable.from_search(XSS)
    table.selection.value = tuple(ids)
    table.compare_button.click()
    table.filter_box.value = f"params.x = '{XSS}"  # unterminated: the error echoes the filter
    view = CompareView(ids + [run.run_id])

    for widget in (table, chart, view):
        bundle = widget._repr_mimebundle_()
        assert WIDGET_MIME in bundle and bundle[WIDGET_MIME]["model_id"] == widget.model_id
        assert bundle["text/html"] == widget.to_html() and "<script" not in bundle["text/html"].lower()
        assert_escaped(bundle["text/html"])
    for html in (table.table.value, table.message.value, chart.value, view.body.value):
        assert_escaped(html)
    assert XSS in [p.get("data-series") for p in polylines(parse_html(chart.to_html()))]
    assert "&lt;img" in table.compare_view.to_html()


def test_bad_arguments_are_one_line_invalid_input(home):
    with pytest.raises(InvalidInput):
        RunsTable([1, 2])
    with ml.start_run("r") as run:
        with pytest.raises(InvalidInput):
            LiveMetricChart(run, min_interval=-1)
    with pytest.raises(InvalidInput):
        CompareView("abcd")


def test_a_failing_redraw_never_breaks_the_training_loop(home, monkeypatch):
    from jupyter_mlops.widgets import chart as chart_module

    with ml.start_run("fragile") as run:
        chart = LiveMetricChart(run, min_interval=0)
        monkeypatch.setattr(chart_module, "svg_line_chart", lambda *a, **k: 1 / 0)
        with pytest.warns(RuntimeWarning, match="could not redraw"):
            for step in range(3):
                ml.log_metric("loss", 1.0 / (step + 1))
    assert chart.error == "ZeroDivisionError: division by zero"
    assert ml.metric_history(run.run_id, "loss")["value"].tolist() == [1.0, 0.5, 1 / 3]
