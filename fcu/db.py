"""The one owner of DuckDB: where the file is, the schema and its migrations, transactions.

One connection per process (DuckDB allows a single read-write process per file); every
call takes a fresh cursor from it. Writes are short transactions retried on a conflict.

Two kinds of tables live in the file:
- feed tables (``feed_*``, and the precomputed ``feed_tenant_workload`` / ``feed_partner_tenant``)
  are replaced whole by each load (see ``fcu.feed``);
- workspace tables (users, loads, audit, notes, contacts, service status, intent notes,
  app claims, referral state) are the partners' own record and no load touches them.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "fcu.duckdb"

T = TypeVar("T")
_SERIALISED_WRITES = threading.RLock()  # see Database.write_serialised; migrations too


LOAD_RUNNING = "Another feed load is running. Wait for it to finish, then try again."


class DatabaseError(Exception):
    """A problem with the database file that a user can act on (message is a sentence)."""


def database_url(url: str | None = None) -> str | None:
    """The team store's PostgreSQL URL: an explicit one, else ``FCU_DATABASE_URL``; None for
    the embedded store (one DuckDB file)."""
    return url or os.environ.get("FCU_DATABASE_URL") or None


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The database file: an explicit path, else ``FCU_DB``, else ``data/fcu.duckdb``."""
    if path:
        return Path(path)
    env = os.environ.get("FCU_DB")
    return Path(env) if env else DEFAULT_DB


# Workspace schema: fcu/sql/migrations/NNN_name.sql (or NNN_name.py, for a change SQL alone
# cannot make: its ``apply(cur)`` runs in the migration's transaction), one file per version
# NNN. Each version a database has not recorded is applied, in order: versions are the files'
# numbers, so branches that each add a number merge without renumbering. Never edit a file
# that has shipped: add one.
MIGRATIONS_DIR = Path(__file__).with_name("sql") / "migrations"
MIGRATIONS: dict[int, Path] = {
    int(p.name[:3]): p
    for p in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*"))
    if p.suffix in (".sql", ".py")
}
SCHEMA_VERSION = max(MIGRATIONS)


def _apply_migration(cur: duckdb.DuckDBPyConnection, path: Path) -> None:
    if path.suffix == ".sql":
        cur.execute(path.read_text())
        return
    spec = importlib.util.spec_from_file_location(f"fcu_migration_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.apply(cur)


# Tables a feed load works in before it swaps the feed in (see fcu.feed).
LOAD_PREFIXES = ("stg_", "rej_", "rejscan_", "raw_")
# Database objects open on each file in this process (see _drop_leftover_staging).
_open_count: dict[str, int] = {}
_open_lock = threading.Lock()


def owner_only() -> None:
    """Files this process creates from now on (the database, its WAL and spill files,
    exports) are readable by their owner alone: partners' data is not for every local
    account. Sets the process's umask to include 077 (once; harmless to repeat)."""
    current = os.umask(0o077)
    os.umask(current | 0o077)


def _restrict(*paths: Path) -> None:
    """Existing files of ours made owner-only (a database created before FCU did so)."""
    for path in paths:
        try:
            if path.exists() and path.stat().st_uid == os.getuid():
                path.chmod(0o600)
        except OSError:
            pass  # not ours to change: the operator's own choice stands


class Database:
    """A DuckDB file opened once per process; every call uses its own cursor."""

    def __init__(self, path: str | os.PathLike | None = None, *, read_only: bool = False):
        self.path = db_path(path)
        self.read_only = read_only
        # Held while the feed tables are replaced or a table derived from them is built.
        self.feed_lock = threading.Lock()
        try:
            if str(self.path) != ":memory:":
                owner_only()
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._con = duckdb.connect(str(self.path), read_only=read_only)
            if str(self.path) != ":memory:" and not read_only:
                _restrict(self.path, Path(f"{self.path}.wal"))
        except duckdb.IOException as exc:
            if "not a valid DuckDB database file" in str(exc):
                raise DatabaseError(_corrupt_message(self.path)) from exc
            raise DatabaseError(_io_message(self.path, exc)) from exc
        except duckdb.Error as exc:  # corrupt or foreign file
            raise DatabaseError(_corrupt_message(self.path)) from exc
        except OSError as exc:  # its folder cannot be created (a file is in the way, say)
            raise DatabaseError(
                f"The database file {self.path} cannot be created there ({exc.strerror}); "
                "set FCU_DB (or --db) to a file in a folder FCU may write to."
            ) from exc
        # Times are stored and shown in UTC, whatever the machine's zone; DuckDB's memory
        # is bounded (it spills big sorts and aggregates to disk rather than grow).
        self._con.execute("SET GLOBAL TimeZone = 'UTC'")
        self._con.execute(
            "SET GLOBAL memory_limit = ?", [os.environ.get("FCU_DUCKDB_MEMORY", "1GB")]
        )
        self._key = str(self.path.resolve()) if str(self.path) != ":memory:" else None
        with _open_lock:
            first = self._key is not None and not _open_count.get(self._key)
            if self._key is not None:
                _open_count[self._key] = _open_count.get(self._key, 0) + 1
        if not read_only:
            self.migrate()
            if first:
                self._drop_leftover_staging()

    def describe(self) -> str:
        """Where this store keeps its data, for messages."""
        return f"Database {self.path}"

    # -- reading -------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._con.cursor()

    def _reader(self, sql: str) -> duckdb.DuckDBPyConnection:
        """The cursor a read of ``sql`` runs on (the team store catches up first)."""
        return self.cursor()

    def execute(self, sql: str, params: Sequence[Any] | dict | None = None) -> list[tuple]:
        cur = self._reader(sql)
        try:
            return cur.execute(sql, params or []).fetchall()
        finally:
            cur.close()

    def one(self, sql: str, params: Sequence[Any] | dict | None = None) -> tuple | None:
        rows = self.execute(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] | dict | None = None) -> Any:
        row = self.one(sql, params)
        return row[0] if row else None

    def df(self, sql: str, params: Sequence[Any] | dict | None = None) -> pd.DataFrame:
        cur = self._reader(sql)
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def table_exists(self, name: str) -> bool:
        """Whether a table (or view) of this name exists. Asked several times per page run, so
        by a catalog lookup (0.2 ms) rather than a query of duckdb_tables() (1.3 ms)."""
        cur = self.cursor()
        try:
            cur.table('"' + name.replace('"', '""') + '"')
            return True
        except duckdb.CatalogException:
            return False
        finally:
            cur.close()

    def change_key(self) -> str:
        """What cached reads depend on besides the load (the team store: claims and referral
        answers written by other processes). Here every write is this process's, which
        clears the caches."""
        return ""

    def refresh(self, lazy: Sequence[str] = ()) -> None:
        """Catch up with other processes' writes: nothing to do, there are none."""

    # -- the feed ------------------------------------------------------------------------
    @contextmanager
    def feed_build(self) -> Iterator[Database]:
        """Where a load builds the new feed: this file (its swap is one transaction here)."""
        yield self

    def publish(self, build: Database, record: Callable[..., None]) -> None:
        """Nothing left to do: the swap's transaction recorded the load (fcu.feed.swap)."""

    # -- writing -------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One short transaction on a fresh cursor: committed on success, rolled back on error."""
        with self._file_transaction() as cur:
            yield cur

    @contextmanager
    def _file_transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self._con.cursor()
        cur.execute("BEGIN TRANSACTION")
        try:
            yield cur
        except BaseException:
            try:
                cur.execute("ROLLBACK")
            finally:
                cur.close()
            raise
        else:
            try:
                cur.execute("COMMIT")
            except BaseException:
                try:
                    cur.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                raise
            finally:
                cur.close()

    def write(self, work: Callable[[duckdb.DuckDBPyConnection], T], *, attempts: int = 8) -> T:
        """Run ``work(cursor)`` in a transaction, retrying when DuckDB reports a conflict."""
        return self._write_file(work, attempts=attempts)

    def _write_file(self, work: Callable[[duckdb.DuckDBPyConnection], T], *, attempts: int) -> T:
        """``write`` on this DuckDB file (the team store's own file too, for its schema)."""
        delay = 0.01
        for attempt in range(attempts):
            try:
                with self._file_transaction() as cur:
                    return work(cur)
            except duckdb.TransactionException as exc:
                if "conflict" not in str(exc).lower() or attempt == attempts - 1:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
        raise AssertionError("unreachable")

    def write_serialised(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """``write`` for a write whose checks must see every earlier write (a version, the
        number of admins left): one at a time in this process.

        DuckDB lets a transaction change rows after another transaction committed changes
        that the first one's checks read (an update of the same row, a delete of another
        row), so "check, then write" inside one transaction does not by itself stop a lost
        update. DuckDB lets only one process open the file read-write, so this lock covers
        every writer.
        """
        with _SERIALISED_WRITES:
            return self.write(work)

    # -- schema --------------------------------------------------------------------------
    def schema_version(self) -> int:
        if not self.table_exists("schema_version"):
            return 0
        return int(self.scalar("SELECT max(version) FROM schema_version") or 0)

    def _applied_versions(self) -> set[int]:
        return {int(row[0]) for row in self.execute("SELECT version FROM schema_version")}

    def migrate(self) -> None:
        with _SERIALISED_WRITES:
            cur = self.cursor()
            try:
                cur.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version "
                    "(version INTEGER PRIMARY KEY, applied_at TIMESTAMP DEFAULT current_timestamp)"
                )
            finally:
                cur.close()
            current = self.schema_version()
            if current > SCHEMA_VERSION:
                raise DatabaseError(
                    f"The database file {self.path} was written by a newer FCU (schema "
                    f"{current}, this one knows {SCHEMA_VERSION}). Upgrade FCU to open it."
                )
            applied = self._applied_versions()
            for version, path in MIGRATIONS.items():
                if version in applied:
                    continue

                def apply(cur: duckdb.DuckDBPyConnection, path: Path = path, v: int = version):
                    _apply_migration(cur, path)
                    cur.execute("INSERT INTO schema_version (version) VALUES (?)", [v])

                self._write_file(apply, attempts=8)

    def _drop_leftover_staging(self) -> None:
        """Drop the staging tables of a load whose process was killed part-way.

        A load builds them outside its final transaction; only one process may write the
        file, so when the first Database of this process opens it, none is in use.
        """
        names = self.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND ("
            + " OR ".join(f"starts_with(table_name, '{p}')" for p in LOAD_PREFIXES)
            + ")"
        )
        for (name,) in names:
            self.execute(f'DROP TABLE IF EXISTS "{name}"')

    def set_memory_limit(self, limit: str) -> None:
        """Bound DuckDB's memory (e.g. '256MB'); lowering it also hands cached memory back."""
        self._con.execute("SET GLOBAL memory_limit = ?", [limit])

    def close(self) -> None:
        with _open_lock:
            if self._key is not None and _open_count.get(self._key):
                _open_count[self._key] -= 1
            self._key = None
        self._con.close()


def _corrupt_message(path: Path) -> str:
    return (
        f"The database file {path} is damaged or is not an FCU database; restore it from a "
        "backup, or move it aside and run `python -m fcu init` to create a new one."
    )


def _io_message(path: Path, exc: Exception) -> str:
    text = str(exc)
    if "lock" in text.lower():
        return (
            f"The database file {path} is in use by another FCU process (only one may open "
            "it at a time). Stop the app or command that holds it, or point FCU_DB at another file."
        )
    return (
        f"The database file {path} could not be opened: {text.splitlines()[0]} "
        "Check the path and its permissions, or set FCU_DB to another file."
    )
