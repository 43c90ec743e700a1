"""The store: a DuckDB file, its spool folder and its artifact folder, shared by every process.

DuckDB lets one process at a time hold the file, so every read opens it (retrying quietly while
another process holds the lock), folds pending spool records in, does its work, and closes it
again after a short linger that lets a burst of reads share one open. A process that waits
announces itself (``turns.py``), and a holder then makes way instead of lingering. Writes that
must never wait (metrics, params, tags...) go to the spool instead. Users' own SQL runs on a
read-only connection (``readonly.py``).

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
from .damage import database_error, first_line, is_corrupt
from .fold import fold_spools
from .location import resolve_home
from .readonly import check_query, open_read_only, query_error, spool_signature, write_parquet
from .schema import apply_migrations
from .spool import SpoolWriter
from .turns import Turns

DB_FILE = "mlops.duckdb"
BUSY_TIMEOUT_ENV = "MLOPS_BUSY_TIMEOUT"
# How long a process keeps the database open after a read, so a burst of reads (a search, then
# its page of details) pays the open and the cold cache once. Other processes wait at most this.
LINGER_ENV = "MLOPS_LINGER"
# How long a file that reads as damaged is retried before StoreCorrupt: long enough for another
# process that is creating the store to write the header, short enough to name real damage quickly.
CREATION_GRACE = 1.0
DEFAULT_LINGER = "0.25"
# A process that keeps reading never keeps the file longer than this at a stretch (a program that
# does not announce itself as waiting, such as the duckdb shell, still gets a gap).
MAX_HOLD_SECONDS = 2.0


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
        self._writable = True
        self._folded: tuple | None = None  # the spool as it was when this connection last folded it
        self._opened_at = 0.0
        self._made_way_for: set[int] = set()
        self.turns = Turns(self.home)
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

        Re-entrant within a process: a nested ``connect()`` reuses the open connection. A damaged
        database file raises StoreCorrupt, a full disk StoreFull, never DuckDB's own error.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._con
                finally:
                    self._depth -= 1
                return
            try:
                con = self._acquire(writable=True)
                self._depth = 1
                yield con
            except BaseException as error:
                self._release()
                self._raise_typed(error)
                raise
            finally:
                self._depth = 0
            self._end_block()

    def _raise_typed(self, error: BaseException) -> None:
        import duckdb

        if isinstance(error, (duckdb.Error, OSError)):
            typed = database_error(error, self.db_path)
            if typed is not None:
                raise typed from None

    def _acquire(self, writable: bool):
        """The open connection of the kind asked for, opening (and folding into) it as needed."""
        self._cancel_linger()
        if self._con is not None:
            waiting = self.turns.waiters()
            if waiting:
                self._make_way(waiting)
            elif not self._writable:
                if not writable and spool_signature(self.spool_dir) == self._folded:
                    return self._con  # nothing new in the spool since this connection's fold
                self._release()  # a write, or new spool records to fold: reopen writable
        if self._con is None:
            self._con, self._writable = self._open(writable=True), True
        con = self._con
        if not self._migrated:
            apply_migrations(con, where=f"the store at {self.home}")
            self._migrated = True
        folded = spool_signature(self.spool_dir)
        fold_spools(con, self.spool_dir)
        self._folded = folded
        if not writable:
            self._release()
            self._con, self._writable = self._open(writable=False), False
        return self._con

    def _end_block(self) -> None:
        """After a call: close at once if another process waits or we held long enough, else linger."""
        waiting = self.turns.waiters()
        if waiting:
            self._make_way(waiting)
        elif time.monotonic() - self._opened_at > MAX_HOLD_SECONDS:
            self._release()
        else:
            self._linger()

    def _make_way(self, waiting: set[int]) -> None:
        self._release()
        self._made_way_for = waiting

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
            self.turns.clear_holder()
            try:
                con.close()
            except Exception:  # noqa: BLE001 - an invalidated database (after a fatal error) still lets go
                pass

    def release(self) -> None:
        """Close the database now instead of after the linger (e.g. before handing it to a tool)."""
        with self._lock:
            if not self._depth:
                self._release()

    def _open(self, writable: bool = True):
        """Open the file, retrying while another process holds it; wait our turn fairly."""
        import duckdb

        if self._made_way_for:  # we just closed for these waiters: let them have their turn first
            self.turns.wait_until_served(self._made_way_for)
            self._made_way_for = set()
        timeout = float(os.environ.get(BUSY_TIMEOUT_ENV, "120"))
        deadline = time.monotonic() + timeout
        settle = time.monotonic() + CREATION_GRACE
        delay = 0.002
        try:
            while True:
                try:
                    con = duckdb.connect(str(self.db_path)) if writable else open_read_only(self.db_path)
                    break
                except duckdb.Error as e:
                    text = str(e)
                    if not writable and "different configuration" in text:
                        raise InvalidInput(
                            "this process was forked while its parent had the store open, so it cannot open "
                            "it read-only; call open_store().release() before forking, or start a new process"
                        ) from None
                    if not isinstance(e, duckdb.IOException) or "could not set lock" not in text.lower():
                        if is_corrupt(e) and time.monotonic() < settle:
                            # Another process may have just created the file and not yet written its
                            # header: a fresh store looks damaged for a moment. Damage that stays is real.
                            time.sleep(0.02)
                            continue
                        self._raise_typed(e)
                        if isinstance(e, duckdb.IOException) and ("permission" in text.lower() or "read-only" in text.lower()):
                            raise StoreNotWritable(
                                f"cannot open {self.db_path} for writing ({first_line(e)}); "
                                "point MLOPS_HOME at a folder you can write"
                            ) from None
                        raise
                    if self.turns._marker is None:
                        self.turns.announce()
                    if time.monotonic() >= deadline:
                        raise self._busy(text, timeout) from None
                    time.sleep(delay * (0.5 + random.random()))
                    delay = min(delay * 1.5, 0.05)
        finally:
            self.turns.withdraw()
        self._opened_at = time.monotonic()
        self.turns.note_holder()
        return con

    def _busy(self, lock_message: str, timeout: float) -> StoreBusy:
        pid, holder = self.turns.describe_holder(lock_message)
        stop = f"stop it (kill {pid})" if pid else "stop it"
        if holder.startswith("jupyter-mlops"):
            fix = f"wait for its call to finish or {stop}"
        else:
            fix = f"close that program's DuckDB connection or {stop}"
        return StoreBusy(f"the store {self.db_path} stayed locked for {timeout:g} s by {holder}; "
                         f"{fix}, or raise {BUSY_TIMEOUT_ENV}")

    @contextmanager
    def read_only(self):
        """Yield a connection that can only read the store (folded first), for queries users write.

        >>> with store.read_only() as con:   # doctest: +SKIP
        ...     con.execute("SELECT count(*) FROM runs").fetchone()
        """
        with self._lock:
            if self._depth:
                raise InvalidInput("a store query cannot run inside an open store.connect() block; "
                                   "run it after the block")
            try:
                con = self._acquire(writable=False)
                self._depth = 1
                yield con
            except InvalidInput:
                self._depth = 0
                self._end_block()  # a refused or failed query leaves the connection sound
                raise
            except BaseException as error:
                self._release()
                self._raise_typed(error)
                raise
            finally:
                self._depth = 0
            self._end_block()

    def sql(self, query: str, params=None):
        """Run one read-only SQL query over the store's tables; return a pandas DataFrame.

        The query runs on a connection DuckDB opens read-only, with files, URLs and extensions
        out of reach: the store is written only through the API, and nothing else is written.

        >>> store.sql("SELECT key, avg(value) FROM metrics GROUP BY key")  # doctest: +SKIP
        """
        import duckdb

        check_query(query)
        with self.read_only() as con:
            try:
                return con.execute(query, params or []).df()
            except duckdb.Error as e:
                if database_error(e, self.db_path) is not None:
                    raise
                raise query_error(e) from None

    def query_to_parquet(self, query: str, target, what: str = "the dataset query") -> int:
        """Write the rows of one read-only ``query`` over the store to the Parquet file ``target``.

        Only ``target`` is written: the query itself cannot write the store or any file.

        >>> store.query_to_parquet("SELECT * FROM metrics", "/tmp/m.parquet")  # doctest: +SKIP
        12
        """
        import duckdb

        check_query(query, what, kinds=("SELECT", "MULTI"))
        with self.read_only() as con:
            try:
                return write_parquet(con, query, target)
            except duckdb.Error as e:
                if database_error(e, self.db_path) is not None:
                    raise
                raise query_error(e, f"{what} failed") from None


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
        store.turns = Turns(store.home)
        store._made_way_for = set()


def _release_before_fork() -> None:
    """Close idle connections so a forked child inherits no open database (DuckDB caches it per file)."""
    for store in list(_STORES.values()):
        if store._lock.acquire(blocking=False):
            try:
                if not store._depth:
                    store._release()
            finally:
                store._lock.release()


def _close_all() -> None:
    for store in list(_STORES.values()):
        store.release()
        store.close_writer()


os.register_at_fork(before=_release_before_fork, after_in_child=_after_fork_in_child)
