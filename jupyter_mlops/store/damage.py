"""Recognising a damaged database file or a full disk in DuckDB's errors, so no caller sees a traceback.

>>> str(database_error(Exception('Corrupt database file: computed checksum 1 does not match'), '/s/mlops.duckdb'))
"the store database /s/mlops.duckdb is damaged (Corrupt database file: computed checksum 1 does not match); restore it with 'jupyter-mlops restore <backup>' or move it aside and run 'jupyter-mlops doctor'"
>>> database_error(Exception('Catalog Error: Table with name nope does not exist!'), '/s/mlops.duckdb') is None
True
"""

from __future__ import annotations

from pathlib import Path

from ..errors import MlopsError, StoreCorrupt
from .disk import is_disk_full, store_full

# DuckDB's words for a file it cannot read as a database (truncated, overwritten, bad checksums).
_CORRUPT_TEXT = ("not a valid duckdb database file", "could not read enough bytes", "corrupt database file",
                 "does not match stored checksum", "invalid block", "file is not a duckdb database")


def first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0].strip() if lines else type(error).__name__


def is_corrupt(error: BaseException) -> bool:
    text = str(error).lower()
    return any(marker in text for marker in _CORRUPT_TEXT)


def store_corrupt(db_path, error: BaseException) -> StoreCorrupt:
    """The one error for a database file DuckDB cannot read; names restore and doctor."""
    return StoreCorrupt(
        f"the store database {db_path} is damaged ({first_line(error)}); restore it with "
        "'jupyter-mlops restore <backup>' or move it aside and run 'jupyter-mlops doctor'"
    )


def database_error(error: BaseException, db_path) -> MlopsError | None:
    """The typed error for a DuckDB failure that is the store's, not the caller's; None otherwise."""
    if isinstance(error, MlopsError):
        return None
    if is_corrupt(error):
        return store_corrupt(db_path, error)
    if is_disk_full(error):
        return store_full(Path(db_path).parent)
    return None
