"""Data given as input, resolved in one place: a registered dataset version (``churn@1``), a DataFrame,
a Parquet/CSV path, or a scheme another package declares (serving declares ``predictions:MODEL``, a
served model's prediction log: ``predictions:churn``, ``predictions:churn@champion``, ``predictions:churn/3``).

Each becomes a ``Source``: a label, its columns with DuckDB types, its row count, and a relation
(SQL over the file or the registered frame) that a DuckDB connection can scan. Drift checks read both
their sides through ``open_source``; registration recognises frames and files with the same helpers.

>>> import duckdb, pandas as pd
>>> source = open_source(pd.DataFrame({"x": [1.5, 2.5]}), "current", duckdb.connect())
>>> source.label, source.rows, source.schema
('DataFrame (2 rows)', 2, {'x': 'DOUBLE'})
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput
from ..plugins import Registry

_SUFFIXES = (".parquet", ".csv", ".tsv", ".txt")
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}(@([0-9]+|latest))?")  # names.KINDS["dataset"], a version


@dataclass
class Source:
    """One side of a check."""

    role: str  # "reference" or "current"
    label: str  # shown in reports: "churn@1", "DataFrame", "current.parquet"
    schema: dict  # column -> DuckDB type
    rows: int
    relation: str
    params: list
    version: object = None  # the DatasetVersion of a registered dataset

    @property
    def dataset(self) -> tuple[str | None, int | None]:
        return (self.version.name, self.version.version) if self.version is not None else (None, None)


# "scheme:rest" inputs declared by other packages: scheme -> callable(text) -> (DataFrame, label).
INPUT_SCHEMES = Registry("input scheme")


def input_scheme(name: str):
    """Declare ``name:...`` inputs: the decorated ``reader(text) -> (DataFrame, label)`` resolves them."""
    return INPUT_SCHEMES.register(name)


def is_frame(data) -> bool:
    """Whether ``data`` is a pandas DataFrame (pandas is not imported to find out: no frame exists without it)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(data, pandas.DataFrame)


def _scheme_of(data) -> str | None:
    if isinstance(data, str) and ":" in data:
        scheme = data.split(":", 1)[0]
        return scheme if scheme in INPUT_SCHEMES else None
    return None


def _file_relation(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "SELECT * FROM read_parquet(?)"
    if suffix in (".csv", ".tsv", ".txt"):
        return "SELECT * FROM read_csv(?)"
    raise InvalidInput(
        f"cannot read {path.name} for a drift check: give a .parquet or .csv file, a DataFrame or a dataset like 'churn@1'"
    )


def _describe(con, relation: str, params: list) -> dict:
    return {name: dtype for name, dtype, *_ in con.execute(f"DESCRIBE {relation}", params).fetchall()}


def _count(con, relation: str, params: list) -> int:
    return con.execute(f"SELECT count(*) FROM ({relation}) t", params).fetchall()[0][0]


def check_frame(frame, role: str | None = None, *, require_rows: bool = False) -> None:
    """InvalidInput naming the fix for a frame DuckDB cannot store faithfully: duplicate column names,
    a column mixing value types, or (``require_rows``) no rows or no columns. ``role`` names the frame.

    >>> import pandas as pd
    >>> check_frame(pd.DataFrame({"a": [1, "two"]}), "current")
    Traceback (most recent call last):
    ...
    jupyter_mlops.errors.InvalidInput: column 'a' of the current data mixes value types (int, str); make it one type, ...
    """
    import pandas as pd

    if frame.columns.duplicated().any():
        dupes = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        named = f"the {role} frame" if role else "the frame"
        raise InvalidInput(f"{named} has duplicate column names {dupes}; rename them (e.g. df.columns = [...])")
    if require_rows and (len(frame.columns) == 0 or len(frame) == 0):
        raise InvalidInput("the frame is empty (no rows or no columns); register data with at least one row")
    for column in frame.columns:
        if frame[column].dtype == object:
            kind = pd.api.types.infer_dtype(frame[column], skipna=True)
            if kind.startswith("mixed"):
                types = sorted({type(v).__name__ for v in frame[column].dropna().head(1000)})
                of = f" of the {role} data" if role else ""
                raise InvalidInput(
                    f"column {column!r}{of} mixes value types ({', '.join(types)}); make it one type, "
                    f"e.g. df[{column!r}] = df[{column!r}].astype(str)"
                )


def require_file(version) -> None:
    """NotFound when the file of a registered version is gone (removed by hand, or a moved store)."""
    if not Path(version.path).exists():
        from ..errors import NotFound

        raise NotFound(f"the file of {version.ref} is missing: {version.path}; restore it or register the data again")


def open_source(data, role: str, con) -> Source:
    """Resolve ``data`` (a dataset ref, a DataFrame or a file path) for scanning on ``con``."""
    if is_frame(data):
        check_frame(data, role)
        view = f"_drift_{role}"
        con.register(view, data)
        relation = f"SELECT * FROM {view}"
        return Source(role, f"DataFrame ({len(data):,} rows)", _describe(con, relation, []), len(data), relation, [])
    if isinstance(data, (str, os.PathLike)) and Path(data).is_file():
        path = Path(data).absolute()
        relation = _file_relation(path)
        return Source(
            role,
            path.name,
            _describe(con, relation, [str(path)]),
            _count(con, relation, [str(path)]),
            relation,
            [str(path)],
        )
    if isinstance(data, (str, os.PathLike)) and str(data).lower().endswith(_SUFFIXES):
        from ..errors import NotFound

        raise NotFound(
            f"{role} file {str(data)[:200]!r} does not exist; give an existing .parquet/.csv path, "
            "a DataFrame or a dataset like 'churn@1'"
        )
    if scheme := _scheme_of(data):  # e.g. predictions:MODEL, a served model's prediction log
        frame, label = INPUT_SCHEMES.get(scheme)(data)
        source = open_source(frame, role, con)
        source.label = label
        return source
    if isinstance(data, str) and ("@" in data or _REF.fullmatch(data)):
        from .registry import describe_dataset

        version = describe_dataset(data)
        path = Path(version.path)
        if role == "current":  # a registered reference is read from its stored sketch, not its file
            require_file(version)
        csv = version.storage == "reference" and version.source.startswith("csv:")
        relation = "SELECT * FROM read_csv(?)" if csv else "SELECT * FROM read_parquet(?)"
        return Source(role, version.ref, dict(version.schema), version.rows, relation, [str(path)], version)
    from .registry import DatasetVersion

    if isinstance(data, DatasetVersion):
        return open_source(data.ref, role, con)
    if isinstance(data, (str, os.PathLike)):
        raise InvalidInput(
            f"{role} {str(data)[:80]!r} is neither a registered dataset (like 'churn@1') nor an existing .parquet/.csv file"
        )
    raise InvalidInput(
        f"{role} must be a dataset like 'churn@1', a DataFrame or a Parquet/CSV path; got {type(data).__name__}"
    )
