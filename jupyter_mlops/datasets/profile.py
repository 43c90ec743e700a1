"""Profiling a table with DuckDB in one scan (plus one small GROUP BY per categorical column).

Works on Parquet/CSV files of any size without loading them into pandas: approximate distinct
counts and t-digest quantiles keep memory flat. The same pass computes the content fingerprint:
a hash of the schema, the row count and the sum of per-row hashes (so row order is ignored and
duplicate rows still count).

>>> import duckdb
>>> con = duckdb.connect()
>>> profile_relation(con, "SELECT * FROM range(10) t(x)", []).columns[0]["kind"]
'numeric'
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

QUANTILES = [i / 100 for i in range(101)]
TOP_CATEGORIES = 50
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
            "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
_TEMPORAL = ("DATE", "TIMESTAMP", "TIME")


def quote(identifier: str) -> str:
    """A column name as a SQL identifier (double quotes doubled): names are never spliced raw."""
    return '"' + str(identifier).replace('"', '""') + '"'


def column_kind(duckdb_type: str) -> str:
    t = duckdb_type.upper()
    if t.startswith(_NUMERIC):
        return "numeric"
    if t == "BOOLEAN":
        return "boolean"
    if t.startswith(_TEMPORAL):
        return "temporal"
    if t in ("VARCHAR", "UUID") or t.startswith("ENUM"):
        return "categorical"
    return "other"


@dataclass
class Profile:
    """Schema, row count, fingerprint and per-column statistics of one table."""

    schema: dict
    rows: int
    fingerprint: str
    columns: list


def profile_relation(con, relation_sql: str, params: list) -> Profile:
    """Profile ``SELECT ...`` (with ``params``) on ``con``; return a Profile."""
    described = con.execute(f"DESCRIBE {relation_sql}", params).fetchall()
    schema = {name: dtype for name, dtype, *_ in described}
    aggregates = ["count(*)", "sum(hash(t)::HUGEINT)::VARCHAR"]
    for name, dtype in schema.items():
        col, kind = quote(name), column_kind(dtype)
        aggregates += [f"count({col})", f"approx_count_distinct({col})", f"min({col})::VARCHAR", f"max({col})::VARCHAR"]
        value = {"numeric": f"{col}::DOUBLE", "temporal": f"epoch({col})::DOUBLE", "boolean": f"{col}::INTEGER::DOUBLE"}.get(kind)
        if value is None:
            aggregates += ["NULL", "NULL", "NULL"]
        else:
            aggregates += [f"avg({value})", f"stddev_samp({value})", f"approx_quantile({value}, {QUANTILES})"]
    row = con.execute(f"SELECT {', '.join(aggregates)} FROM ({relation_sql}) t", params).fetchone()
    rows, row_hash = row[0], row[1]
    columns = []
    for position, (name, dtype) in enumerate(schema.items()):
        non_null, distinct, low, high, mean, std, quantiles = row[2 + 7 * position: 9 + 7 * position]
        kind = column_kind(dtype)
        profile = {
            "position": position, "column_name": name, "type": dtype, "kind": kind,
            "null_share": (rows - non_null) / rows if rows else 0.0, "distinct_count": distinct,
            "min": low, "max": high, "mean": mean, "std": std, "quantiles": quantiles,
            "categories": None, "other_count": None,
        }
        if kind in ("categorical", "boolean"):
            top = con.execute(
                f"SELECT {quote(name)}::VARCHAR AS v, count(*) AS n FROM ({relation_sql}) t "
                f"WHERE {quote(name)} IS NOT NULL GROUP BY 1 ORDER BY n DESC, v LIMIT {TOP_CATEGORIES}",
                params,
            ).fetchall()
            profile["categories"] = [[v, n] for v, n in top]
            profile["other_count"] = non_null - sum(n for _, n in top)
        columns.append(profile)
    digest = hashlib.sha256(json.dumps([schema, rows, row_hash]).encode()).hexdigest()
    return Profile(schema, rows, digest, columns)
