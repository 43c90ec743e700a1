"""Drift reports in the store: ``drift_reports`` (one row per check) and ``drift_columns``.

History is plain SQL, e.g. the drift share of ``churn`` over time::

    SELECT created_at, drift_share FROM drift_reports
    WHERE reference_name = 'churn' OR current_name = 'churn' ORDER BY created_at

>>> drift_history("churn")[["created_at", "drift_share", "drifted"]]     # doctest: +SKIP
"""

from __future__ import annotations

import json

from ..errors import InvalidInput, NotFound
from ..store import open_store
from .report import ColumnDrift, DriftReport, MultivariateDrift
from ..store.transaction import rollback

_REPORT_COLUMNS = (
    "report_id, created_at, reference, reference_name, reference_version, current, current_name, current_version, "
    "model_name, model_version, reference_rows, current_rows, columns_checked, columns_drifted, drift_share, drift_share_threshold, drifted, "
    "correction, multivariate_auc, multivariate_drifted, run_id"
)


def _json(value) -> str:
    return json.dumps(value, default=str, allow_nan=True)


def save_report(report: DriftReport) -> None:
    """Insert a report and its per-column rows in one transaction."""
    mv = report.multivariate
    features = report.features
    ref_name, ref_version = report.reference_dataset
    cur_name, cur_version = report.current_dataset
    store = open_store()
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                "INSERT INTO drift_reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [report.report_id, report.created_at, report.reference, ref_name, ref_version, report.current, cur_name,
                 cur_version, *report.model, report.reference_rows, report.current_rows, len(features),
                 len(report.drifted_columns), report.drift_share, report.drift_share_threshold, report.drifted,
                 report.correction, mv.auc if mv else None, mv.p_value if mv else None, mv.drifted if mv else None,
                 _json(mv.__dict__) if mv else None, _json(report.options), report.run_id, report.seconds],
            )
            con.executemany(
                "INSERT INTO drift_columns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[report.report_id, i, c.column, c.role, c.type, c.kind, c.method, c.statistic, c.p_value,
                  c.p_value_adjusted, c.threshold, c.drifted, c.severity, c.reference_count, c.current_count,
                  c.reference_missing, c.current_missing, _json(c.new_categories), c.note, _json(c.distribution)]
                 for i, c in enumerate(report.columns)],
            )
            con.execute("COMMIT")
        except BaseException as error:
            rollback(con, error)
            raise
    report.saved = True


def _resolve_id(con, report_id: str) -> str:
    if not isinstance(report_id, str) or not report_id.strip():
        raise InvalidInput(f"a drift report is named by its id (or a unique prefix of 4+ characters), got {report_id!r}")
    if len(report_id) < 4:
        raise InvalidInput(f"give at least 4 characters of the report id, got {report_id!r}")
    found = [r[0] for r in con.execute("SELECT report_id FROM drift_reports WHERE starts_with(report_id, ?) LIMIT 2",
                                       [report_id]).fetchall()]
    if not found:
        raise NotFound(f"no drift report {report_id!r}; list them with drift_history()")
    if len(found) > 1:
        raise InvalidInput(f"report id prefix {report_id!r} is ambiguous; give more characters")
    return found[0]


def get_drift_report(report_id: str) -> DriftReport:
    """A saved report, by id or a unique id prefix (4+ characters).

    >>> get_drift_report(drift_history("churn")["report_id"].iloc[-1]).drifted_columns    # doctest: +SKIP
    ['tenure']
    """
    with open_store().connect() as con:
        report_id = _resolve_id(con, report_id)
        cursor = con.execute("SELECT * FROM drift_reports WHERE report_id = ?", [report_id])
        names = [d[0] for d in cursor.description]
        row = dict(zip(names, cursor.fetchall()[0]))
        cursor = con.execute("SELECT * FROM drift_columns WHERE report_id = ? ORDER BY position", [report_id])
        names = [d[0] for d in cursor.description]
        column_rows = [dict(zip(names, values)) for values in cursor.fetchall()]
    lines = [ColumnDrift(
        column=c["column_name"], role=c["role"], type=c["type"], kind=c["kind"], method=c["method"],
        statistic=c["statistic"], p_value=c["p_value"], p_value_adjusted=c["p_value_adjusted"], threshold=c["threshold"],
        drifted=c["drifted"], severity=c["severity"], reference_count=c["reference_count"], current_count=c["current_count"],
        reference_missing=c["reference_missing"], current_missing=c["current_missing"],
        new_categories=json.loads(c["new_categories"]) if c["new_categories"] else {}, note=c["note"] or "",
        distribution=json.loads(c["distribution"]) if c["distribution"] else {},
    ) for c in column_rows]
    mv = MultivariateDrift(**json.loads(row["multivariate"])) if row["multivariate"] else None
    options = json.loads(row["options"]) if row["options"] else {}
    return DriftReport(
        report_id=row["report_id"], created_at=row["created_at"], reference=row["reference"], current=row["current"],
        reference_rows=row["reference_rows"], current_rows=row["current_rows"], columns=lines,
        drift_share=row["drift_share"], drift_share_threshold=row["drift_share_threshold"], drifted=row["drifted"],
        correction=row["correction"], multivariate=mv,
        reference_dataset=(row["reference_name"], row["reference_version"]),
        current_dataset=(row["current_name"], row["current_version"]), model=(row["model_name"], row["model_version"]),
        run_id=row["run_id"], options=options,
        seconds=row["seconds"], saved=True,
    )


def drift_history(dataset: str | None = None, limit: int | None = None, *, model: str | None = None):
    """Saved drift reports, oldest first, as a DataFrame; ``dataset`` keeps the reports whose
    reference or current data is a version of that dataset, ``model`` those of a model's versions.

    >>> drift_history("churn")[["created_at", "current", "drift_share", "drifted"]]     # doctest: +SKIP
    """
    from ..datasets.refs import parse_ref

    where, params = "", []
    if dataset is not None:
        name, version = parse_ref(dataset)
        where = "WHERE (reference_name = ? OR current_name = ?)"
        params = [name, name]
        if version is not None:
            where = "WHERE ((reference_name = ? AND reference_version = ?) OR (current_name = ? AND current_version = ?))"
            params = [name, version, name, version]
    if model is not None:
        where += (" AND " if where else "WHERE ") + "model_name = ?"
        params.append(str(model).split("/")[0].split("@")[0])
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise InvalidInput(f"limit must be a positive whole number, got {limit!r}")
    query = (f"SELECT * FROM (SELECT {_REPORT_COLUMNS} FROM drift_reports {where} "
             f"ORDER BY created_at DESC, report_id {'LIMIT ' + str(limit) if limit else ''}) ORDER BY created_at, report_id")
    with open_store().connect() as con:
        return con.execute(query, params).df()


def latest_drift_reports():
    """The latest report per dataset (by the reference's name, else the current's), as a DataFrame."""
    with open_store().connect() as con:
        return con.execute(
            f"""SELECT * EXCLUDE (rank) FROM (
                    SELECT coalesce(reference_name, current_name) AS dataset, {_REPORT_COLUMNS},
                           count(*) OVER (PARTITION BY coalesce(reference_name, current_name)) AS reports,
                           row_number() OVER (PARTITION BY coalesce(reference_name, current_name)
                                              ORDER BY created_at DESC, report_id) AS rank
                    FROM drift_reports)
                WHERE rank = 1 ORDER BY created_at DESC"""
        ).df()
