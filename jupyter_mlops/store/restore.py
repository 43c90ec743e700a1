"""Putting a backup back: verified first, never over live writers, never deleting what it replaces.

The rule for the spool: a restore needs a store nobody is writing to. Records a live process
logs during a restore would land either in the database being replaced or on top of the backup
(a run the backup never heard of), so ``restore_store`` refuses and names the processes to stop.
Pending records of processes that are gone are folded into the current database first; then
that database is moved aside (``<home>/replaced-<UTC time>/``, with any spool files it could not
take), the backup's blobs are added to the artifact folder, and the backup's database is put in
place with its spool offsets cleared, so the restored store starts from an empty spool.

>>> restore_store(open_store(), "/backups/mlops-backup-20261204T101500Z")  # doctest: +SKIP
RestoreResult(moved_aside=PosixPath('/project/.mlops/replaced-20261205T090000Z'), ...)
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput, StoreBusy, StoreCorrupt
from .backup import verify_backup
from .disk import is_disk_full, store_full
from .files import blob_files, copy_hashed, fsync_dir, sha256_of, utc_stamp
from .spool import parse_segment_name, writer_is_alive

# Tables whose rows do not count as "the store has data" (bookkeeping every open writes).
_BOOKKEEPING = {"schema_migrations", "spool_offsets"}


@dataclass
class RestoreResult:
    """What a restore did: where the replaced database went (None if there was none)."""

    source: Path
    moved_aside: Path | None
    tables: dict
    blobs_added: int


def live_writers(store) -> list[str]:
    """The spool writers (``<pid>-<id>``) whose processes are still alive."""
    return sorted(
        path.stem for path in store.spool_dir.glob("*.lock") if writer_is_alive(store.spool_dir, path.stem)
    )


def restore_store(store, source: str | os.PathLike, force: bool = False) -> RestoreResult:
    """Replace the store's database with a verified backup and add the backup's blobs.

    Refuses while any process writes to the store, and when the current database holds data
    unless ``force`` (it is then moved aside, never deleted).
    """
    manifest = verify_backup(source)
    folder = Path(source).expanduser().absolute()
    store.close_writer()  # this process's own records are folded into the database being replaced
    writers = live_writers(store)
    if writers:
        pids = ", ".join(sorted({w.split("-", 1)[0] for w in writers}))
        raise StoreBusy(f"processes {pids} are writing to the store {store.home}; stop them (their kernels, the "
                        "scheduler, model servers) and run restore again, so nothing they log is lost")
    try:
        added = _add_blobs(folder / "artifacts", store.blobs.root)
        moved = _swap_database(store, folder / manifest["database"]["file"], force)
        store._migrated = False  # the backup may have an older schema: migrate it on the next open
    except OSError as error:
        if is_disk_full(error):
            raise store_full(store.home) from None
        raise
    return RestoreResult(folder, moved, manifest.get("tables", {}), added)


def _add_blobs(source_root: Path, target_root: Path) -> int:
    """Copy the backup's blobs the store lacks (or holds damaged); return how many were copied."""
    added = 0
    for name, path in sorted(blob_files(source_root).items()):
        target = target_root / "sha256" / name[:2] / name
        if target.is_file() and sha256_of(target) == name:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".tmp-restore-{name}")
        copy_hashed(path, tmp, 0o444)
        os.replace(tmp, target)
        added += 1
    return added


def _swap_database(store, backup_db: Path, force: bool) -> Path | None:
    """Put ``backup_db`` in place of the store's database, holding the lock when the old one opens."""
    incoming = store.db_path.with_name(f".{store.db_path.name}.restoring")
    shutil.copyfile(backup_db, incoming)
    _clear_spool_offsets(incoming)
    if not store.db_path.exists():
        _install(incoming, store.db_path)
        return None
    aside = store.home / f"replaced-{utc_stamp()}"
    try:
        if not _opens(store):
            # An unreadable database holds nothing anyone can use: it is moved aside, spool and all.
            _move_aside(store, aside)
            _install(incoming, store.db_path)
            return aside
        with store.connect() as con:  # folds what gone processes left, then holds the lock for the swap
            if _has_data(con) and not force:
                raise InvalidInput(f"the store {store.home} already holds data; pass --force to restore anyway "
                                   f"(the current database is moved to {aside}, not deleted)")
            con.execute("CHECKPOINT")
            _move_aside(store, aside)
            _install(incoming, store.db_path)
    except BaseException:
        incoming.unlink(missing_ok=True)
        raise
    finally:
        store.release()
    return aside


def _opens(store) -> bool:
    """False when the database cannot be read at all (truncated, overwritten); a full disk still raises."""
    import duckdb

    try:
        with store.connect():
            return True
    except (StoreCorrupt, duckdb.Error) as error:
        if is_disk_full(error):
            raise
        store.release()
        return False


def _has_data(con) -> bool:
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()]
    return any(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables if t not in _BOOKKEEPING)


def _clear_spool_offsets(database: Path) -> None:
    import duckdb

    con = duckdb.connect(str(database))
    try:
        con.execute("DELETE FROM spool_offsets")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _move_aside(store, aside: Path) -> None:
    """Move the database (and its WAL) and any leftover spool segments into ``aside``."""
    aside.mkdir(parents=True, exist_ok=True)
    for path in (store.db_path, store.db_path.with_name(store.db_path.name + ".wal")):
        if path.exists():
            os.replace(path, aside / path.name)
    leftovers = [p for p in store.spool_dir.glob("*.jsonl") if parse_segment_name(p.name)]
    if leftovers:
        (aside / "spool").mkdir(exist_ok=True)
        for path in leftovers:
            os.replace(path, aside / "spool" / path.name)
    fsync_dir(aside)


def _install(incoming: Path, target: Path) -> None:
    os.replace(incoming, target)
    fsync_dir(target.parent)
