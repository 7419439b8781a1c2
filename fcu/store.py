"""Which store FCU runs on, and the one of each per process.

The embedded store is one DuckDB file (``fcu.db.Database``: ``--db``, ``FCU_DB``); the team
store is PostgreSQL with the feed in shared files (``fcu.team.TeamDatabase``:
``--database-url``, ``FCU_DATABASE_URL``). Both offer the same calls.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from fcu.db import Database, database_url, db_path
from fcu.team import TeamDatabase


def location(path: str | os.PathLike | None = None, url: str | None = None) -> str:
    """Which store FCU runs on, as text: the PostgreSQL URL, else the DuckDB file's path."""
    return database_url(url) or str(db_path(path))


def open_database(path: str | os.PathLike | None = None, url: str | None = None) -> Database:
    """The store the settings name: the team store (fcu.team) when a PostgreSQL URL is given
    or set in ``FCU_DATABASE_URL``, else the DuckDB file (``--db``, ``FCU_DB``)."""
    url = database_url(url)
    if url:
        return TeamDatabase(url)
    return Database(path)


_shared_lock = threading.Lock()
_shared: dict[Path | str, Database] = {}


def shared(path: str | os.PathLike | None = None) -> Database:
    """The process-wide Database for a location (a file's path or a PostgreSQL URL, see
    ``location``), opened on first use, never at import."""
    text = str(path) if path else location()
    if text.startswith(("postgresql://", "postgres://")):
        key: str | Path = text
    else:
        key = db_path(path).resolve() if str(db_path(path)) != ":memory:" else Path(":memory:")
    with _shared_lock:
        db = _shared.get(key)
        if db is None:
            db = open_database(url=key) if isinstance(key, str) else Database(key)
            _shared[key] = db
        return db


def forget_shared() -> None:
    """Close every shared Database (tests and restarts)."""
    with _shared_lock:
        for db in _shared.values():
            try:
                db.close()
            except Exception:  # noqa: BLE001 - closing what is left; nothing to report
                pass
        _shared.clear()
