"""The embedded store: DuckDB file + spool + content-addressed artifacts."""

from .database import Store, open_store
from .location import resolve_home
from .schema import LATEST_VERSION, TABLES

__all__ = ["Store", "open_store", "resolve_home", "LATEST_VERSION", "TABLES"]
