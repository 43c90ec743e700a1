"""REST handlers of the sidebar's Pipelines tab: the scheduler's heartbeat, schedules (with pause,
resume and run now) and pipeline runs (with their executed notebooks).

Same contract as ``handlers.py``, whose ``endpoint`` decorator they use: authenticated, one core
call in a worker thread, core errors as 4xx JSON. ``handlers.py`` imports this module at its end
and the routes below join ``handlers.ROUTES``, so the server registers, and the OpenAPI test
checks, one list whichever module is imported first.
"""

from __future__ import annotations

from ..errors import InvalidInput, NotFound
from . import handlers, wire, wire_pipelines
from .handlers import MlopsHandler, endpoint


def _pending_requests() -> dict:
    """Run-now requests no scheduler has claimed yet, per schedule."""
    from ..store import open_store

    with open_store().connect() as con:
        rows = con.execute("SELECT schedule, count(*) FROM schedule_requests WHERE claimed_at IS NULL "
                           "GROUP BY schedule").fetchall()
    return dict(rows)


def _schedule(name: str) -> dict:
    """One schedule as the list shows it (next run, last run, pending requests)."""
    from ..pipelines.schedules import list_schedules

    frame = list_schedules()
    found = wire_pipelines.schedules(frame[frame["name"] == name], _pending_requests())
    if not found:  # removed between the action and this read
        raise NotFound(f"schedule {name!r} was removed meanwhile; reload the list")
    return found[0]


def _scheduler() -> dict:
    from ..pipelines.scheduler import scheduler_status

    return wire_pipelines.scheduler_status(scheduler_status())


class SchedulerStatusHandler(MlopsHandler):
    @endpoint
    def get(self):
        return _scheduler()


class SchedulesHandler(MlopsHandler):
    @endpoint
    def get(self):
        from ..pipelines.schedules import list_schedules

        return {"schedules": wire_pipelines.schedules(list_schedules(), _pending_requests())}


class PauseScheduleHandler(MlopsHandler):
    @endpoint
    def post(self, name: str):
        from ..pipelines.schedules import pause_schedule

        self.body()  # no fields; a malformed body is still refused
        was = pause_schedule(name)
        return {"schedule": _schedule(was.name), "message": f"paused {name}: it does not fire until resumed"}


class ResumeScheduleHandler(MlopsHandler):
    @endpoint
    def post(self, name: str):
        from ..pipelines.schedules import resume_schedule

        self.body()
        resumed = resume_schedule(name)
        return {"schedule": _schedule(resumed.name),
                "message": f"resumed {name}: it fires on its next trigger (what happened while paused does not fire)"}


class RunScheduleHandler(MlopsHandler):
    @endpoint
    def post(self, name: str):
        from ..pipelines.schedules import request_run

        parameters = self.body().get("parameters")
        if parameters is not None and not isinstance(parameters, dict):
            raise InvalidInput("'parameters' must be a JSON object such as {\"alpha\": 0.1}")
        request = request_run(name, parameters or None)
        scheduler = _scheduler()
        if scheduler["alive"]:
            message = f"asked the scheduler to run {name}; it starts on the scheduler's next tick"
        else:
            message = (f"queued a run of {name}, but no scheduler is running: it starts once one does "
                       f"(start it with `{scheduler['start_command']}`)")
        return {"schedule": _schedule(name), "request_id": request.request_id,
                "parameters": request.parameters or None, "scheduler_alive": scheduler["alive"], "message": message}


class PipelineRunsHandler(MlopsHandler):
    @endpoint
    def get(self):
        from ..pipelines.runs import list_pipeline_runs

        args = self.query()
        limit = wire.integer(args, "limit", 100, 1, wire.MAX_LIMIT)
        schedule = args.get("schedule") or None
        frame = list_pipeline_runs(schedule=schedule, status=args.get("status") or None, limit=limit)
        if schedule is not None and frame.empty:
            _check_schedule_known(schedule)
        return {"runs": wire_pipelines.pipeline_runs(frame), "limit": limit}


def _check_schedule_known(name: str) -> None:
    """NotFound for a schedule that neither exists nor ever ran (a removed one keeps its runs)."""
    from ..pipelines.schedules import get_schedule
    from ..store import open_store

    try:
        get_schedule(name)
    except NotFound:
        with open_store().connect() as con:
            if not con.execute("SELECT 1 FROM pipeline_runs WHERE schedule = ? LIMIT 1", [name]).fetchone():
                raise


class PipelineRunHandler(MlopsHandler):
    @endpoint
    def get(self, pipeline_run_id: str):
        from ..pipelines.runs import get_pipeline_run
        from ..pipelines.summary import cell_summary

        run = get_pipeline_run(pipeline_run_id)
        cells = cell_summary(run.output_notebook()) if run.output_sha256 else []
        return wire_pipelines.pipeline_run_detail(run, cells)


class PipelineNotebookHandler(MlopsHandler):
    @endpoint
    def get(self, pipeline_run_id: str):
        from ..pipelines.runs import get_pipeline_run

        return get_pipeline_run(pipeline_run_id).output_notebook()  # NotFound when it has none


ROUTES = [
    (r"/pipelines/scheduler", SchedulerStatusHandler),
    (r"/pipelines/schedules", SchedulesHandler),
    (r"/pipelines/schedules/(?P<name>[^/]+)/pause", PauseScheduleHandler),
    (r"/pipelines/schedules/(?P<name>[^/]+)/resume", ResumeScheduleHandler),
    (r"/pipelines/schedules/(?P<name>[^/]+)/run", RunScheduleHandler),
    (r"/pipelines/runs", PipelineRunsHandler),
    (r"/pipelines/runs/(?P<pipeline_run_id>[^/]+)", PipelineRunHandler),
    (r"/pipelines/runs/(?P<pipeline_run_id>[^/]+)/notebook", PipelineNotebookHandler),
]
handlers.ROUTES.extend(route for route in ROUTES if route not in handlers.ROUTES)
