"""The store: a DuckDB file, its spool folder and its artifact folder, shared by every process.

DuckDB lets one process at a time hold the file, so every read opens it (retrying quietly while
another process holds the lock), folds pending spool records in, does its work, and closes it
again after a short linger that lets a burst of reads share one open. Writes that must never
wait (metrics, params, tags...) go to the spool instead.

>>> store = open_store("/tmp/example-store")   # doctest: +SKIP
>>> store.sql("SELECT count(*) AS runs FROM runs")   # doctest: +SKIP
"""

from __future__ import annotations

import os
import random
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from ..errors import InvalidInput, StoreBusy, StoreNotWritable
from .artifacts import ArtifactStore
from .fold import fold_spools
from .location import resolve_home
from .schema import apply_migrations
from .spool import SpoolWriter

DB_FILE = "mlops.duckdb"
BUSY_TIMEOUT_ENV = "MLOPS_BUSY_TIMEOUT"
# How long a process keeps the database open after a read, so a burst of reads (a search, then
# its page of details) pays the open and the cold cache once. Other processes wait at most this.
LINGER_ENV = "MLOPS_LINGER"
DEFAULT_LINGER = "0.25"


class Store:
    """One store folder. Use ``open_store()`` to get the shared instance for a folder."""

    def __init__(self, home: str | os.PathLike):
        self.home = Path(home)
        try:
            for sub in (self.home, self.home / "spool", self.home / "artifacts"):
                sub.mkdir(parents=True, exist_ok=True)
            probe = self.home / f".write-probe-{os.getpid()}"
            probe.touch()
            probe.unlink()
        except OSError as e:
            raise StoreNotWritable(
                f"cannot write the store folder {self.home} ({e.strerror or e}); "
                "point MLOPS_HOME at a folder you can write"
            ) from None
        self.db_path = self.home / DB_FILE
        self.spool_dir = self.home / "spool"
        self.blobs = ArtifactStore(self.home / "artifacts")
        self._lock = threading.RLock()
        self._con = None
        self._depth = 0
        self._timer: threading.Timer | None = None
        self._migrated = False
        self._writer: SpoolWriter | None = None

    def __repr__(self) -> str:
        return f"Store({str(self.home)!r})"

    @property
    def writer(self) -> SpoolWriter:
        """This process's spool writer for this store, created on first use."""
        if self._writer is None:
            with self._lock:
                if self._writer is None:
                    self._writer = SpoolWriter(self.spool_dir)
        return self._writer

    def close_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    @contextmanager
    def connect(self):
        """Yield a DuckDB connection with every pending spool record folded in.

        Re-entrant within a process: a nested ``connect()`` reuses the open connection.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._con
                finally:
                    self._depth -= 1
                return
            self._cancel_linger()
            con = self._con or self._open()
            self._con, self._depth = con, 1
            try:
                if not self._migrated:
                    apply_migrations(con, where=f"the store at {self.home}")
                    self._migrated = True
                fold_spools(con, self.spool_dir)
                yield con
            except BaseException:
                self._release()
                raise
            finally:
                self._depth = 0
            self._linger()

    def _linger(self) -> None:
        """Keep the database open (and its cache warm) briefly for the next read of a burst."""
        seconds = float(os.environ.get(LINGER_ENV, DEFAULT_LINGER))
        if seconds <= 0:
            self._release()
            return
        self._timer = threading.Timer(seconds, self._release_if_idle)
        self._timer.daemon = True
        self._timer.start()

    def _cancel_linger(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _release_if_idle(self) -> None:
        with self._lock:
            if not self._depth:
                self._release()

    def _release(self) -> None:
        """Close the database so other processes can open it."""
        self._cancel_linger()
        con, self._con = self._con, None
        if con is not None:
            con.close()

    def release(self) -> None:
        """Close the database now instead of after the linger (e.g. before handing it to a tool)."""
        with self._lock:
            if not self._depth:
                self._release()

    def _open(self):
        import duckdb

        timeout = float(os.environ.get(BUSY_TIMEOUT_ENV, "120"))
        deadline = time.monotonic() + timeout
        delay = 0.002
        while True:
            try:
                return duckdb.connect(str(self.db_path))
            except duckdb.IOException as e:
                text = str(e)
                if "lock" not in text.lower():
                    if "permission" in text.lower() or "read-only" in text.lower():
                        raise StoreNotWritable(
                            f"cannot open {self.db_path} for writing ({text.splitlines()[0]}); "
                            "point MLOPS_HOME at a folder you can write"
                        ) from None
                    raise
                if time.monotonic() >= deadline:
                    holder = text.split(" in ", 1)[-1].split(". See", 1)[0]
                    raise StoreBusy(
                        f"the store {self.db_path} stayed locked for {timeout:g} s by {holder}; "
                        "close that program's DuckDB connection (jupyter-mlops processes release "
                        f"it after each call) or raise {BUSY_TIMEOUT_ENV}"
                    ) from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 1.5, 0.05)

    def sql(self, query: str, params=None):
        """Run a read-only SQL query over the store's tables; return a pandas DataFrame.

        Changes a query makes are rolled back: the store is written only through the API.

        >>> store.sql("SELECT key, avg(value) FROM metrics GROUP BY key")  # doctest: +SKIP
        """
        import duckdb

        if not isinstance(query, str) or not query.strip():
            raise InvalidInput("sql() needs a query, e.g. sql('SELECT * FROM runs LIMIT 5')")
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                return con.execute(query, params or []).df()
            except duckdb.Error as e:
                raise InvalidInput(f"SQL error: {str(e).splitlines()[0]}") from None
            finally:
                con.execute("ROLLBACK")


_STORES: dict[Path, Store] = {}
_inherited: list = []
_STORES_LOCK = threading.Lock()


def open_store(home: str | os.PathLike | None = None) -> Store:
    """Return the process-wide ``Store`` for ``home`` (default: the location rule).

    >>> open_store("/tmp/example-store")  # doctest: +SKIP
    Store('/tmp/example-store')
    """
    path = Path(home).expanduser().absolute() if home else resolve_home()
    with _STORES_LOCK:
        store = _STORES.get(path)
        if store is None:
            store = _STORES[path] = Store(path)
        return store


def _after_fork_in_child() -> None:
    global _STORES_LOCK
    _STORES_LOCK = threading.Lock()
    for store in _STORES.values():
        if store._writer is not None:
            store._writer.abandon_after_fork()
            store._writer = None
        store._lock = threading.RLock()
        if store._con is not None:
            _inherited.append(store._con)  # the parent's: never closed (or collected) by the child
        store._con = None
        store._depth = 0
        store._timer = None


def _close_all() -> None:
    for store in list(_STORES.values()):
        store.release()
        store.close_writer()


os.register_at_fork(after_in_child=_after_fork_in_child)
