"""Running a user's SQL where it can only read the store.

DuckDB itself enforces it: the query runs on a connection opened ``read_only=True`` with external
access (files, URLs, ATTACH, COPY TO, extensions) off and the configuration locked, so no
``SET`` can turn it back on. Before that, DuckDB's own parser counts the statements and names
their type, so a refusal says what to do instead of failing half-way.

>>> check_query("SELECT count(*) FROM runs")
>>> check_query("COMMIT; DELETE FROM params")
Traceback (most recent call last):
...
jupyter_mlops.errors.InvalidInput: sql() runs one statement, got 2; run them one at a time
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InvalidInput
from .damage import first_line

READ_ONLY_CONFIG = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "allow_persistent_secrets": False,
    "lock_configuration": True,  # last: nothing after it can change the settings above
}

_READ_TYPES = ("SELECT", "EXPLAIN", "PRAGMA", "CALL", "MULTI")  # MULTI: PIVOT, one read in several parts
_WRITE_FIX = ("change the store through the API (log_metric, register_dataset, delete_run, ...) "
              "and read it with SELECT")


def check_query(query, what: str = "sql()", kinds: tuple[str, ...] = _READ_TYPES) -> None:
    """Raise InvalidInput unless ``query`` is one statement of a reading kind (per DuckDB's parser)."""
    import duckdb

    if not isinstance(query, str) or not query.strip():
        raise InvalidInput(f"{what} needs a query, e.g. sql('SELECT * FROM runs LIMIT 5')")
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error as e:
        raise InvalidInput(f"SQL error: {first_line(e)}; fix the query (one SELECT over the store's tables)") from None
    if not statements:
        raise InvalidInput(f"{what} needs a query, not only comments, e.g. 'SELECT * FROM runs LIMIT 5'")
    if len(statements) > 1:
        raise InvalidInput(f"{what} runs one statement, got {len(statements)}; run them one at a time")
    try:
        kind = statements[0].type.name
    except ValueError:  # a statement type the Python binding has no name for (UPDATE EXTENSIONS...)
        raise InvalidInput(f"{what} only reads the store; {_WRITE_FIX}") from None
    if kind == "TRANSACTION":
        raise InvalidInput(f"{what} runs each query alone on a read-only connection; leave out BEGIN/COMMIT/ROLLBACK")
    if kind not in kinds:
        raise InvalidInput(f"{what} only reads the store, so {kind} statements are refused; {_WRITE_FIX}")


def open_read_only(db_path):
    """A connection that can read ``db_path`` and nothing else (raises duckdb errors as DuckDB does)."""
    import duckdb

    return duckdb.connect(str(db_path), read_only=True, config=dict(READ_ONLY_CONFIG))


def query_error(error, what: str = "SQL error") -> InvalidInput:
    """The InvalidInput for a query DuckDB refused or could not run, naming the fix."""
    import duckdb

    line = first_line(error)
    if isinstance(error, duckdb.PermissionException):
        return InvalidInput(f"{what}: {line}; queries over the store cannot read or write other files: "
                            "register a file with register_dataset(path) and query the store")
    if "read-only mode" in line or "configuration has been locked" in line:
        return InvalidInput(f"{what}: {line}; the store is queried read-only: {_WRITE_FIX}")
    return InvalidInput(f"{what}: {line}")


def spool_signature(spool_dir) -> tuple:
    """What the spool folder holds now (names and sizes): equal signatures mean nothing new to fold.

    >>> spool_signature("/nonexistent")
    ()
    """
    try:
        entries = sorted((e.name, e.stat().st_size) for e in os.scandir(spool_dir))
    except OSError:
        return ()
    from .spool import writer_is_alive

    writers = [name[:-5] for name, _ in entries if name.endswith(".lock")]
    # A writer found dead is folded (its runs marked crashed) even if its files did not change.
    alive = tuple(writer for writer in writers if writer_is_alive(Path(spool_dir), writer))
    return tuple(entries), alive


def write_parquet(con, query: str, target, batch_rows: int = 100_000) -> int:
    """Stream the result of ``query`` on ``con`` into the Parquet file ``target``; return its rows."""
    import pyarrow.parquet as pq

    reader = con.execute(query).to_arrow_reader(batch_rows)
    rows = 0
    with pq.ParquetWriter(str(target), reader.schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows
