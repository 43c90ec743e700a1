"""A light feature store in the same DuckDB file: feature tables and point-in-time training sets.

A feature table is a registered dataset plus its entity key, event-time column, features and an
optional time-to-live. A training set joins label rows to feature values that were known at the
label's time: for each label, the latest feature row with ``event_time <= label_time`` (DuckDB's
ASOF join), dropped if older than the TTL. Later rows, including late-arriving corrections
stamped after the label, never leak into it. The result is registered as a dataset version whose
``definition`` records exactly how it was built.

>>> define_feature_table("customer_stats", "customer_stats@3", entity="customer_id",
...                      event_time="as_of", ttl="30d")                                 # doctest: +SKIP
>>> build_training_set(labels, ["customer_stats"], label_time="churned_at", name="churn_train")  # doctest: +SKIP
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..errors import InvalidInput, NotFound, closest
from ..store import open_store
from .profile import quote
from .refs import check_name, parse_ref


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass
class FeatureTable:
    """A feature table definition."""

    name: str
    dataset: str
    version: int | None
    entity: list
    event_time: str
    features: list
    ttl_seconds: float | None
    description: str | None = None


def _seconds(ttl) -> float | None:
    if ttl is None:
        return None
    if isinstance(ttl, timedelta):
        return ttl.total_seconds()
    if isinstance(ttl, (int, float)) and not isinstance(ttl, bool) and ttl > 0:
        return float(ttl)
    if isinstance(ttl, str):
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", ttl.lower())
        if match:
            return float(match[1]) * _UNITS[match[2]]
    raise InvalidInput(f"ttl must be a duration such as '7d', '12h', '30m', a timedelta or seconds > 0, got {ttl!r}")


def _columns(value) -> list:
    return [value] if isinstance(value, str) else list(value)


def define_feature_table(name: str, source, entity, event_time: str, features=None, ttl=None,
                         description: str | None = None) -> FeatureTable:
    """Define (or redefine) feature table ``name`` over a dataset ref or a DataFrame.

    A DataFrame is registered first as dataset ``name``. ``features`` defaults to every column
    but the entity and event-time columns. A ref without ``@version`` follows the latest version.

    >>> define_feature_table("customer_stats", stats_df, entity="customer_id", event_time="as_of", ttl="30d")  # doctest: +SKIP
    """
    from .registry import describe_dataset, register_dataset

    check_name(name)
    if not isinstance(source, str):
        source = register_dataset(source, name, description).name  # follows the latest version
    dataset, pinned = parse_ref(source)
    version = describe_dataset(source)
    entity = _columns(entity)
    schema = version.schema
    features = _columns(features) if features is not None else [c for c in schema if c not in entity and c != event_time]
    for column in [*entity, event_time, *features]:
        if column not in schema:
            raise InvalidInput(f"feature table {name!r}: {version.ref} has no column {column!r}{closest(column, schema)}")
    if not schema[event_time].upper().startswith(("TIMESTAMP", "DATE")):
        raise InvalidInput(f"event_time column {event_time!r} is {schema[event_time]}; it must be a date or timestamp")
    if not features:
        raise InvalidInput(f"feature table {name!r} has no feature columns; name them with features=[...]")
    table = FeatureTable(name, dataset, pinned, entity, event_time, features, _seconds(ttl), description)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with open_store().connect() as con:
        con.execute(
            "INSERT OR REPLACE INTO feature_tables VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [name, dataset, pinned, entity, event_time, features, table.ttl_seconds, description, now],
        )
    return table


def get_feature_table(name: str) -> FeatureTable:
    with open_store().connect() as con:
        row = con.execute(
            "SELECT name, dataset, version, entity, event_time, features, ttl_seconds, description FROM feature_tables WHERE name = ?",
            [name],
        ).fetchone()
        if row is None:
            known = [n for (n,) in con.execute("SELECT name FROM feature_tables").fetchall()]
            raise NotFound(f"no feature table {name!r}{closest(name, known)}; define it with define_feature_table(...)")
    return FeatureTable(row[0], row[1], row[2], list(row[3]), row[4], list(row[5]), row[6], row[7])


def build_training_set(labels, features: list, label_time: str, name: str, description: str | None = None):
    """Join ``labels`` (a DataFrame or dataset ref) point-in-time to feature tables; register the result.

    Each feature table's entity columns must exist in ``labels`` under the same names. Returns the
    registered DatasetVersion (features appended to the label columns, rows in label order).

    >>> build_training_set(labels_df, ["customer_stats"], label_time="churned_at", name="churn_train")  # doctest: +SKIP
    <DatasetVersion churn_train@1: 7,043 rows x 9 columns, snapshot>
    """
    import duckdb
    import pandas as pd

    from .registry import _memory_connection, describe_dataset, register_dataset

    check_name(name)
    con = _memory_connection()
    if isinstance(labels, pd.DataFrame):
        label_ref = "dataframe"
        con.register("_labels", labels)
    else:
        version = describe_dataset(labels)
        label_ref = version.ref
        con.read_parquet(version.path).create_view("_labels")
    label_columns = [r[0] for r in con.execute("DESCRIBE _labels").fetchall()]
    if label_time not in label_columns:
        raise InvalidInput(f"labels have no column {label_time!r}{closest(label_time, label_columns)}")
    tables, joins, selected, params = [], [], [], []
    taken = set(label_columns)
    for index, table_name in enumerate(_columns(features)):
        table = get_feature_table(table_name)
        version = describe_dataset(f"{table.dataset}@{table.version}" if table.version else table.dataset)
        missing = [c for c in table.entity if c not in label_columns]
        if missing:
            raise InvalidInput(f"labels lack the entity column(s) {missing} of feature table {table_name!r}")
        clash = [f for f in table.features if f in taken]
        if clash:
            raise InvalidInput(f"feature(s) {clash} of {table_name!r} clash with columns already in the training set; "
                               "rename them in the feature table's dataset")
        taken.update(table.features)
        on = " AND ".join(f"l.{quote(c)} = f.{quote(c)}" for c in table.entity)
        keep = "TRUE" if table.ttl_seconds is None else f"f.{quote(table.event_time)} >= l.{quote(label_time)} - to_seconds(?)"
        values = ", ".join(f"CASE WHEN {keep} THEN f.{quote(c)} END AS {quote(c)}" for c in table.features)
        joins.append(
            f"LEFT JOIN (SELECT l.__row, {values} FROM labels l ASOF LEFT JOIN read_parquet(?) f "
            f"ON {on} AND l.{quote(label_time)} >= f.{quote(table.event_time)}) j{index} ON j{index}.__row = l.__row"
        )
        params += ([table.ttl_seconds] * len(table.features) if table.ttl_seconds is not None else []) + [version.path]
        selected += [f"j{index}.{quote(c)}" for c in table.features]
        tables.append({"table": table_name, "dataset": version.ref, "entity": table.entity, "event_time": table.event_time,
                       "features": table.features, "ttl_seconds": table.ttl_seconds})
    sql = (f"WITH labels AS (SELECT *, row_number() OVER () AS __row FROM _labels) "
           f"SELECT l.* EXCLUDE (__row), {', '.join(selected)} FROM labels l {' '.join(joins)} ORDER BY l.__row")
    definition = {"kind": "feature-set", "labels": label_ref, "label_time": label_time, "tables": tables}
    with tempfile.TemporaryDirectory(dir=open_store().home) as scratch:
        target = Path(scratch) / "training.parquet"
        try:
            con.execute(f"COPY ({sql}) TO ? (FORMAT parquet, COMPRESSION zstd)", params + [str(target)])
        except duckdb.Error as e:
            raise InvalidInput(f"building {name!r} failed: {str(e).splitlines()[0]} (check that label and event "
                               "times have comparable types)") from None
        return register_dataset(target, name, description, definition=definition, source_label="feature-set")
