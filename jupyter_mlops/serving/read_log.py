"""Reading the prediction log back: ``prediction_log()`` and the ``predictions:`` drift source.

>>> prediction_log("churn", since=timedelta(hours=1))                     # doctest: +SKIP
>>> check_drift("churn@1", "predictions:churn@champion", columns=[...])  # doctest: +SKIP
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from ..errors import InvalidInput
from ..store import open_store

DRIFT_PREFIX = "predictions:"
META_COLUMNS = ("request_id", "row_index", "model", "version", "side", "served", "latency_ms", "error",
                "predicted_at", "server_id")


def utc_naive(when, what: str = "since") -> datetime:
    """A naive UTC datetime (how the store keeps times) from a datetime, ISO text or a timedelta ago."""
    if isinstance(when, timedelta):
        return datetime.now(timezone.utc).replace(tzinfo=None) - when
    if isinstance(when, str):
        try:
            when = datetime.fromisoformat(when.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"{what} {when!r} is not a time; give ISO text such as '2025-06-01T12:00', a datetime "
                               "or a timedelta (that long ago)") from None
    elif isinstance(when, date) and not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day)
    if not isinstance(when, datetime):  # pandas Timestamps are datetimes
        raise InvalidInput(f"{what} takes a datetime, ISO text or a timedelta, got {type(when).__name__}")
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return when


def _where(model: str, version, since, side, include_shadow) -> tuple[str, list]:
    clauses, params = ["p.model = ?"], [model]
    if version is not None:
        from ..registry.refs import check_version

        clauses.append("p.version = ?")
        params.append(check_version(version, model))
    if since is not None:
        clauses.append("p.predicted_at >= ?")
        params.append(utc_naive(since))
    if side is not None:
        if side not in ("champion", "challenger"):
            raise InvalidInput(f"side is 'champion' or 'challenger', got {side!r}")
        clauses.append("p.side = ?")
        params.append(side)
    if not include_shadow:
        clauses.append("p.served")
    return " AND ".join(clauses), params


def _signature_columns(con, model: str, versions: list) -> dict:
    """``{column: dtype}`` from the newest of ``versions`` with a DataFrame signature."""
    for (signature,) in con.execute(
            "SELECT signature FROM model_versions WHERE name = ? AND version IN (SELECT unnest(?)) ORDER BY version DESC",
            [model, versions]).fetchall():
        inputs = (json.loads(signature) if signature else {}).get("inputs") or {}
        if inputs.get("type") == "dataframe":
            return {c["name"]: c.get("dtype") for c in inputs["columns"]}
    return {}


def prediction_log(model: str, since=None, version=None, limit: int | None = None, *, side: str | None = None,
                   include_shadow: bool = True):
    """The logged predictions of ``model``, oldest first; a DataFrame with one column per input feature,
    ``prediction``, ``label`` (from feedback; missing until it arrives) and the metadata columns
    ``request_id, row_index, model, version, side, served, latency_ms, error, predicted_at, server_id``.

    ``since``: a datetime (naive means UTC), ISO text or a timedelta (that long ago); ``version``:
    one version; ``limit``: the newest N rows; ``side``: ``champion`` or ``challenger``;
    ``include_shadow=False`` keeps only predictions that were returned to callers (one row per
    input, as drift checks want). A feature named like a metadata column keeps its name, and that
    metadata column is called ``mlops_<name>`` instead.

    >>> prediction_log("churn", since=timedelta(hours=1), include_shadow=False)     # doctest: +SKIP
    """
    import pandas as pd

    from ..registry.refs import check_model_name
    from ..registry.versions import _versions_of

    check_model_name(model)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidInput(f"limit is a positive number of rows, got {limit!r}")
    where, params = _where(model, version, since, side, include_shadow)
    tail = f"LIMIT {int(limit)}" if limit else ""
    with open_store().connect() as con:
        _versions_of(con, model)  # an unknown model: NotFound listing the models
        rows = con.execute(f"""SELECT * FROM (
                SELECT p.inputs, p.prediction, f.label, p.request_id, p.row_index, p.model, p.version, p.side,
                       p.served, p.latency_ms, p.error, p.predicted_at, p.server_id
                FROM predictions p LEFT JOIN prediction_feedback f USING (request_id, row_index)
                WHERE {where} ORDER BY p.predicted_at DESC, p.request_id DESC, p.row_index DESC {tail})
            ORDER BY predicted_at, request_id, row_index""", params).fetchall()
        dtypes = _signature_columns(con, model, sorted({r[6] for r in rows}) or
                                    [v for v, _ in _versions_of(con, model)])
    inputs = json.loads("[" + ",".join(r[0] or "{}" for r in rows) + "]")
    features = pd.DataFrame.from_records(inputs, columns=list(dtypes) or None) if inputs else \
        pd.DataFrame({c: pd.Series(dtype=object) for c in dtypes})
    for column, dtype in dtypes.items():
        if dtype and column in features and features[column].notna().all():
            try:
                features[column] = features[column].astype(dtype)
            except (TypeError, ValueError):
                pass  # values the signature's dtype cannot hold stay as they came
    taken = set(features.columns)
    out = {c: features[c] for c in features.columns}
    for position, name in enumerate(("prediction", "label", *META_COLUMNS), start=1):
        values = [r[position] for r in rows]
        if name in ("prediction", "label"):
            values = [None if v is None else json.loads(v) for v in values]
        out[f"mlops_{name}" if name in taken else name] = pd.Series(values, dtype=object if not values else None)
    return pd.DataFrame(out)


def drift_frame(source: str):
    """``(DataFrame, label)`` for a drift source ``predictions:churn`` / ``predictions:churn@champion`` /
    ``predictions:churn/3``: the inputs and prediction of every request served (shadow scores left out).

    >>> drift_frame("predictions:churn@champion")[1]      # doctest: +SKIP
    'predictions:churn@champion (v3, 1,204 rows)'
    """
    from ..registry.refs import parse_model_ref
    from ..registry.versions import resolve

    ref = parse_model_ref(source[len(DRIFT_PREFIX):])
    version = None
    if ref.alias is not None or ref.version is not None:
        with open_store().connect() as con:
            version = resolve(con, ref, allow_deleted=True)[1]
    frame = prediction_log(ref.name, version=version, include_shadow=False)
    if frame.empty:
        which = f"{ref.name}/{version}" if version is not None else ref.name
        raise InvalidInput(f"no predictions of {which} are logged yet, so {source!r} has no rows; serve it "
                           f"(serve({ref.name!r}) or jupyter-mlops serve {ref.name}) and send it requests first")
    metadata = {*META_COLUMNS, "label", *(f"mlops_{m}" for m in (*META_COLUMNS, "label", "prediction"))}
    kept = [c for c in frame.columns if c not in metadata]
    shown = f" (v{version}, {len(frame):,} rows)" if version is not None else f" ({len(frame):,} rows)"
    return frame[kept], source + shown

