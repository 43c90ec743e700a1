"""A store check-up: can the database be read, is its schema whole, does every blob hold what its
name says, does every reference find its blob, and what did the fold have to set aside.

``diagnose`` returns a ``DoctorReport`` (data only; ``jupyter-mlops doctor`` prints it). Each
problem is a ``Finding`` whose ``message`` is one line naming what is wrong and the fix.

>>> report = diagnose(open_store())        # doctest: +SKIP
>>> report.healthy, [f.check for f in report.findings]   # doctest: +SKIP
(False, ['orphan-blobs'])
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..errors import StoreCorrupt
from .disk import is_disk_full
from .files import blob_files, is_blob_name, sha256_of
from .fold import fold_spools
from .maintenance import BLOB_REFERENCES
from .quarantine import quarantine_summary
from .schema import LATEST_VERSION, apply_migrations, schema_version

NAMED = 3  # how many items a one-line message names before "..."


@dataclass
class Finding:
    """One kind of problem: ``check`` (a short id), a one-line ``message`` with the fix, the ``items``."""

    check: str
    message: str
    items: list = field(default_factory=list)


@dataclass
class DoctorReport:
    """What ``diagnose`` found; ``healthy`` when ``findings`` is empty."""

    home: str
    database: str
    schema_version: int | None = None
    blobs_checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    quarantine: dict = field(default_factory=lambda: {"count": 0, "groups": [], "newest": []})

    @property
    def healthy(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict:
        return {**asdict(self), "healthy": self.healthy}


def diagnose(store) -> DoctorReport:
    """Check the store at ``store.home`` and return what is wrong (nothing is changed but the usual fold)."""
    report = DoctorReport(str(store.home), str(store.db_path))
    references = _check_database(store, report)
    present = blob_files(store.blobs.root)
    _check_blob_contents(present, report)
    if references is not None:
        _check_references(references, present, report)
    if report.quarantine["count"]:
        groups = report.quarantine["groups"]
        kinds: dict[str, int] = {}
        for group in groups:
            kinds[group["kind"] or "unreadable"] = kinds.get(group["kind"] or "unreadable", 0) + group["count"]
        top = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items(), key=lambda item: -item[1]))
        report.findings.append(Finding(
            "quarantine",
            f"{_count(report.quarantine['count'], 'spool record')} could not be applied ({top}) and "
            f"{'is' if report.quarantine['count'] == 1 else 'are'} kept whole in the quarantine table (query it with "
            "`jupyter-mlops sql`); fix what wrote them, then log those records again",
            report.quarantine["newest"],
        ))
    return report


def _check_database(store, report: DoctorReport) -> dict[str, set] | None:
    """Open the database (folding the spool), check its schema and quarantine; return blob references
    as ``{sha256: {"table.column", ...}}``, or None when the database cannot be read."""
    import duckdb

    try:
        with store.connect() as con:
            report.schema_version = schema_version(con)
            _check_schema(con, report)
            report.quarantine = quarantine_summary(con)
            # Under gc's exclusive lock, as gc decides: a blob stored just now has its reference folded.
            with store.blobs.collecting():
                fold_spools(con, store.spool_dir)
                return _blob_references(con)
    except (StoreCorrupt, duckdb.Error) as error:
        if is_disk_full(error):
            raise
        store.release()
        if isinstance(error, StoreCorrupt):
            message = str(error)  # already names the file and the fix
        else:
            detail = str(error).splitlines()[0] if str(error) else type(error).__name__
            message = (f"the database {store.db_path} cannot be read ({detail}); restore it with "
                       "`jupyter-mlops restore BACKUP`, or move it aside to start an empty store")
        report.findings.append(Finding("database", message, [str(store.db_path)]))
        return None
    finally:
        store.release()


def _check_schema(con, report: DoctorReport) -> None:
    import duckdb

    expected = duckdb.connect()
    try:
        apply_migrations(expected)
        want = _columns(expected)
    finally:
        expected.close()
    have = _columns(con)
    missing = sorted(f"{t}.{c} {ty}" for (t, c), ty in want.items() if have.get((t, c)) != ty)
    if report.schema_version != LATEST_VERSION or missing:
        report.findings.append(Finding(
            "schema",
            f"the schema is not the one migration {LATEST_VERSION} makes (version {report.schema_version}; missing or "
            f"changed: {_named(missing) or 'none'}); restore the database from a backup (`jupyter-mlops restore`)",
            missing,
        ))


def _columns(con) -> dict[tuple[str, str], str]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall()
    return {(t, c): ty for t, c, ty in rows}


def _blob_references(con) -> dict[str, set]:
    references: dict[str, set] = {}
    for table, column in BLOB_REFERENCES:
        rows = con.execute(f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL').fetchall()
        for (digest,) in rows:
            references.setdefault(digest, set()).add(f"{table}.{column}")
    return references


def _check_blob_contents(present: dict, report: DoctorReport) -> None:
    corrupt = []
    for name, path in sorted(present.items()):
        report.blobs_checked += 1
        if not is_blob_name(path) or sha256_of(path) != name:
            corrupt.append(name)
    if corrupt:
        report.findings.append(Finding(
            "corrupt-blobs",
            f"{_count(len(corrupt), 'artifact blob')} with content that does not match the sha256 name ({_named(corrupt)}); "
            "restore them from a backup (`jupyter-mlops restore BACKUP --force`) or delete them and log the artifacts again",
            corrupt,
        ))


def _check_references(references: dict[str, set], present: dict, report: DoctorReport) -> None:
    missing = sorted(d for d in references if d not in present)
    if missing:
        where = sorted({ref for d in missing for ref in references[d]})
        report.findings.append(Finding(
            "missing-blobs",
            f"{_count(len(missing), 'blob')} referenced by {', '.join(where)} missing from the artifacts folder "
            f"({_named(missing)}); restore the artifacts from a backup (`jupyter-mlops restore BACKUP --force`)",
            [{"sha256": d, "referenced_by": sorted(references[d])} for d in missing],
        ))
    orphans = sorted(name for name in present if name not in references)
    if orphans:
        report.findings.append(Finding(
            "orphan-blobs",
            f"{_count(len(orphans), 'artifact blob')} referenced by nothing ({_named(orphans)}); "
            "remove them with `jupyter-mlops gc`",
            orphans,
        ))


def _count(n: int, noun: str) -> str:
    """``_count(1, "blob")`` -> ``'1 blob'``, ``_count(2, "blob")`` -> ``'2 blobs'``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _named(items: list) -> str:
    shown = ", ".join(str(i)[:12] for i in items[:NAMED])
    return shown + (", ..." if len(items) > NAMED else "")
