"""Registering and reading dataset versions.

>>> v = register_dataset(df, "churn", description="weekly extract")   # doctest: +SKIP
>>> v.ref, v.rows
('churn@1', 7043)
>>> load_dataset("churn@latest")                                       # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..errors import InvalidInput, MlopsError, NotFound
from ..store import open_store
from .profile import profile_relation
from .refs import check_name, parse_ref
from ..store.transaction import rollback

MEMORY_LIMIT = "768MB"  # DuckDB's budget while profiling, so large files do not take the machine


class DataChanged(MlopsError):
    """A dataset registered by reference no longer has the content it was registered with."""

    http_status = 409


@dataclass
class DatasetVersion:
    """One registered version: identity, fingerprint, schema, row count and column profile."""

    name: str
    version: int
    fingerprint: str
    rows: int
    schema: dict
    storage: str
    path: str
    source: str
    created_at: datetime
    description: str | None = None
    tags: dict = field(default_factory=dict)
    definition: dict | None = None
    run_id: str | None = None
    columns: list = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def __repr__(self) -> str:
        return f"<DatasetVersion {self.ref}: {self.rows:,} rows x {len(self.schema)} columns, {self.storage}>"

    def profile(self):
        """The column profile as a DataFrame (one row per column)."""
        import pandas as pd

        return pd.DataFrame(self.columns)

    def _repr_html_(self) -> str:
        from ..widgets.dataset import profile_html

        return profile_html(self)


def _memory_connection():
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    return con


def _check_frame(frame) -> None:
    import pandas as pd

    if frame.columns.duplicated().any():
        dupes = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise InvalidInput(f"the frame has duplicate column names {dupes}; rename them (e.g. df.columns = [...])")
    if len(frame.columns) == 0 or len(frame) == 0:
        raise InvalidInput("the frame is empty (no rows or no columns); register data with at least one row")
    for column in frame.columns:
        if frame[column].dtype == object:
            kind = pd.api.types.infer_dtype(frame[column], skipna=True)
            if kind.startswith("mixed"):
                types = sorted({type(v).__name__ for v in frame[column].dropna().head(1000)})
                raise InvalidInput(
                    f"column {column!r} mixes value types ({', '.join(types)}); make it one type, "
                    f"e.g. df[{column!r}] = df[{column!r}].astype(str)"
                )


def _materialize(data, con, scratch: Path, snapshot: bool) -> tuple[str, str, Path | None]:
    """Return (relation SQL over a Parquet/CSV file, source description, file to snapshot)."""
    target = scratch / "data.parquet"
    if type(data).__module__.startswith("pandas") and type(data).__name__ == "DataFrame":
        _check_frame(data)
        con.register("_frame", data)
        con.execute("COPY (SELECT * FROM _frame) TO ? (FORMAT parquet, COMPRESSION zstd)", [str(target)])
        con.unregister("_frame")
        return "SELECT * FROM read_parquet(?)", "dataframe", target
    if isinstance(data, (str, os.PathLike)) and Path(data).is_file():
        path = Path(data).absolute()
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            return "SELECT * FROM read_parquet(?)", f"parquet:{path}", path
        if suffix in (".csv", ".tsv", ".txt"):
            if not snapshot:
                return "SELECT * FROM read_csv(?)", f"csv:{path}", path
            con.execute("COPY (SELECT * FROM read_csv(?)) TO ? (FORMAT parquet, COMPRESSION zstd)", [str(path), str(target)])
            return "SELECT * FROM read_parquet(?)", f"csv:{path}", target
        raise InvalidInput(f"cannot register {path.name}: give a .parquet or .csv file, a DataFrame, or a SQL query")
    if isinstance(data, str) and data.lstrip()[:6].upper().startswith(("SELECT", "WITH", "FROM", "VALUES")):
        # The query may read the store's tables, and nothing else: it runs read-only, and only the
        # snapshot file chosen here is written.
        open_store().query_to_parquet(data, target)
        return "SELECT * FROM read_parquet(?)", f"sql:{data.strip()}", target
    if isinstance(data, (str, os.PathLike)):
        raise InvalidInput(f"{str(data)[:80]!r} is neither an existing .parquet/.csv file nor a SQL query (SELECT/WITH/FROM ...)")
    raise InvalidInput(f"register_dataset takes a DataFrame, a Parquet or CSV path, or a SQL query; got {type(data).__name__}")


def register_dataset(data, name: str, description: str | None = None, tags: dict | None = None, *,
                     snapshot: bool = True, definition: dict | None = None,
                     source_label: str | None = None) -> DatasetVersion:
    """Register ``data`` as the next version of dataset ``name``; return its DatasetVersion.

    ``data`` is a DataFrame, a Parquet or CSV path, or a DuckDB SQL query (which may read the
    store's own tables). The content is profiled by DuckDB; the same content registered again
    returns the existing version. By default the data is snapshotted as Parquet in the artifact
    store; ``snapshot=False`` references a file in place, and its fingerprint is checked on load.

    >>> register_dataset("data/churn.parquet", "churn", tags={"source": "crm"})   # doctest: +SKIP
    <DatasetVersion churn@1: 7,043 rows x 21 columns, snapshot>
    """
    check_name(name)
    if tags is not None and not isinstance(tags, dict):
        raise InvalidInput(f"tags must be a dict such as {{'source': 'crm'}}, got {type(tags).__name__}")
    store = open_store()
    con = _memory_connection()
    with tempfile.TemporaryDirectory(dir=store.home) as scratch:
        relation, source, file = _materialize(data, con, Path(scratch), snapshot)
        source = source_label or source
        profile = profile_relation(con, relation, [str(file)])
        if profile.rows == 0:
            raise InvalidInput(f"{source.split(':', 1)[0]} data for {name!r} has no rows; register data with at least one row")
        version = _find_fingerprint(name, profile.fingerprint)
        if version is None:
            digest = store.blobs.put_file(file)[0] if snapshot else None  # a large copy: outside any lock
            # The database first, then the blob lock, in the order gc takes them.
            with store.connect(), store.blobs.referencing():
                if digest is not None and not store.blobs.path(digest).exists():
                    store.blobs.put_file(file)  # gc removed it between the copy and now
                version = _insert_version(store, name, profile, source, digest, None if snapshot else str(file),
                                          description, tags or {}, definition)
            from ..drift.reference import store_reference_sketch  # the drift reference: one more scan

            store_reference_sketch(store, version, relation, [str(file)], profile)
    if source_label is None and source == "dataframe":
        from .lineage import remember_frame

        remember_frame(data, version)
    return version


def _find_fingerprint(name: str, fingerprint: str) -> DatasetVersion | None:
    with open_store().connect() as con:
        row = con.execute("SELECT version FROM dataset_versions WHERE name = ? AND fingerprint = ?", [name, fingerprint]).fetchone()
    return describe_dataset(f"{name}@{row[0]}") if row else None


def _insert_version(store, name, profile, source, digest, path, description, tags, definition) -> DatasetVersion:
    from ..tracking.runs import active_run

    run = active_run()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("INSERT INTO datasets VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING", [name, description, now])
            version = con.execute("SELECT coalesce(max(version), 0) + 1 FROM dataset_versions WHERE name = ?", [name]).fetchone()[0]
            con.execute(
                "INSERT INTO dataset_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [name, version, profile.fingerprint, profile.rows, json.dumps(profile.schema),
                 "snapshot" if digest else "reference", digest, path, source, description, json.dumps(tags),
                 json.dumps(definition) if definition else None, run.run_id if run else None, now],
            )
            for c in profile.columns:
                con.execute(
                    "INSERT INTO dataset_columns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [name, version, c["position"], c["column_name"], c["type"], c["kind"], c["null_share"],
                     c["distinct_count"], c["min"], c["max"], c["mean"], c["std"], c["quantiles"],
                     json.dumps(c["categories"]) if c["categories"] is not None else None, c["other_count"]],
                )
            con.execute("COMMIT")
        except BaseException as error:
            rollback(con, error)
            raise
    if run is not None:
        from .lineage import record_link

        record_link(run, name, version, "output")
    return describe_dataset(f"{name}@{version}")


def _resolve(con, ref: str) -> tuple[str, int]:
    name, version = parse_ref(ref)
    versions = [v for (v,) in con.execute("SELECT version FROM dataset_versions WHERE name = ? ORDER BY version", [name]).fetchall()]
    if not versions:
        from ..errors import closest

        names = [n for (n,) in con.execute("SELECT name FROM datasets").fetchall()]
        raise NotFound(f"no dataset {name!r}{closest(name, names)}; register it with register_dataset(data, {name!r})")
    if version is None:
        return name, versions[-1]
    if version not in versions:
        listed = f"{versions[0]}-{versions[-1]}" if versions == list(range(versions[0], versions[-1] + 1)) else ", ".join(map(str, versions))
        raise NotFound(f"dataset {name!r} has no version {version}; versions are {listed}")
    return name, version


def describe_dataset(ref: str) -> DatasetVersion:
    """Return a version (default: the latest) with its schema and column profile.

    >>> describe_dataset("churn@2").profile()[["column_name", "null_share", "mean"]]   # doctest: +SKIP
    """
    store = open_store()
    with store.connect() as con:
        name, version = _resolve(con, ref)
        row = con.execute(
            """SELECT fingerprint, row_count, schema, storage, sha256, path, source, created_at, description,
                      tags, definition, run_id FROM dataset_versions WHERE name = ? AND version = ?""",
            [name, version],
        ).fetchone()
        cursor = con.execute(
            "SELECT * EXCLUDE (name, version) FROM dataset_columns WHERE name = ? AND version = ? ORDER BY position",
            [name, version],
        )
        names = [d[0] for d in cursor.description]
        columns = [dict(zip(names, values)) for values in cursor.fetchall()]
    fingerprint, rows, schema, storage, digest, path, source, created, description, tags, definition, run_id = row
    for column in columns:
        column["quantiles"] = list(column["quantiles"]) if column["quantiles"] is not None else None
        column["categories"] = json.loads(column["categories"]) if column["categories"] else None
    location = str(store.blobs.path(digest)) if digest else path
    return DatasetVersion(name, version, fingerprint, rows, json.loads(schema), storage, location, source, created,
                          description, json.loads(tags) if tags else {}, json.loads(definition) if definition else None,
                          run_id, columns)


def dataset_versions(name: str) -> list[DatasetVersion]:
    """Every version of dataset ``name``, oldest first.

    >>> [v.ref for v in dataset_versions("churn")]    # doctest: +SKIP
    ['churn@1', 'churn@2']
    """
    with open_store().connect() as con:
        _resolve(con, name)  # NotFound, with a suggestion, for an unknown name
        versions = [v for (v,) in con.execute("SELECT version FROM dataset_versions WHERE name = ? ORDER BY version", [name]).fetchall()]
        return [describe_dataset(f"{name}@{v}") for v in versions]


def dataset_path(ref: str) -> Path:
    """The Parquet file of a snapshotted version (or the referenced file), for DuckDB users.

    >>> duckdb.sql(f"SELECT count(*) FROM '{dataset_path('churn@2')}'")   # doctest: +SKIP
    """
    return Path(describe_dataset(ref).path)


def load_dataset(ref: str):
    """Read a version into a pandas DataFrame; inside a run, the run records it as an input.

    A version registered by reference is checked first: if the file's content changed since
    registration, ``DataChanged`` is raised instead of silently returning other data.

    >>> df = load_dataset("churn@latest")     # doctest: +SKIP
    """
    version = describe_dataset(ref)
    con = _memory_connection()
    relation = "SELECT * FROM read_parquet(?)" if version.source.split(":", 1)[0] != "csv" or version.storage == "snapshot" else "SELECT * FROM read_csv(?)"
    if not Path(version.path).exists():
        raise NotFound(f"the file of {version.ref} is missing: {version.path}; restore it or register the data again")
    if version.storage == "reference":
        current = profile_relation(con, relation, [version.path]).fingerprint
        if current != version.fingerprint:
            raise DataChanged(
                f"{version.path} changed since it was registered as {version.ref}; "
                f"register the new content with register_dataset({version.path!r}, {version.name!r})"
            )
    frame = con.execute(relation, [version.path]).df()
    from .lineage import remember_frame, record_input

    remember_frame(frame, version)
    record_input(version)
    return frame


def list_datasets():
    """Every dataset with its latest version; return a DataFrame.

    >>> list_datasets()[["name", "latest_version", "rows"]]    # doctest: +SKIP
    """
    with open_store().connect() as con:
        return con.execute(
            """SELECT d.name, max(v.version) AS latest_version, count(*) AS versions,
                      arg_max(v.row_count, v.version) AS rows, arg_max(v.storage, v.version) AS storage,
                      max(v.created_at) AS updated_at, d.description
               FROM datasets d JOIN dataset_versions v USING (name) GROUP BY d.name, d.description ORDER BY d.name"""
        ).df()
