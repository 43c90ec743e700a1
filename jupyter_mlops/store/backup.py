"""A consistent copy of a store, taken while other processes keep logging, and its verification.

``backup_store`` opens the database the normal way (which folds every pending spool record in),
runs ``CHECKPOINT`` so the file holds everything, and copies the file while it still holds the
lock: processes that log meanwhile only append to their spool (they never wait), and readers
wait for one file copy (measured: 12 ms for a 16 MB database; DuckDB's ``COPY FROM DATABASE``
took 240 ms for the same). The snapshot is what the fold had applied, so each writer's records
in it are a prefix of what it logged. Blobs are content-addressed and immutable, so they are
copied after the lock is released, under the shared artifact lock that keeps ``gc`` from
removing any of them mid-copy. ``manifest.json`` is written last: a folder without it is not a
backup.

>>> result = backup_store(open_store())            # doctest: +SKIP
>>> result.path                                    # doctest: +SKIP
PosixPath('/home/me/project/mlops-backup-20261204T101500Z')
>>> verify_backup(result.path)["tables"]["runs"]  # doctest: +SKIP
120
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from .._version import __version__
from ..errors import InvalidInput, NotFound, StoreCorrupt, StoreFull, StoreTooNew
from .disk import is_disk_full
from .files import blob_files, copy_hashed, fsync_dir, is_blob_name, sha256_of, utc_now_iso, utc_stamp
from .maintenance import BLOB_REFERENCES
from .schema import LATEST_VERSION, TABLES, schema_version

MANIFEST = "manifest.json"
FORMAT = "jupyter-mlops-backup"
FORMAT_VERSION = 1
DB_COPY = "mlops.duckdb"


@dataclass
class BackupResult:
    """Where a backup went and what it holds (``manifest`` is the content of ``manifest.json``)."""

    path: Path
    manifest: dict
    warnings: list[str] = field(default_factory=list)


def default_backup_path(store) -> Path:
    """``mlops-backup-<UTC time>`` beside the store folder (a suffix is added if it exists)."""
    base = store.home.parent / f"mlops-backup-{utc_stamp()}"
    candidate, n = base, 1
    while candidate.exists():
        candidate, n = Path(f"{base}-{n}"), n + 1
    return candidate


def backup_store(store, dest: str | os.PathLike | None = None) -> BackupResult:
    """Copy the store (database with the spool folded in, and its blobs) into ``dest``.

    ``dest`` must be empty or absent and outside the store; default ``default_backup_path``.
    Blobs whose content no longer matches their name are left out and named in the manifest
    (``corrupt_blobs``), as are blobs the database references but the folder lacks.
    """
    target = _backup_target(store, dest)
    created = not target.exists()
    try:
        target.mkdir(parents=True, exist_ok=True)
        with ExitStack() as locks:
            with store.connect() as con:
                con.execute("CHECKPOINT")
                version = schema_version(con)
                tables = _table_counts(con)
                referenced = _referenced_blobs(con)
                try:
                    db_sha, db_bytes = copy_hashed(store.db_path, target / f".{DB_COPY}.tmp")
                except OSError as error:  # here, so connect() cannot take it for the store's own disk
                    raise _typed(error, target) from None
                # Taken before the database is released, so gc cannot remove a blob the copy references.
                locks.enter_context(store.blobs.referencing())
            store.release()
            blobs, corrupt = _copy_blobs(store.blobs.root, target / "artifacts")
        os.replace(target / f".{DB_COPY}.tmp", target / DB_COPY)
        missing = sorted(referenced - set(blobs) - set(corrupt))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "jupyter_mlops_version": __version__,
            "schema_version": version,
            "created_at": utc_now_iso(),
            "source": str(store.home),
            "database": {"file": DB_COPY, "bytes": db_bytes, "sha256": db_sha},
            "tables": tables,
            "blobs": {"count": len(blobs), "bytes": sum(blobs.values()), "referenced": len(referenced)},
            "missing_blobs": missing,
            "corrupt_blobs": sorted(corrupt),
        }
        _write_json(target / MANIFEST, manifest)
        fsync_dir(target)
    except OSError as error:
        _discard(target, created)
        raise _typed(error, target) from None
    except BaseException:
        _discard(target, created)
        raise
    warnings = []
    if missing:
        warnings.append(f"{len(missing)} blobs the database references were already missing from the store "
                        f"(e.g. {missing[0][:12]}); run `jupyter-mlops doctor` to see which rows")
    if corrupt:
        warnings.append(f"{len(corrupt)} corrupt blobs were left out (e.g. {sorted(corrupt)[0][:12]}); "
                        "run `jupyter-mlops doctor`")
    return BackupResult(target, manifest, warnings)


def verify_backup(source: str | os.PathLike) -> dict:
    """Check a backup folder: its manifest, the database's sha256, that it opens with the counts the
    manifest records, and every blob's content against its name. Return the manifest.

    >>> verify_backup("/backups/mlops-backup-20261204T101500Z")["schema_version"]  # doctest: +SKIP
    7
    """
    folder = Path(source).expanduser().absolute()
    if not folder.is_dir():
        raise NotFound(f"no backup folder at {folder}; give the folder `jupyter-mlops backup` printed")
    manifest = _read_manifest(folder)
    database = folder / manifest["database"]["file"]
    if not database.is_file() or sha256_of(database) != manifest["database"]["sha256"]:
        raise StoreCorrupt(f"the database in the backup {folder} is missing or does not match its manifest's "
                           "sha256; the backup is damaged, restore from another one")
    if manifest["schema_version"] > LATEST_VERSION:
        raise StoreTooNew(f"the backup {folder} has schema version {manifest['schema_version']}, newer than this "
                          f"jupyter-mlops knows ({LATEST_VERSION}); upgrade jupyter-mlops to restore it")
    _check_database_opens(database, manifest, folder)
    for name, path in blob_files(folder / "artifacts").items():
        if not is_blob_name(path) or sha256_of(path) != name:
            raise StoreCorrupt(f"blob {name[:12]} in the backup {folder} does not match its sha256; the backup "
                               "is damaged, restore from another one")
    return manifest


def _typed(error: OSError, target: Path) -> Exception:
    """A full disk at the destination as StoreFull naming it; any other OSError as it is."""
    if is_disk_full(error):
        return StoreFull(f"no space left on the device holding the backup folder {target}; "
                         "free space there or give a DEST on a larger disk")
    return error


def _backup_target(store, dest) -> Path:
    target = Path(dest).expanduser().absolute() if dest else default_backup_path(store)
    if target == store.home or store.home in target.parents:
        raise InvalidInput(f"the backup folder {target} is inside the store {store.home}; choose a folder outside it")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InvalidInput(f"the backup folder {target} is not empty; give a new or empty folder as DEST "
                           "(or none, for a timestamped folder beside the store)")
    return target


def _table_counts(con) -> dict[str, int]:
    existing = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES if t in existing}


def _referenced_blobs(con) -> set[str]:
    referenced: set[str] = set()
    for table, column in BLOB_REFERENCES:
        rows = con.execute(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL').fetchall()
        referenced.update(r[0] for r in rows)
    return referenced


def _copy_blobs(source_root: Path, target_root: Path) -> tuple[dict[str, int], list[str]]:
    """Copy every blob whose content matches its name; return ``({name: size}, [corrupt names])``."""
    copied, corrupt = {}, []
    for name, path in sorted(blob_files(source_root).items()):
        if not is_blob_name(path):
            corrupt.append(name)
            continue
        folder = target_root / "sha256" / name[:2]
        folder.mkdir(parents=True, exist_ok=True)
        digest, size = copy_hashed(path, folder / f".tmp-{name}", 0o444)
        if digest != name:
            os.unlink(folder / f".tmp-{name}")
            corrupt.append(name)
            continue
        os.replace(folder / f".tmp-{name}", folder / name)
        copied[name] = size
    return copied, corrupt


def _read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"{folder} is not a finished jupyter-mlops backup (it has no {MANIFEST}); "
                           "give a folder made by `jupyter-mlops backup`") from None
    except (ValueError, UnicodeDecodeError):
        raise StoreCorrupt(f"the {MANIFEST} of the backup {folder} is not valid JSON; the backup is damaged, "
                           "restore from another one") from None
    if not _is_manifest(manifest):
        raise InvalidInput(f"{folder}/{MANIFEST} is not a jupyter-mlops backup manifest; "
                           "give a folder made by `jupyter-mlops backup`")
    if manifest["format_version"] > FORMAT_VERSION:
        raise StoreTooNew(f"the backup {folder} was written in a newer backup format; upgrade jupyter-mlops to restore it")
    return manifest


def _is_manifest(manifest) -> bool:
    """The shape ``backup_store`` writes. A hostile manifest must not name a file outside the backup
    (``database.file`` is fixed) or put SQL in a table name (only known tables are counted)."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return False
    database, tables = manifest.get("database"), manifest.get("tables")
    return (
        all(type(manifest.get(key)) is int for key in ("format_version", "schema_version"))
        and isinstance(database, dict) and database.get("file") == DB_COPY
        and isinstance(database.get("sha256"), str)
        and isinstance(tables, dict) and all(t in TABLES and type(n) is int for t, n in tables.items())
    )


def _check_database_opens(database: Path, manifest: dict, folder: Path) -> None:
    import duckdb

    try:
        con = duckdb.connect(str(database), read_only=True)
        try:
            counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in manifest["tables"]}
        finally:
            con.close()
    except duckdb.Error as error:
        raise StoreCorrupt(f"the database in the backup {folder} does not open ({str(error).splitlines()[0]}); "
                           "the backup is damaged, restore from another one") from None
    if counts != manifest["tables"]:
        raise StoreCorrupt(f"the database in the backup {folder} does not hold the row counts its manifest "
                           "records; the backup is damaged, restore from another one")


def _write_json(path: Path, value: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _discard(target: Path, created: bool) -> None:
    """Remove a half-written backup: the folder if this call made it, else only what it put inside."""
    if created:
        shutil.rmtree(target, ignore_errors=True)
        return
    for child in target.iterdir() if target.exists() else ():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
