"""REST handlers: each parses its input, makes one core call in a worker thread, and answers JSON.

Errors are translated in one place per kind: core errors in ``endpoint`` (their ``http_status``:
400, 404, 409, 413, 507... and a JSON body ``{"message": "...", "error": "..."}``), anything else
there too as a JSON 500 that names no internals (the server log has the traceback), and tornado's
own refusals (403 unauthenticated, 405 wrong method) in ``MlopsHandler.write_error``. Input never
causes a 500: numbers in paths, queries and bodies are ASCII digits within bounds
(``names.ascii_int``), and bodies are decoded once, in ``MlopsHandler.body``, with a size and a
nesting-depth limit (``json_body.loads``).

Every handler requires Jupyter's authentication (``@tornado.web.authenticated``, plus
authorization on the ``mlops`` resource); POSTs are XSRF-checked by jupyter_server for
cookie-authenticated browsers.
"""

from __future__ import annotations

import asyncio
import functools
import json

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from .. import __version__
from ..errors import InvalidInput, MlopsError, NotFound, one_line
from ..json_body import loads
from . import wire

API = "/mlops/api/v1"
MAX_BODY_BYTES = 1024 * 1024  # the sidebar sends a few hundred bytes; a pipeline's parameters a few KB
MAX_BODY_DEPTH = 32


def endpoint(method):
    """Run the handler body in a thread; answer its result as JSON, or a core error as 4xx JSON."""

    @functools.wraps(method)
    async def handle(self, *args, **kwargs):
        try:
            call = functools.partial(method, self, *args, **kwargs)
            result = await asyncio.get_running_loop().run_in_executor(None, call)
            answer = json.dumps(result, allow_nan=False)
        except MlopsError as error:
            self.set_status(error.http_status)
            self.finish(json.dumps({"message": one_line(error), "error": type(error).__name__}))
            return
        except Exception:  # noqa: BLE001 - a fault of ours: logged in full, answered without internals
            self.log.exception("jupyter-mlops: %s %s failed", self.request.method, self.request.path)
            self.set_status(500)
            self.finish(json.dumps({"message": f"the jupyter-mlops extension failed on {self.request.method} "
                                               f"{self.request.path[:200]}; the Jupyter server log has the details, "
                                               "please report it", "error": "InternalError"}))
            return
        self.finish(answer)

    return tornado.web.authenticated(authorized(handle))


class MlopsHandler(APIHandler):
    auth_resource = "mlops"

    def query(self) -> dict:
        return {name: self.get_query_argument(name) for name in self.request.query_arguments}

    def body(self) -> dict:
        """The JSON object of the request body ({} when empty); InvalidInput (400/413) for anything else."""
        if not self.request.body:
            return {}
        value = loads(self.request.body, max_bytes=MAX_BODY_BYTES, max_depth=MAX_BODY_DEPTH)
        if not isinstance(value, dict):
            raise InvalidInput(f"the request body must be a JSON object such as {{}}, got {type(value).__name__}")
        return value

    def write_error(self, status_code: int, **kwargs) -> None:
        """Tornado's own refusals (403, 404, 405...) as ``{"message", "error"}``, never with a traceback."""
        error = (kwargs.get("exc_info") or (None, None, None))[1]
        message = getattr(error, "log_message", None) or self._reason
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": one_line(message or f"HTTP {status_code}"), "error": f"HTTP {status_code}"}))


class HealthHandler(MlopsHandler):
    @endpoint
    def get(self):
        from ..store import open_store
        from ..store.quarantine import quarantine_count
        from ..store.schema import LATEST_VERSION, schema_version

        store = open_store()
        with store.connect() as con:
            version = schema_version(con)
            quarantined = quarantine_count(con)
        return {"status": "ok", "version": __version__, "store": str(store.home), "schema_version": version,
                "latest_schema_version": LATEST_VERSION, "scheduler": None, "quarantined": quarantined}


class ExperimentsHandler(MlopsHandler):
    @endpoint
    def get(self):
        from ..tracking.search import list_experiments

        return {"experiments": wire.experiments(list_experiments())}


class RunsHandler(MlopsHandler):
    @endpoint
    def get(self):
        from ..tracking.search import count_runs, list_runs

        args = self.query()
        experiment = args.get("experiment") or None
        where = args.get("where") or None
        deleted = wire.boolean(args, "include_deleted")
        offset = wire.integer(args, "offset", 0, 0)
        limit = wire.integer(args, "limit", 50, 1, wire.MAX_LIMIT)
        runs = list_runs(experiment, where, args.get("order_by") or None, limit, deleted, offset)
        total = count_runs(experiment, where, deleted)
        return {"runs": wire.run_summaries(runs), "total": total, "offset": offset, "limit": limit}


class RunHandler(MlopsHandler):
    @endpoint
    def get(self, run_id: str):
        from ..tracking.search import get_run

        return wire.run_detail(get_run(run_id))


class RunActionHandler(MlopsHandler):
    @endpoint
    def post(self, run_id: str, action: str):
        from ..tracking.search import delete_run, get_run, restore_run

        self.body()  # no fields yet; a malformed body is still refused
        (delete_run if action == "delete" else restore_run)(run_id)
        return wire.run_detail(get_run(run_id))


class MetricHistoryHandler(MlopsHandler):
    @endpoint
    def get(self, run_id: str, key: str):
        from ..tracking.search import metric_history

        return {"run_id": run_id, "key": key, "points": wire.points(metric_history(run_id, key))}


class CompareHandler(MlopsHandler):
    @endpoint
    def get(self):
        from ..tracking.search import get_run, metric_histories

        runs = self.get_query_arguments("run")
        if not 2 <= len(runs) <= 20:
            raise InvalidInput(f"compare needs 2 to 20 'run' query arguments, got {len(runs)}")
        details = [wire.run_detail(get_run(r)) for r in runs]
        histories = metric_histories([d["run_id"] for d in details])
        curves: dict = {}
        for row in histories.itertuples(index=False):
            curves.setdefault(row.run_id, {}).setdefault(row.key, []).append([int(row.step), wire.number(float(row.value))])
        return {"runs": details, "curves": curves}


class DatasetsHandler(MlopsHandler):
    @endpoint
    def get(self):
        from ..datasets import list_datasets

        return {"datasets": wire.datasets(list_datasets())}


class DatasetVersionsHandler(MlopsHandler):
    @endpoint
    def get(self, name: str):
        from ..datasets.registry import dataset_versions

        return {"name": name, "versions": [wire.dataset_version(v, with_columns=False) for v in dataset_versions(name)]}


class DatasetVersionHandler(MlopsHandler):
    @endpoint
    def get(self, name: str, version: str):
        from ..datasets import describe_dataset

        if version != "latest":
            version = str(wire.path_number(version, "dataset version", "a positive number or 'latest', e.g. 2"))
        return wire.dataset_version(describe_dataset(f"{name}@{version}"), with_columns=True)


class DatasetDiffHandler(MlopsHandler):
    @endpoint
    def get(self):
        from ..datasets import diff_datasets

        args = self.query()
        if not args.get("before") or not args.get("after"):
            raise InvalidInput("diff needs 'before' and 'after' query arguments, e.g. before=churn@1&after=churn@2")
        return wire.dataset_diff(diff_datasets(args["before"], args["after"]))


class LineageHandler(MlopsHandler):
    @endpoint
    def get(self):
        from ..datasets import lineage

        ref = self.query().get("ref")
        if not ref:
            raise InvalidInput("lineage needs a 'ref' query argument: a dataset (name@version) or a run id")
        return wire.lineage(lineage(ref))


class DriftDatasetsHandler(MlopsHandler):
    @endpoint
    def get(self):
        from ..drift import latest_drift_reports

        latest = latest_drift_reports()
        return {"datasets": [{"dataset": wire._optional(row["dataset"]), "reports": int(row["reports"]),
                              "latest": wire.drift_summary(row)} for row in latest.to_dict("records")]}


class DriftHistoryHandler(MlopsHandler):
    @endpoint
    def get(self):
        from ..drift import drift_history

        args = self.query()
        dataset = args.get("dataset") or None
        limit = wire.integer(args, "limit", 200, 1, wire.MAX_LIMIT)
        return {"dataset": dataset, "reports": wire.drift_summaries(drift_history(dataset, limit=limit))}


class DriftReportHandler(MlopsHandler):
    @endpoint
    def get(self, report_id: str):
        from ..drift import get_drift_report

        return wire.drift_report(get_drift_report(report_id))


ROUTES = [
    (r"/health", HealthHandler),
    (r"/experiments", ExperimentsHandler),
    (r"/runs", RunsHandler),
    (r"/runs/(?P<run_id>[^/]+)", RunHandler),
    (r"/runs/(?P<run_id>[^/]+)/(?P<action>delete|restore)", RunActionHandler),
    (r"/runs/(?P<run_id>[^/]+)/metrics/(?P<key>.+)", MetricHistoryHandler),
    (r"/compare", CompareHandler),
    (r"/datasets", DatasetsHandler),
    (r"/datasets/diff", DatasetDiffHandler),
    (r"/datasets/(?P<name>[^/]+)/versions", DatasetVersionsHandler),
    (r"/datasets/(?P<name>[^/]+)/versions/(?P<version>[^/]+)", DatasetVersionHandler),
    (r"/lineage", LineageHandler),
    (r"/drift/datasets", DriftDatasetsHandler),
    (r"/drift/history", DriftHistoryHandler),
    (r"/drift/reports/(?P<report_id>[^/]+)", DriftReportHandler),
]


class UnknownRouteHandler(MlopsHandler):
    """Any other path under the API answers 404 JSON (after authentication), not Jupyter's HTML page."""

    def _unknown(self, path: str):
        raise NotFound(f"there is no jupyter-mlops API route /{path[:200]}; the routes are listed in the "
                       "README's 'The REST API' section")

    get = post = put = patch = delete = endpoint(_unknown)


def setup_handlers(web_app) -> None:
    base = web_app.settings["base_url"]
    routes = [(url_path_join(base, API + pattern), handler) for pattern, handler in ROUTES]
    routes.append((url_path_join(base, API + r"/(?P<path>.*)"), UnknownRouteHandler))  # last: the fallback
    web_app.add_handlers(".*$", routes)


# -- models (registry) ----------------------------------------------------------------------------
def _aliases_and_history(name: str) -> dict:
    from ..registry.aliases import alias_changes
    from ..store import open_store
    from ..registry.versions import aliases_of

    history = [wire.alias_change(c) for c in alias_changes(name)]
    with open_store().connect() as con:
        aliases = aliases_of(con, name)
    return {"name": name, "aliases": aliases, "history": history}


class ModelsHandler(MlopsHandler):
    @endpoint
    def get(self):
        from ..registry import list_models
        from ..store import open_store

        frame = list_models()
        with open_store().connect() as con:
            rows = con.execute("SELECT name, alias, version FROM model_aliases ORDER BY name, alias").fetchall()
        aliases: dict = {}
        for name, alias, version in rows:
            aliases.setdefault(name, {})[alias] = version
        return {"models": wire.models(frame, aliases)}


class ModelVersionsHandler(MlopsHandler):
    @endpoint
    def get(self, name: str):
        from ..registry import model_versions

        deleted = wire.boolean(self.query(), "include_deleted")
        return {"name": name, "versions": [wire.model_version(v) for v in model_versions(name, include_deleted=deleted)]}


class ModelHistoryHandler(MlopsHandler):
    @endpoint
    def get(self, name: str):
        return _aliases_and_history(name)


class ModelEvaluationsHandler(MlopsHandler):
    @endpoint
    def get(self, name: str):
        from ..registry import list_decisions, list_evaluations

        return {"name": name, "evaluations": wire.evaluations(list_evaluations(name)),
                "decisions": wire.decisions(list_decisions(name))}


def _who(handler) -> str | None:
    user = handler.current_user
    return getattr(user, "username", None) or getattr(user, "name", None) or None


def _reason(body: dict) -> str | None:
    return wire.text(body, "reason")


class ModelAliasHandler(MlopsHandler):
    @endpoint
    def post(self, name: str, alias: str):
        from ..registry import set_alias

        body = self.body()
        if "version" not in body:
            raise InvalidInput("the body needs the 'version' to point the alias at, e.g. {\"version\": 3, \"reason\": \"...\"}")
        version = wire.body_number(body, "version", "a model version number, e.g. {\"version\": 3}")
        action = wire.text(body, "action") or "promote"
        change = set_alias(name, alias, version, reason=_reason(body), user=_who(self), action=action)
        return {**_aliases_and_history(name), "change": wire.alias_change(change)}


class ModelRollbackHandler(MlopsHandler):
    @endpoint
    def post(self, name: str, alias: str):
        from ..registry import rollback

        change = rollback(name, alias, reason=_reason(self.body()), user=_who(self))
        return {**_aliases_and_history(name), "change": wire.alias_change(change)}


ROUTES.extend([
    (r"/models", ModelsHandler),
    (r"/models/(?P<name>[^/]+)/versions", ModelVersionsHandler),
    (r"/models/(?P<name>[^/]+)/history", ModelHistoryHandler),
    (r"/models/(?P<name>[^/]+)/evaluations", ModelEvaluationsHandler),
    (r"/models/(?P<name>[^/]+)/aliases/(?P<alias>[^/]+)", ModelAliasHandler),
    (r"/models/(?P<name>[^/]+)/aliases/(?P<alias>[^/]+)/rollback", ModelRollbackHandler),
])


from . import pipelines_handlers  # noqa: E402,F401  (the Pipelines tab: adds its routes to ROUTES)
from . import serving_handlers  # noqa: E402,F401  (the Models tab's running servers: adds its routes)
