"""The tracking API against a real store: runs, logging, reading back, deleting, gc."""

from __future__ import annotations

import json
import math

import pytest

import jupyter_mlops as ml
from jupyter_mlops.errors import InvalidInput, NotFound
from jupyter_mlops.store import open_store
from jupyter_mlops.store.maintenance import gc


def test_run_context_finishes_and_records_everything(home):
    ml.set_experiment("exp")
    with ml.start_run("first", tags={"team": "a"}) as run:
        ml.log_params({"lr": 0.1, "model": "rf"})
        ml.log_metric("loss", 0.9)
        ml.log_metric("loss", 0.4)
        ml.log_metrics({"acc": 0.8, "f1": 0.7}, step=5)
        ml.set_tag("stage", "dev")
    got = ml.get_run(run.run_id)
    assert (got.name, got.experiment, got.status) == ("first", "exp", "finished")
    assert got.end_time >= got.start_time
    assert got.params == {"lr": "0.1", "model": "rf"}
    assert got.metrics == {"loss": 0.4, "acc": 0.8, "f1": 0.7}
    assert got.tags == {"team": "a", "stage": "dev"}
    assert ml.metric_history(run.run_id, "loss")["step"].tolist() == [0, 1]


def test_exception_in_block_marks_run_failed_with_the_error(home):
    with pytest.raises(ZeroDivisionError):
        with ml.start_run("boom") as run:
            1 / 0
    got = ml.get_run(run.run_id)
    assert got.status == "failed"
    assert "ZeroDivisionError" in got.error
    assert ml.active_run() is None


def test_nested_runs_record_their_parent_and_end_in_order(home):
    with ml.start_run("outer") as outer:
        with ml.start_run("inner") as inner:
            assert ml.active_run() is inner
        assert ml.active_run() is outer
    assert ml.get_run(inner.run_id).parent_run_id == outer.run_id
    assert ml.get_run(outer.run_id).parent_run_id is None


def test_ending_a_parent_ends_its_open_children(home):
    outer = ml.start_run("outer")
    inner = ml.start_run("inner")
    outer.end("failed")
    assert ml.active_run() is None
    assert ml.get_run(inner.run_id).status == "failed"


def test_end_run_and_active_run(home):
    run = ml.start_run("plain")
    assert ml.active_run() is run
    ml.end_run()
    assert ml.active_run() is None
    assert ml.get_run(run.run_id).status == "finished"
    ml.end_run()  # nothing active: a no-op


def test_logging_without_a_run_starts_one(home):
    ml.log_metric("auto", 1.0)
    run = ml.active_run()
    assert run is not None
    assert ml.get_run(run.run_id).metrics == {"auto": 1.0}


def test_latest_metric_is_highest_step_not_last_logged(home):
    with ml.start_run() as run:
        ml.log_metric("m", 3.0, step=10)
        ml.log_metric("m", 1.0, step=2)
    assert ml.get_run(run.run_id).metrics["m"] == 3.0


def test_nan_and_inf_metrics_are_kept_faithfully(home):
    with ml.start_run() as run:
        ml.log_metric("nan", float("nan"))
        ml.log_metric("up", float("inf"))
        ml.log_metric("down", float("-inf"))
    metrics = ml.get_run(run.run_id).metrics
    assert math.isnan(metrics["nan"]) and metrics["up"] == math.inf and metrics["down"] == -math.inf


@pytest.mark.parametrize("value", ["0.9", None, [1], b"1"])
def test_non_numeric_metric_is_refused_and_nothing_else_lost(home, value):
    with ml.start_run() as run:
        ml.log_metric("ok", 1.0)
        with pytest.raises(InvalidInput, match="must be a number"):
            ml.log_metric("bad", value)
    assert ml.get_run(run.run_id).metrics == {"ok": 1.0}


def test_numpy_scalars_are_numbers(home):
    import numpy as np
    with ml.start_run() as run:
        ml.log_metric("a", np.float32(0.5))
        ml.log_metric("b", np.int64(3))
    assert ml.get_run(run.run_id).metrics == {"a": 0.5, "b": 3.0}


@pytest.mark.parametrize("key,match", [("", "empty"), ("   ", "empty"), ("k" * 251, "at most 250"),
                                       ("tab\there", "control"), (" pad", "spaces"), (7, "must be a string")])
def test_bad_keys_are_refused(home, key, match):
    with ml.start_run():
        for verb in (lambda: ml.log_metric(key, 1), lambda: ml.log_param(key, 1), lambda: ml.set_tag(key, 1)):
            with pytest.raises(InvalidInput, match=match):
                verb()


def test_param_of_several_megabytes_is_refused_with_the_alternative(home):
    with ml.start_run() as run:
        ml.log_param("small", 1)
        with pytest.raises(InvalidInput, match="log_text"):
            ml.log_param("big", "x" * 3_000_000)
        ml.log_text("x" * 3_000_000, "big.txt")
    got = ml.get_run(run.run_id)
    assert got.params == {"small": "1"}
    assert got.artifacts[0]["size"] == 3_000_000


def test_param_cannot_change_value_but_can_repeat(home):
    with ml.start_run() as run:
        ml.log_param("lr", 0.1)
        ml.log_param("lr", 0.1)
        with pytest.raises(InvalidInput, match="written once"):
            ml.log_param("lr", 0.2)
    assert ml.get_run(run.run_id).params == {"lr": "0.1"}


def test_unicode_names_round_trip(home):
    ml.set_experiment("实验 ✓")
    with ml.start_run("прогон-1") as run:
        ml.log_metric("точность", 0.5)
        ml.log_param("学习率", "0.1")
        ml.set_tag("émoji", "🚀")
    got = ml.get_run("прогон-1")
    assert (got.experiment, got.metrics, got.params, got.tags) == ("实验 ✓", {"точность": 0.5}, {"学习率": "0.1"}, {"émoji": "🚀"})
    frame = ml.search_runs("实验 ✓", where="metrics.`точность` = 0.5")
    assert frame["run_id"].tolist() == [run.run_id]


def test_artifacts_file_folder_text_dict_figure(home, tmp_path):
    folder = tmp_path / "out"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("A")
    (folder / "sub" / "b.txt").write_text("B")
    with ml.start_run() as run:
        ml.log_artifact(folder / "a.txt")
        ml.log_artifact(folder, "reports")
        ml.log_text("hello", "notes/hello.md")
        ml.log_dict({"k": [1, 2]}, "cfg.json")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        ax.plot([1, 2, 3])
        ml.log_figure(fig, "plots/curve.png")
    got = ml.get_run(run.run_id)
    paths = [a["path"] for a in got.artifacts]
    assert paths == ["a.txt", "cfg.json", "notes/hello.md", "plots/curve.png", "reports/out/a.txt", "reports/out/sub/b.txt"]
    blobs = open_store().blobs
    by_path = {a["path"]: a["sha256"] for a in got.artifacts}
    assert json.loads(blobs.path(by_path["cfg.json"]).read_text()) == {"k": [1, 2]}
    assert blobs.path(by_path["plots/curve.png"]).read_bytes()[:4] == b"\x89PNG"
    assert by_path["a.txt"] == by_path["reports/out/a.txt"]  # same content, one blob


@pytest.mark.parametrize("bad", ["../escape.txt", "/abs.txt"])
def test_artifact_paths_must_stay_inside_the_run(home, bad):
    with ml.start_run():
        with pytest.raises(InvalidInput, match="relative"):
            ml.log_text("x", bad)


def test_missing_artifact_source_is_a_clear_error(home, tmp_path):
    with ml.start_run():
        with pytest.raises(InvalidInput, match="no such file"):
            ml.log_artifact(tmp_path / "nope.csv")


def test_get_run_by_prefix_or_name_and_suggestions(home):
    with ml.start_run("alpha-run") as run:
        pass
    assert ml.get_run(run.run_id[:6]).run_id == run.run_id
    assert ml.get_run("alpha-run").run_id == run.run_id
    with pytest.raises(NotFound, match="did you mean 'alpha-run'"):
        ml.get_run("alpha-rnu")


def test_search_filters_sorts_and_limits(home):
    ml.set_experiment("grid")
    for i, model in enumerate(["rf", "rf", "lr", "rf"]):
        with ml.start_run(f"r{i}"):
            ml.log_param("model", model)
            ml.log_metric("acc", 0.5 + i / 10)
    with ml.start_run("elsewhere", experiment="other"):
        ml.log_metric("acc", 0.99)
    frame = ml.search_runs("grid", where="params.model = 'rf' AND metrics.acc > 0.55", order_by="metrics.acc DESC")
    assert frame["run_name"].tolist() == ["r3", "r1"]
    assert {"params.model", "metrics.acc"} <= set(frame.columns)
    assert ml.search_runs(order_by="metrics.acc DESC", max_results=2)["run_name"].tolist() == ["elsewhere", "r3"]
    assert len(ml.search_runs(["grid", "other"])) == 5
    with pytest.raises(NotFound, match="did you mean 'grid'"):
        ml.search_runs("gird")
    with pytest.raises(InvalidInput):
        ml.search_runs(max_results=0)


@pytest.mark.parametrize("paging", [{"max_results": 2**63}, {"offset": 2**63}, {"offset": -1}, {"offset": True},
                                    {"max_results": 2.0}])
def test_paging_beyond_int64_or_of_the_wrong_type_is_one_line_not_a_database_error(home, paging):
    with ml.start_run("only"):
        pass
    with pytest.raises(InvalidInput, match="whole number from") as refused:
        ml.search_runs(**paging)
    assert "\n" not in str(refused.value)
    assert len(ml.search_runs(offset=2**63 - 1)) == 0  # the largest offset is still a query


def test_delete_hides_restore_brings_back(home):
    with ml.start_run("doomed") as run:
        pass
    ml.delete_run(run.run_id)
    assert ml.search_runs().empty
    assert ml.get_run(run.run_id).deleted
    assert len(ml.search_runs(include_deleted=True)) == 1
    ml.restore_run(run.run_id)
    assert ml.search_runs()["run_id"].tolist() == [run.run_id]


def test_gc_purges_deleted_runs_and_only_their_unshared_blobs(home):
    with ml.start_run("keep") as keep:
        ml.log_text("shared", "a.txt")
    with ml.start_run("drop") as drop:
        ml.log_text("shared", "a.txt")
        ml.log_text("only mine" * 1000, "b.txt")
    ml.delete_run(drop.run_id)
    report = gc(open_store())
    assert (report.runs_purged, report.blobs_removed, report.bytes_freed) == (1, 1, 9000)
    with pytest.raises(NotFound):
        ml.get_run(drop.run_id)
    kept = ml.get_run(keep.run_id).artifacts[0]["sha256"]
    assert open_store().blobs.path(kept).read_text() == "shared"
    assert ml.sql("SELECT count(*) AS n FROM metrics WHERE run_id = ?", [drop.run_id])["n"][0] == 0


def test_sql_is_read_only_and_reports_bad_queries(home):
    with ml.start_run():
        ml.log_metric("x", 1)
    with pytest.raises(InvalidInput, match="DELETE statements are refused"):
        ml.sql("DELETE FROM metrics")
    assert ml.sql("SELECT count(*) AS n FROM metrics")["n"][0] == 1
    with pytest.raises(InvalidInput, match="SQL error"):
        ml.sql("SELECT * FROM no_such_table")
    with pytest.raises(InvalidInput):
        ml.sql("")


def test_metric_history_unknown_key_suggests(home):
    with ml.start_run() as run:
        ml.log_metric("accuracy", 1)
    with pytest.raises(NotFound, match="did you mean 'accuracy'"):
        ml.metric_history(run.run_id, "acuracy")


def test_bad_status_and_bad_experiment_names(home):
    run = ml.start_run()
    with pytest.raises(InvalidInput, match="status must be one of"):
        run.end("done")
    with pytest.raises(InvalidInput, match="experiment name"):
        ml.set_experiment("")
    with pytest.raises(InvalidInput):
        ml.log_metrics([1, 2])


def test_list_experiments_counts_runs(home):
    ml.set_experiment("e1")
    for _ in range(3):
        with ml.start_run():
            pass
    frame = ml.list_experiments()
    assert dict(zip(frame["name"], frame["runs"])) == {"e1": 3}
