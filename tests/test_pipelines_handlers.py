"""The Pipelines REST endpoints against a real in-process Jupyter server and a real store.

One store is built per module (two real papermill runs are its costly part): a schedule with a
cron trigger, one fired on request only, a failed run of the latter (real kernel, failing cell),
a finished manual run and a queued run of the cron schedule. Tests that change schedules assert
what their own action did, so their order does not matter. The heartbeat tests use fresh stores.
"""

from __future__ import annotations

import json

import nbformat
import pytest
import tornado.httpclient

from .conftest import forget_store

pytest_plugins = ["pytest_jupyter.jupyter_server"]

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
ERROR = "bad <b>input</b>"


def _notebook(path, cells):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": KERNELSPEC})
    for kind, source, tags in cells:
        make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(make(source, metadata={"tags": tags} if tags else {}))
    nbformat.write(nb, str(path))
    return path


def _release(home):
    from jupyter_mlops.tracking import runs

    while runs._stack:
        runs._stack[-1].end("finished")
    runs._experiment = None
    forget_store(home)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The shared store: schedules, a failed and a finished run (real kernels), a queued run."""
    from jupyter_mlops.pipelines.execute import execute_spec
    from jupyter_mlops.pipelines.runs import record_queued, run_pipeline
    from jupyter_mlops.pipelines.schedules import schedule
    from jupyter_mlops.pipelines.spec import PipelineSpec

    base = tmp_path_factory.mktemp("pipelines")
    home = (base / "store").absolute()
    ok = _notebook(base / "train.ipynb", [("code", "alpha = 0.1", ["parameters"]),
                                          ("code", "result = 1 / alpha\nprint(result)", None),
                                          ("markdown", "# done", None)])
    broken = _notebook(base / "broken.ipynb", [("code", "divisor = 1", ["parameters"]), ("code", "x = 1", None),
                                               ("code", f"raise ValueError({ERROR!r})", None), ("code", "y = 2", None)])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLOPS_HOME", str(home))
        mp.setenv("MLOPS_CAPTURE", "0")
        mp.delenv("MLOPS_EXPERIMENT", raising=False)
        mp.delenv("MLOPS_PARENT_RUN_ID", raising=False)
        schedule("nightly", ok, cron="0 3 * * *", parameters={"alpha": 0.5})
        schedule("adhoc", broken)
        failed = PipelineSpec.new(broken, {"divisor": 3}, home=home, name="adhoc", schedule="adhoc", trigger="request")
        execute_spec(failed)
        finished = run_pipeline(ok, {"alpha": 0.25}, name="quick")
        queued = PipelineSpec.new(ok, {"alpha": 0.5}, home=home, name="nightly", schedule="nightly", trigger="cron")
        record_queued(queued)
        yield {"home": home, "failed": failed.pipeline_run_id, "finished": finished.id,
               "queued": queued.pipeline_run_id, "notebooks": {"ok": ok, "broken": broken}}
        _release(home)


@pytest.fixture
def home(built, monkeypatch):
    """The shared store made current (the server in this process reads it)."""
    monkeypatch.setenv("MLOPS_HOME", str(built["home"]))
    monkeypatch.setenv("MLOPS_CAPTURE", "0")
    return built["home"]


def _schedule(listing, name):
    return next(s for s in listing["schedules"] if s["name"] == name)


def _pending(name):
    from jupyter_mlops.store import open_store

    with open_store().connect() as con:
        return con.execute("SELECT request_id, parameters::VARCHAR FROM schedule_requests WHERE schedule = ? "
                           "AND claimed_at IS NULL ORDER BY requested_at", [name]).fetchall()


ROUTES = [("GET", "/pipelines/scheduler"), ("GET", "/pipelines/schedules"), ("POST", "/pipelines/schedules/x/pause"),
          ("POST", "/pipelines/schedules/x/resume"), ("POST", "/pipelines/schedules/x/run"), ("GET", "/pipelines/runs"),
          ("GET", "/pipelines/runs/x"), ("GET", "/pipelines/runs/x/notebook")]


@pytest.mark.parametrize("method,path", ROUTES)
async def test_every_pipelines_endpoint_requires_authentication(jp_fetch, method, path, home):
    with pytest.raises(tornado.httpclient.HTTPClientError) as failure:
        await jp_fetch(*("mlops/api/v1" + path).split("/"), method=method, headers={"Authorization": ""},
                       body="" if method == "POST" else None)
    assert failure.value.code == 403


async def test_schedules_list_triggers_next_and_last_run(api, built):
    listing = await api("/pipelines/schedules")
    assert sorted(s["name"] for s in listing["schedules"]) == ["adhoc", "nightly"]
    nightly = _schedule(listing, "nightly")
    assert nightly["trigger_summary"].startswith("cron 0 3 * * *") and nightly["parameters"] == {"alpha": 0.5}
    assert nightly["notebook"] == str(built["notebooks"]["ok"])
    assert nightly["last_run_id"] == built["queued"] and nightly["last_run_status"] == "queued"
    adhoc = _schedule(listing, "adhoc")
    assert adhoc["trigger_summary"] == "on request only" and adhoc["next_run"] is None
    assert adhoc["last_run_id"] == built["failed"] and adhoc["last_run_status"] == "failed"
    assert adhoc["last_error_name"] == "ValueError" and adhoc["last_run_at"].endswith("Z")


async def test_pause_and_resume_change_the_store(api):
    from jupyter_mlops.pipelines.schedules import get_schedule

    paused = await api("/pipelines/schedules/nightly/pause", method="POST", body="{}")
    assert paused["schedule"]["enabled"] is False and paused["schedule"]["next_run"] is None
    assert "paused nightly" in paused["message"]
    assert get_schedule("nightly").enabled is False
    resumed = await api("/pipelines/schedules/nightly/resume", method="POST", body="")
    assert resumed["schedule"]["enabled"] is True and resumed["schedule"]["next_run"].endswith(":00:00.000Z")
    assert get_schedule("nightly").enabled is True


async def test_run_now_queues_a_request_and_says_no_scheduler_is_alive(api):
    before = _pending("adhoc")
    answer = await api("/pipelines/schedules/adhoc/run", method="POST", body="")
    assert answer["scheduler_alive"] is False and "jupyter-mlops scheduler" in answer["message"]
    after = _pending("adhoc")
    assert len(after) == len(before) + 1 and after[-1][0] == answer["request_id"]
    assert answer["schedule"]["pending_requests"] == len(after)
    with_params = await api("/pipelines/schedules/adhoc/run", method="POST", body=json.dumps({"parameters": {"divisor": 7}}))
    assert with_params["parameters"] == {"divisor": 7}
    assert json.loads(_pending("adhoc")[-1][1]) == {"divisor": 7}


@pytest.mark.parametrize(
    "path,body,status,message",
    [
        ("/pipelines/schedules/nightyl/pause", "", 404, "did you mean 'nightly'"),
        ("/pipelines/schedules/nope/resume", "", 404, "no schedule 'nope'"),
        ("/pipelines/schedules/nope/run", "", 404, "no schedule 'nope'"),
        ("/pipelines/schedules/nightly/pause", "not json", 400, "JSON"),
        ("/pipelines/schedules/nightly/run", "[1]", 400, "JSON object"),
        ("/pipelines/schedules/nightly/run", '{"parameters": [1, 2]}', 400, "'parameters' must be a JSON object"),
        ("/pipelines/schedules/nightly/run", '{"parameters": {"alpah": 1}}', 400, "did you mean 'alpha'"),
    ],
)
async def test_schedule_actions_bad_input(api, path, body, status, message):
    requests = len(_pending("nightly"))
    error = await api(path, method="POST", body=body, expect=status)
    assert message in error["message"] and "\n" not in error["message"]
    assert len(_pending("nightly")) == requests


async def test_runs_list_with_parameters_errors_and_filters(api, built):
    listing = await api("/pipelines/runs")
    by_id = {r["pipeline_run_id"]: r for r in listing["runs"]}
    assert set(by_id) == {built["failed"], built["finished"], built["queued"]} and listing["limit"] == 100
    failed = by_id[built["failed"]]
    assert failed["status"] == "failed" and failed["failed_cell"] == 2 and failed["error_name"] == "ValueError"
    assert ERROR in failed["error"] and failed["parameters"] == {"divisor": 3}
    assert failed["schedule"] == "adhoc" and failed["trigger"] == "request" and failed["has_output"] is True
    assert failed["output_path"] == f"pipeline-outputs/adhoc-{built['failed'][:8]}.ipynb"
    finished = by_id[built["finished"]]
    assert finished["status"] == "finished" and finished["error"] is None and finished["duration_s"] > 0
    assert finished["parameters"] == {"alpha": 0.25} and finished["started_at"] <= finished["ended_at"]
    queued = by_id[built["queued"]]
    assert queued["status"] == "queued" and queued["has_output"] is False and queued["output_path"] is None

    only_failed = await api("/pipelines/runs", params={"status": "failed"})
    assert [r["pipeline_run_id"] for r in only_failed["runs"]] == [built["failed"]]
    nightly = await api("/pipelines/runs", params={"schedule": "nightly"})
    assert [r["pipeline_run_id"] for r in nightly["runs"]] == [built["queued"]]
    assert len((await api("/pipelines/runs", params={"limit": "1"}))["runs"]) == 1
    assert (await api("/pipelines/runs", params={"schedule": "nightly", "status": "failed"}))["runs"] == []


@pytest.mark.parametrize(
    "params,status,message",
    [
        ({"limit": "0"}, 400, "limit"),
        ({"limit": "many"}, 400, "whole number"),
        ({"status": "crashed"}, 400, "status must be one of queued, running, finished, failed"),
        ({"schedule": "nighty"}, 404, "did you mean 'nightly'"),
    ],
)
async def test_runs_list_bad_queries(api, params, status, message):
    error = await api("/pipelines/runs", params=params, expect=status)
    assert message in error["message"]


async def test_run_detail_has_the_executed_cells(api, built):
    detail = await api(f"/pipelines/runs/{built['failed'][:8]}")
    assert detail["pipeline_run_id"] == built["failed"] and detail["output_sha256"]
    errors = [c for c in detail["cells"] if c["state"] == "error"]
    assert len(errors) == 1 and errors[0]["first_line"] == f"raise ValueError({ERROR!r})"
    assert errors[0]["error"] == f"ValueError: {ERROR}"
    assert errors[0]["input_index"] == detail["failed_cell"] == 2  # counted as in the notebook the user edits
    assert errors[0]["index"] > 2  # papermill's marker and injected cells come before it in the executed one
    assert [c["state"] for c in detail["cells"] if c["first_line"] == "y = 2"] == ["not run"]
    assert [c["input_index"] for c in detail["cells"]] == [0, None, 1, 2, 3]  # no error-marker cells
    assert [c["first_line"] for c in detail["cells"] if c["injected"]] == ["# Parameters"]
    ok = await api(f"/pipelines/runs/{built['finished']}")
    code = [c for c in ok["cells"] if c["kind"] == "code"]
    assert code and all(c["state"] == "ok" for c in code) and ok["cells"][-1]["kind"] == "markdown"
    queued = await api(f"/pipelines/runs/{built['queued']}")
    assert queued["cells"] == [] and queued["status"] == "queued"
    missing = await api("/pipelines/runs/doesnotexist", expect=404)
    assert "no pipeline run 'doesnotexist'" in missing["message"]


async def test_executed_notebook_json(api, built):
    notebook = await api(f"/pipelines/runs/{built['failed']}/notebook")
    node = nbformat.from_dict(notebook)
    nbformat.validate(node)
    assert any(ERROR in (o.get("evalue") or "") for c in node.cells for o in c.get("outputs", []))
    none = await api(f"/pipelines/runs/{built['queued']}/notebook", expect=404)
    assert "has no executed notebook" in none["message"] and "\n" not in none["message"]
    await api("/pipelines/runs/doesnotexist/notebook", expect=404)


# --- the heartbeat, each on a fresh store (a tick would otherwise run the queued requests) -------


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    home = (tmp_path / "fresh-store").absolute()
    monkeypatch.setenv("MLOPS_HOME", str(home))
    yield home
    _release(home)


async def test_scheduler_not_running_names_the_command(jp_fetch, fresh):
    response = await jp_fetch("mlops", "api", "v1", "pipelines", "scheduler")
    status = json.loads(response.body)
    assert status["alive"] is False and status["beat_at"] is None and status["live_schedulers"] == 0
    assert status["start_command"] == "jupyter-mlops scheduler" and "jupyter-mlops scheduler" in status["message"]


async def test_scheduler_heartbeat_after_a_tick_then_stopped(jp_fetch, fresh):
    import os

    from jupyter_mlops.pipelines.scheduler import Scheduler

    scheduler = Scheduler(executor="inline", interval=60)
    scheduler.tick()
    status = json.loads((await jp_fetch("mlops", "api", "v1", "pipelines", "scheduler")).body)
    assert status["alive"] is True and status["leader"] is True and status["scheduler_id"] == scheduler.scheduler_id
    assert status["pid"] == os.getpid() and status["beat_at"].endswith("Z") and status["seconds_since_beat"] >= 0
    assert "scheduler running" in status["message"]
    scheduler.shutdown()
    stopped = json.loads((await jp_fetch("mlops", "api", "v1", "pipelines", "scheduler")).body)
    assert stopped["alive"] is False and stopped["stopped_at"] and stopped["beat_at"] == status["beat_at"]
    assert "not running" in stopped["message"] and "jupyter-mlops scheduler" in stopped["message"]
