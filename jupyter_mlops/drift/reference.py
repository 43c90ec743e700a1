"""Reference sketches: computed once per dataset version (at registration) and stored, so a
check against a registered reference scans only the current data.

Stored per column in ``dataset_sketches`` (numeric: edges, per-bin counts and offsets, ties;
categorical: every category's count, up to ``MAX_CATEGORIES``), plus a uniform row sample of up to
``SAMPLE_ROWS`` rows (a Parquet blob, ``dataset_samples``) for the multivariate check. A version
registered before drift existed gets its sketch on its first check, from its stored file.

>>> sketches, sample = load_reference(describe_dataset("churn@1"))   # doctest: +SKIP
>>> sketches["age"].exact, sample.num_rows                              # doctest: +SKIP
(False, 5000)
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timezone

import numpy as np

from ..datasets.profile import QUANTILES, column_kind, quote
from .sketch import MAX_CATEGORIES, CategoricalSketch, ColumnSpec, NumericSketch, fine_edges, scan
from ..store.transaction import rollback

SAMPLE_ROWS = 5000
SKETCHED_KINDS = ("numeric", "temporal", "categorical", "boolean")


def _number(text):
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) else None


def knots_from_profile(columns: list[dict]) -> dict:
    """Quantile knots per numeric/temporal column, from a dataset profile (no extra scan)."""
    knots = {}
    for c in columns:
        if c["kind"] in ("numeric", "temporal"):
            extra = [_number(c["min"]), _number(c["max"])] if c["kind"] == "numeric" else []
            knots[c["column_name"]] = [q for q in (c.get("quantiles") or []) + extra if q is not None]
    return knots


KNOT_SAMPLE_ROWS = 200_000


def knots_by_scan(con, relation: str, params: list, schema: dict, rows: int | None = None) -> dict:
    """Quantile knots per numeric/temporal column from one aggregate DuckDB scan (t-digest), over a
    Bernoulli sample of about ``KNOT_SAMPLE_ROWS`` rows when there are more: knots only place the
    bins (every bin's content is counted exactly), so a sample places them well enough."""
    numeric = [(n, column_kind(t)) for n, t in schema.items() if column_kind(t) in ("numeric", "temporal")]
    if not numeric:
        return {}
    parts = []
    for name, kind in numeric:
        value = f"epoch({quote(name)})::DOUBLE" if kind == "temporal" else f"{quote(name)}::DOUBLE"
        finite = f"CASE WHEN isfinite({value}) THEN {value} END"
        parts += [f"approx_quantile({finite}, {QUANTILES})", f"min({finite})", f"max({finite})"]
    sample = ""
    if rows and rows > KNOT_SAMPLE_ROWS:
        sample = f" USING SAMPLE {100 * KNOT_SAMPLE_ROWS / rows:.6f} PERCENT (bernoulli, 7)"
    row = con.execute(f"SELECT {', '.join(parts)} FROM ({relation}) t{sample}", params).fetchall()[0]
    return {name: list(row[3 * i] or []) + [row[3 * i + 1], row[3 * i + 2]] for i, (name, _) in enumerate(numeric)}


def reference_specs(schema: dict, knots: dict) -> list[ColumnSpec]:
    specs = []
    for name, dtype in schema.items():
        kind = column_kind(dtype)
        if kind in ("numeric", "temporal"):
            specs.append(ColumnSpec(name, kind, fine_edges(knots.get(name, [])), track_exact=True))
        elif kind in ("categorical", "boolean"):
            specs.append(ColumnSpec(name, kind))
    return specs


def sketch_reference(con, relation: str, params: list, schema: dict, knots: dict | None = None,
                     sample_rows: int = SAMPLE_ROWS, total_rows: int | None = None):
    """Sketch every column of ``schema`` (and sample rows) in one scan; return a ScanResult."""
    if knots is None:
        knots = knots_by_scan(con, relation, params, schema)
    return scan(con, relation, params, reference_specs(schema, knots), sample_rows=sample_rows,
                total_rows=total_rows, seed=1)


def scan_connection(columns: int):
    """A DuckDB connection for a streaming scan: DuckDB reads and casts on one thread (the binning
    runs on our own threads) with a small buffer budget, since its buffers grow towards the limit."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 1")
    return limit_memory(con, columns)


def limit_memory(con, columns: int):
    con.execute(f"SET memory_limit = '{min(768, 160 + 4 * columns)}MB'")
    return con


def store_reference_sketch(store, version, relation: str, params: list, profile) -> None:
    """Sketch a just-registered version (one scan) and store it. Called by ``register_dataset``."""
    con = scan_connection(len(profile.schema))
    try:
        result = sketch_reference(con, relation, params, profile.schema, knots_from_profile(profile.columns),
                                  total_rows=profile.rows)
    finally:
        con.close()
    save_reference(store, version.name, version.version, profile.schema, result)


def save_reference(store, name: str, version: int, schema: dict, result) -> None:
    import pyarrow as pa

    rows = []
    for column, sketch in result.sketches.items():
        row = {"name": name, "version": version, "column_name": column, "kind": column_kind(schema[column]),
               "sketch": sketch.kind, "count": sketch.count, "missing": sketch.missing}
        if isinstance(sketch, NumericSketch):
            row.update(mean=sketch.mean, std=sketch.std, minimum=sketch.minimum, maximum=sketch.maximum,
                       exact=sketch.exact, edges=sketch.edges.tolist(), counts=sketch.counts.tolist(),
                       offsets=sketch.offsets.tolist(), ties=sketch.ties.tolist())
        else:
            top = list(sketch.values.items())[:MAX_CATEGORIES]
            row.update(categories=[str(v) for v, _ in top], category_counts=[int(n) for _, n in top],
                       distinct_count=sketch.distinct)
        rows.append(row)
    columns = ["name", "version", "column_name", "kind", "sketch", "count", "missing", "mean", "std", "minimum",
               "maximum", "exact", "edges", "counts", "offsets", "ties", "categories", "category_counts", "distinct_count"]
    types = {"version": pa.int32(), "count": pa.int64(), "missing": pa.int64(), "mean": pa.float64(), "std": pa.float64(),
             "minimum": pa.float64(), "maximum": pa.float64(), "exact": pa.bool_(), "edges": pa.list_(pa.float64()),
             "counts": pa.list_(pa.int64()), "offsets": pa.list_(pa.float64()), "ties": pa.list_(pa.int64()),
             "categories": pa.list_(pa.string()), "category_counts": pa.list_(pa.int64()), "distinct_count": pa.int64()}
    table = pa.table({c: pa.array([r.get(c) for r in rows], type=types.get(c, pa.string())) for c in columns})
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    # The database first, then the blob lock, as everywhere (gc takes them in that order too).
    with store.connect() as con, store.blobs.referencing():  # gc cannot remove the sample before its row lands
        digest = _put_sample(store, result.sample) if result.sample is not None else None
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM dataset_sketches WHERE name = ? AND version = ?", [name, version])
            con.register("_sketch_rows", table)
            con.execute(f"INSERT INTO dataset_sketches ({', '.join(columns)}) SELECT * FROM _sketch_rows")
            con.unregister("_sketch_rows")
            if digest is not None:
                con.execute("INSERT OR REPLACE INTO dataset_samples VALUES (?, ?, ?, ?, ?)",
                            [name, version, digest, result.sample.num_rows, now])
            con.execute("COMMIT")
        except BaseException as error:
            rollback(con, error)
            raise


def _put_sample(store, sample) -> str:
    import pyarrow.parquet as pq

    fd, path = tempfile.mkstemp(dir=store.home, prefix=".sample-", suffix=".parquet")
    os.close(fd)
    try:
        pq.write_table(sample, path, compression="zstd")
        return store.blobs.put_file(path)[0]
    finally:
        os.unlink(path)


def load_reference(version) -> tuple[dict, object]:
    """``(sketches by column, sample table or None)`` of a registered version; sketched on first use
    when it was registered before drift existed."""
    from ..store import open_store

    store = open_store()
    with store.connect() as con:
        table = con.sql("SELECT * FROM dataset_sketches WHERE name = ? AND version = ?",
                        params=[version.name, version.version]).to_arrow_table()
        sample_row = con.execute("SELECT sha256 FROM dataset_samples WHERE name = ? AND version = ?",
                                 [version.name, version.version]).fetchall()
    if table.num_rows == 0:
        _sketch_later(store, version)
        return load_reference(version)
    sketches = {}
    scalars = table.drop_columns(["edges", "counts", "offsets", "ties"]).to_pylist()
    arrays = {name: _list_rows(table.column(name)) for name in ("edges", "counts", "offsets", "ties")}
    for i, row in enumerate(scalars):
        if row["sketch"] == "numeric":
            sketches[row["column_name"]] = NumericSketch(
                row["column_name"], row["count"], row["missing"], arrays["edges"][i].astype(float),
                arrays["counts"][i].astype(np.int64), arrays["offsets"][i].astype(float),
                arrays["ties"][i].astype(np.int64), row["mean"], row["std"], row["minimum"], row["maximum"],
                bool(row["exact"]))
        else:
            values = dict(zip(row["categories"], row["category_counts"]))
            sketches[row["column_name"]] = CategoricalSketch(row["column_name"], row["count"], row["missing"], values,
                                                             row["distinct_count"])
    sample = None
    if sample_row:
        import pyarrow.parquet as pq

        with store.blobs.open_blob(sample_row[0][0]) as f:
            sample = pq.read_table(f)
    return sketches, sample


def _list_rows(column) -> list:
    """An Arrow list column as one numpy array per row (without going through Python lists)."""
    lists = column.combine_chunks()
    if lists.null_count == len(lists):
        return [None] * len(lists)
    offsets = lists.offsets.to_numpy()
    values = lists.values.to_numpy(zero_copy_only=False)
    return [values[offsets[i]:offsets[i + 1]] if lists[i].is_valid else None for i in range(len(lists))]


def _sketch_later(store, version) -> None:
    from .sources import open_source, require_file

    require_file(version)
    con = scan_connection(len(version.schema))
    try:
        source = open_source(version.ref, "reference", con)
        result = sketch_reference(con, source.relation, source.params, source.schema,
                                  knots_from_profile(version.columns), total_rows=source.rows)
    finally:
        con.close()
    save_reference(store, version.name, version.version, source.schema, result)
