"""The two sides of a check: a registered dataset version, a DataFrame, a Parquet/CSV path, or a
served model's prediction log (``predictions:churn``, ``predictions:churn@champion``, ``predictions:churn/3``).

Each becomes a ``Source``: a label, its columns with DuckDB types, its row count, and a relation
(SQL over the file or the registered frame) that a DuckDB connection can scan.

>>> source = open_source("data/current.parquet", "current", con)    # doctest: +SKIP
>>> source.label, source.rows                                          # doctest: +SKIP
('current.parquet', 100000)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput

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


def _is_frame(data) -> bool:
    return type(data).__name__ == "DataFrame" and type(data).__module__.startswith("pandas")


def _file_relation(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "SELECT * FROM read_parquet(?)"
    if suffix in (".csv", ".tsv", ".txt"):
        return "SELECT * FROM read_csv(?)"
    raise InvalidInput(f"cannot read {path.name} for a drift check: give a .parquet or .csv file, a DataFrame or a dataset like 'churn@1'")


def _describe(con, relation: str, params: list) -> dict:
    return {name: dtype for name, dtype, *_ in con.execute(f"DESCRIBE {relation}", params).fetchall()}


def _count(con, relation: str, params: list) -> int:
    return con.execute(f"SELECT count(*) FROM ({relation}) t", params).fetchall()[0][0]


def _check_frame(frame, role: str) -> None:
    import pandas as pd

    if frame.columns.duplicated().any():
        dupes = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise InvalidInput(f"the {role} frame has duplicate column names {dupes}; rename them (e.g. df.columns = [...])")
    for column in frame.columns:
        if frame[column].dtype == object:
            kind = pd.api.types.infer_dtype(frame[column], skipna=True)
            if kind.startswith("mixed"):
                raise InvalidInput(
                    f"column {column!r} of the {role} data mixes value types; make it one type, "
                    f"e.g. df[{column!r}] = df[{column!r}].astype(str)"
                )


def require_file(version) -> None:
    """NotFound when the file of a registered version is gone (removed by hand, or a moved store)."""
    if not Path(version.path).exists():
        from ..errors import NotFound

        raise NotFound(f"the file of {version.ref} is missing: {version.path}; restore it or register the data again")


def open_source(data, role: str, con) -> Source:
    """Resolve ``data`` (a dataset ref, a DataFrame or a file path) for scanning on ``con``."""
    if _is_frame(data):
        _check_frame(data, role)
        view = f"_drift_{role}"
        con.register(view, data)
        relation = f"SELECT * FROM {view}"
        return Source(role, f"DataFrame ({len(data):,} rows)", _describe(con, relation, []), len(data), relation, [])
    if isinstance(data, (str, os.PathLike)) and Path(data).is_file():
        path = Path(data).absolute()
        relation = _file_relation(path)
        return Source(role, path.name, _describe(con, relation, [str(path)]), _count(con, relation, [str(path)]),
                      relation, [str(path)])
    if isinstance(data, (str, os.PathLike)) and str(data).lower().endswith(_SUFFIXES):
        from ..errors import NotFound

        raise NotFound(f"{role} file {str(data)[:200]!r} does not exist; give an existing .parquet/.csv path, "
                       "a DataFrame or a dataset like 'churn@1'")
    if isinstance(data, str) and data.startswith("predictions:"):  # a served model's prediction log
        from ..serving.read_log import drift_frame

        frame, label = drift_frame(data)
        source = open_source(frame, role, con)
        source.label = label
        return source
    if isinstance(data, str) and ("@" in data or _REF.fullmatch(data)):
        from ..datasets import describe_dataset

        version = describe_dataset(data)
        path = Path(version.path)
        if role == "current":  # a registered reference is read from its stored sketch, not its file
            require_file(version)
        csv = version.storage == "reference" and version.source.startswith("csv:")
        relation = "SELECT * FROM read_csv(?)" if csv else "SELECT * FROM read_parquet(?)"
        return Source(role, version.ref, dict(version.schema), version.rows, relation, [str(path)], version)
    if type(data).__name__ == "DatasetVersion":
        return open_source(data.ref, role, con)
    if isinstance(data, (str, os.PathLike)):
        raise InvalidInput(
            f"{role} {str(data)[:80]!r} is neither a registered dataset (like 'churn@1') nor an existing .parquet/.csv file"
        )
    raise InvalidInput(f"{role} must be a dataset like 'churn@1', a DataFrame or a Parquet/CSV path; got {type(data).__name__}")
