"""REST handlers of the Experiments, Datasets, Drift and Models tabs; each area's routes are a list
here (``RUNS``, ``DATASETS``, ``DRIFT``, ``MODELS``) that ``routes.ROUTES`` collects.

Each handler parses its input, makes one core call in a worker thread (``base.endpoint``) and
answers the JSON its operation in ``operations.py`` names.
"""

from __future__ import annotations

from .. import __version__
from ..errors import InvalidInput
from . import wire
from .base import API, MlopsHandler, endpoint  # noqa: F401  (API: the prefix, kept importable from here)

MAX_HISTORY_KEYS = 100  # the run detail asks for its first 24 charts at once


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


class MetricHistoriesHandler(MlopsHandler):
    @endpoint
    def get(self, run_id: str):
        from ..tracking.search import metric_points

        keys = self.get_query_arguments("key")
        if not 1 <= len(keys) <= MAX_HISTORY_KEYS:
            raise InvalidInput(
                f"give 1 to {MAX_HISTORY_KEYS} 'key' query arguments, e.g. ?key=loss&key=acc; got {len(keys)}"
            )
        histories = metric_points(run_id, keys)
        return {"run_id": run_id, "histories": {key: wire.point_records(points) for key, points in histories.items()}}


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
            point = [int(row.step), wire.number(float(row.value))]
            curves.setdefault(row.run_id, {}).setdefault(row.key, []).append(point)
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


RUNS = [
    (r"/health", HealthHandler),
    (r"/experiments", ExperimentsHandler),
    (r"/runs", RunsHandler),
    (r"/runs/(?P<run_id>[^/]+)", RunHandler),
    (r"/runs/(?P<run_id>[^/]+)/(?P<action>delete|restore)", RunActionHandler),
    (r"/runs/(?P<run_id>[^/]+)/metrics", MetricHistoriesHandler),
    (r"/runs/(?P<run_id>[^/]+)/metrics/(?P<key>.+)", MetricHistoryHandler),
    (r"/compare", CompareHandler),
]
DATASETS = [
    (r"/datasets", DatasetsHandler),
    (r"/datasets/diff", DatasetDiffHandler),
    (r"/datasets/(?P<name>[^/]+)/versions", DatasetVersionsHandler),
    (r"/datasets/(?P<name>[^/]+)/versions/(?P<version>[^/]+)", DatasetVersionHandler),
    (r"/lineage", LineageHandler),
]
DRIFT = [
    (r"/drift/datasets", DriftDatasetsHandler),
    (r"/drift/history", DriftHistoryHandler),
    (r"/drift/reports/(?P<report_id>[^/]+)", DriftReportHandler),
]


# -- models (registry) ----------------------------------------------------------------------------
def _aliases_and_history(name: str) -> dict:
    from ..registry.aliases import alias_changes, model_aliases

    history = [wire.alias_change(c) for c in alias_changes(name)]
    return {"name": name, "aliases": model_aliases(name), "history": history}


class ModelsHandler(MlopsHandler):
    @endpoint
    def get(self):
        from ..registry import list_models
        from ..registry.aliases import aliases_by_model

        return {"models": wire.models(list_models(), aliases_by_model())}


class ModelVersionsHandler(MlopsHandler):
    @endpoint
    def get(self, name: str):
        from ..registry import model_versions

        deleted = wire.boolean(self.query(), "include_deleted")
        versions = model_versions(name, include_deleted=deleted)
        return {"name": name, "versions": [wire.model_version(v) for v in versions]}


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
            raise InvalidInput(
                "the body needs the 'version' to point the alias at, e.g. {\"version\": 3, \"reason\": \"...\"}"
            )
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


MODELS = [
    (r"/models", ModelsHandler),
    (r"/models/(?P<name>[^/]+)/versions", ModelVersionsHandler),
    (r"/models/(?P<name>[^/]+)/history", ModelHistoryHandler),
    (r"/models/(?P<name>[^/]+)/evaluations", ModelEvaluationsHandler),
    (r"/models/(?P<name>[^/]+)/aliases/(?P<alias>[^/]+)", ModelAliasHandler),
    (r"/models/(?P<name>[^/]+)/aliases/(?P<alias>[^/]+)/rollback", ModelRollbackHandler),
]

