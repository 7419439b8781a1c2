"""FCU for a team: PostgreSQL holds everything written in FCU; the feed is one immutable DuckDB
file per load under ``FCU_DATA_DIR/feeds``; each process reads both through a DuckDB of its own.

Why this shape. The pages' SQL is DuckDB's (macros, lists, the precomputed feed tables) and is
fast because it runs in-process; the workspace must be shared by several processes and its
checks (versions, one active claim, the last admin) must hold across them. So:

- **PostgreSQL** is the system of record for the workspace tables (``WORKSPACE``): every write
  runs there, in a ``SERIALIZABLE`` transaction retried on a serialisation failure, so "check,
  then write" holds between processes by the database's own means; unique keys stay
  constraints. A statement trigger bumps ``fcu_changes`` (one row per table) in the writing
  transaction; those rows are what readers poll.
- **The feed** of each load is a DuckDB file written once by the loader (``feeds/NNNNNN.duckdb``),
  then only read. The load's row in ``loads`` names it; it becomes current when that row
  commits, so a reader sees the old feed or the new one, never a mix.
- **Each process** keeps a private DuckDB file (in the system's temp folder) in which the
  current feed file is attached read-only behind views named as in the embedded store, and
  the workspace tables are mirrored from PostgreSQL. Before each read the mirror asks
  PostgreSQL one small question (``fcu_changes``); when a table moved it is copied again, in
  one consistent snapshot, and a new load is attached. The tables derived from claims
  (``precompute.CLAIM_DEPENDENT``) are local copies, recomputed for the tenants whose claims
  made in FCU changed.

The embedded store (``fcu.db.Database``) needs none of this; pages and commands call the same
module functions on either.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
import psycopg
from psycopg import errors as pg_errors
from psycopg.types.string import TextLoader
from psycopg_pool import ConnectionPool, PoolTimeout

from fcu import precompute
from fcu.db import LOAD_RUNNING, MIGRATIONS, SCHEMA_VERSION, Database, DatabaseError

T = TypeVar("T")
POSTGRES_MIGRATIONS = Path(__file__).with_name("sql") / "postgres"
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
FEEDS = "feeds"
KEEP_FEEDS = 3  # feed files kept: the current one and two before it (processes still reading)

# The workspace: PostgreSQL's tables, mirrored into each process's DuckDB.
WORKSPACE = (
    "users",
    "loads",
    "audit",
    "notes",
    "contacts",
    "service_status",
    "intent_notes",
    "app_claims",
    "referral_state",
    "syncs",
    "digest_subscriptions",
    "digests",
)
# Copied only when a statement names them (the audit grows with every write; only the
# export reads it).
LAZY = frozenset({"audit"})
# A statement naming one of these runs on the process's DuckDB (the feed and its derived
# tables, DuckDB's own catalog and the claims macros); every other one on PostgreSQL.
_LOCAL = re.compile(r"\b(feed_\w+|stg_\w+|duckdb_\w+|active_claims|effective_claims)\b", re.I)
_CHANGES = re.compile(r"\s*(INSERT|DELETE|UPDATE|CREATE|DROP|ALTER)\b", re.I)
_PARAM = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|\$[A-Za-z_]\w*|%")
_RETRY = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """Where a team's shared files live: an explicit path, else ``FCU_DATA_DIR``, else data/."""
    if path:
        return Path(path)
    env = os.environ.get("FCU_DATA_DIR")
    return Path(env) if env else DEFAULT_DATA_DIR


def postgres_sql(sql: str) -> str:
    """DuckDB's parameters (``?``, ``$name``) as psycopg's (``%s``, ``%(name)s``)."""

    def swap(match: re.Match) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if token.startswith("$"):
            return f"%({token[1:]})s"
        return token

    return _PARAM.sub(swap, sql)


def _describe(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


class TeamCursor:
    """What a write's ``work(cursor)`` gets on the team store: the DuckDB cursor's calls
    (``execute`` then ``fetchone`` / ``fetchall`` / ``df``), each statement run where its
    tables are: on PostgreSQL in the write's transaction, or on the process's DuckDB."""

    def __init__(self, pg: psycopg.Connection, local: duckdb.DuckDBPyConnection):
        self._pg = pg.cursor()
        self._local = local
        self._on = self._pg

    def execute(self, sql: str, params: Sequence[Any] | dict | None = None) -> TeamCursor:
        if _LOCAL.search(sql):
            if _CHANGES.match(sql):
                # a derived table's refresh inside a write (precompute.refresh_partner_tenant):
                # the process rebuilds those from the mirror once the write has committed
                # (TeamDatabase._claims_changed), under its refresh lock
                self._local.execute("SELECT 1 WHERE false")
            else:
                self._local.execute(sql, params or [])
            self._on = self._local
        else:
            try:
                self._pg.execute(postgres_sql(sql), params or None)
            except pg_errors.UniqueViolation as exc:
                # the embedded store's error for a key won meanwhile (fcu.workspace.write_checked)
                raise duckdb.ConstraintException(f"Constraint Error: {exc}") from exc
            self._on = self._pg
        return self

    def fetchone(self) -> tuple | None:
        return self._on.fetchone()

    def fetchall(self) -> list[tuple]:
        return self._on.fetchall()

    def df(self) -> pd.DataFrame:
        if self._on is self._local:
            return self._local.df()
        names = [c.name for c in self._pg.description or ()]
        return pd.DataFrame(self._pg.fetchall(), columns=names)

    def create_function(self, *args, **kwargs) -> None:
        self._local.create_function(*args, **kwargs)

    def close(self) -> None:
        self._pg.close()


def _configure(conn: psycopg.Connection) -> None:
    # JSON comes back as the text DuckDB would give; times are UTC, as in the embedded store.
    conn.adapters.register_loader("json", TextLoader)
    conn.adapters.register_loader("jsonb", TextLoader)
    conn.execute("SET TIME ZONE 'UTC'")


class TeamDatabase(Database):
    """The team store: ``Database``'s calls, on PostgreSQL and the shared feed files."""

    def __init__(self, url: str, folder: str | os.PathLike | None = None):
        self.url = url
        self.data_dir = data_dir(folder)
        self.feeds = self.data_dir / FEEDS
        self._versions: dict[str, int] = {}
        self._feed: str | None = None  # the attached feed file's name
        self._attached: list[str] = []
        self._refresh_lock = threading.RLock()
        self._ready = False  # the process's DuckDB has its schema (refresh waits for it)
        try:
            self.feeds.mkdir(mode=0o750, parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(
                f"The data folder {self.data_dir} cannot be used ({exc.strerror}); set "
                "FCU_DATA_DIR to a folder every FCU process of this deployment can read and "
                "the loader can write."
            ) from exc
        try:
            # one plain connection first: a server that refuses says so at once, where the
            # pool would keep trying until its timeout
            psycopg.connect(url, connect_timeout=10).close()
            self.pool = ConnectionPool(
                url,
                min_size=1,
                max_size=int(os.environ.get("FCU_POSTGRES_POOL", "8")),
                configure=_configure,
                # the version poll is one statement, not BEGIN / SELECT / COMMIT; writes and
                # the mirror's copies are explicit transactions (``pg.transaction()``)
                kwargs={"autocommit": True},
                open=True,
                timeout=30,
            )
            self.pool.wait(timeout=30)
        except Exception as exc:  # noqa: BLE001 - any failure to reach the server is one sentence
            raise DatabaseError(
                f"PostgreSQL at {_safe_url(url)} cannot be reached ({_describe(exc)}); check "
                "FCU_DATABASE_URL (or --database-url) and that the server is running."
            ) from exc
        self._local_dir = Path(tempfile.mkdtemp(prefix="fcu-local-"))
        super().__init__(self._local_dir / "local.duckdb")
        self._ready = True
        self.refresh()

    def describe(self) -> str:
        return f"PostgreSQL at {_safe_url(self.url)} with feeds in {self.feeds}"

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection; the server gone or out of connections is a DatabaseError
        with the sentence to act on (a conflict with another write is left to ``write``)."""
        try:
            with self.pool.connection() as pg:
                yield pg
        except _RETRY:
            raise
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise DatabaseError(
                f"PostgreSQL at {_safe_url(self.url)} did not answer ({_describe(exc)}); "
                "nothing was changed. Try again in a moment; if it persists, check that the "
                "server is running."
            ) from exc

    # -- schema --------------------------------------------------------------------------
    def migrate(self) -> None:
        """PostgreSQL's schema first (one process at a time, by an advisory lock), then the
        process's own DuckDB: the same version numbers, each in its dialect."""
        with self._connection() as pg:
            with pg.transaction():
                pg.execute("SELECT pg_advisory_xact_lock(7265)")  # 'fcu' migrations
                pg.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                    "applied_at TIMESTAMP DEFAULT current_timestamp)"
                )
                applied = {r[0] for r in pg.execute("SELECT version FROM schema_version")}
                newest = max(applied, default=0)
                if newest > SCHEMA_VERSION:
                    raise DatabaseError(
                        f"The PostgreSQL database at {_safe_url(self.url)} was written by a "
                        f"newer FCU (schema {newest}, this one knows {SCHEMA_VERSION}). "
                        "Upgrade FCU to use it."
                    )
                for version, path in MIGRATIONS.items():
                    if version in applied:
                        continue
                    _apply_postgres(pg, version, path)
                    pg.execute("INSERT INTO schema_version (version) VALUES (%s)", [version])
        super().migrate()

    def _drop_leftover_staging(self) -> None:
        pass  # the process's DuckDB is new; loads stage in a feed file of their own

    # -- reading -------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        self.refresh()
        return self._con.cursor()

    def _reader(self, sql: str) -> duckdb.DuckDBPyConnection:
        self.refresh(_lazy_named(sql))  # a lazily copied table, when the statement names it
        return self._con.cursor()

    def change_key(self) -> str:
        """Changes to what cached reads hold besides the feed (claims made in FCU, and the
        answers to referrals: the Referrals page's list)."""
        self.refresh()
        claims, answers = (self._versions.get(t, 0) for t in ("app_claims", "referral_state"))
        return f"{self._feed}:{claims}:{answers}"

    def refresh(self, lazy: Sequence[str] = ()) -> None:
        """Bring the mirror and the attached feed up to PostgreSQL's latest commit."""
        if not self._ready:
            return
        versions = self._poll()
        if not self._stale(versions, lazy):
            return
        # A connection first, then the lock, as a write takes them (transaction): the other
        # order would let threads holding every pooled connection wait on the lock's holder.
        with self._connection() as pg:
            with self._refresh_lock:
                pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                try:
                    with pg.transaction():  # one snapshot: the versions and the rows agree
                        self._copy(pg, lazy)
                finally:
                    pg.isolation_level = None

    def _stale(self, versions: dict[str, int], lazy: Sequence[str] = ()) -> list[str]:
        """The mirrored tables whose version moved (a lazy one only when asked for)."""
        return [
            t
            for t in WORKSPACE
            if versions.get(t, 0) != self._versions.get(t) and (t not in LAZY or t in lazy)
        ]

    def _copy(self, pg: psycopg.Connection, lazy: Sequence[str] = ()) -> None:
        """Copy the tables that moved, as the transaction open on ``pg`` sees them (its
        first statement, so the versions and the rows are of one snapshot)."""
        versions = dict(pg.execute("SELECT table_name, version FROM fcu_changes"))
        stale = self._stale(versions, lazy)
        if stale:
            self._store({t: self._read_table(pg, t) for t in stale})
            for table in stale:
                self._versions[table] = versions.get(table, 0)

    def _poll(self) -> dict[str, int]:
        """Each workspace table's version; once more on a new connection when the server
        dropped the pooled one (a restart): the pool replaces a broken connection."""
        for attempt in (1, 2):
            try:
                with self._connection() as pg:
                    return dict(pg.execute("SELECT table_name, version FROM fcu_changes"))
            except DatabaseError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _columns(self, table: str) -> list[tuple[str, str]]:
        return self._con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND table_schema = 'main' "
            "AND table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()

    def _read_table(self, pg: psycopg.Connection, table: str) -> pd.DataFrame:
        columns = self._columns(table)
        picks = [
            f"to_json({name})::text AS {name}" if _structured(kind) else name
            for name, kind in columns
        ]
        rows = pg.execute(f"SELECT {', '.join(picks)} FROM {table}").fetchall()
        return pd.DataFrame(rows, columns=[n for n, _ in columns], dtype=object)

    def _store(self, frames: dict[str, pd.DataFrame]) -> None:
        cur = self._con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            before = None
            if "app_claims" in frames and self._feed is not None:
                before = cur.sql("SELECT * FROM app_claims").to_arrow_table()
            for table, frame in frames.items():
                casts = [
                    f"CAST(CAST({name} AS JSON) AS {kind})"
                    if _structured(kind)
                    else f"CAST({name} AS {kind})"
                    for name, kind in self._columns(table)
                ]
                cur.register("incoming", frame)
                cur.execute(f"DELETE FROM {table}")
                cur.execute(f"INSERT INTO {table} SELECT {', '.join(casts)} FROM incoming")
                cur.unregister("incoming")
            attached = "loads" in frames and self._attach_current(cur)
            if before is not None and not attached:
                self._claims_changed(cur, before)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        finally:
            cur.close()

    def _claims_changed(self, cur: duckdb.DuckDBPyConnection, before: Any) -> None:
        """Recompute the claim-dependent tables for the tenants whose app claims changed."""
        cur.register("claims_before", before)
        tenants = [
            r[0]
            for r in cur.execute(
                "SELECT tenant_id FROM ((SELECT * FROM app_claims EXCEPT "
                "SELECT * FROM claims_before) UNION ALL (SELECT * FROM claims_before EXCEPT "
                "SELECT * FROM app_claims)) GROUP BY tenant_id"
            ).fetchall()
        ]
        cur.unregister("claims_before")
        if tenants:
            precompute.refresh_partner_tenants(cur, tenants)

    # -- the feed files ------------------------------------------------------------------
    def _attach_current(self, cur: duckdb.DuckDBPyConnection) -> bool:
        """Attach the newest loaded feed file if it is not the one attached; True if so."""
        name = cur.execute(
            "SELECT snapshot FROM loads WHERE outcome = 'loaded' AND snapshot IS NOT NULL "
            "ORDER BY load_id DESC LIMIT 1"
        ).fetchone()
        name = name[0] if name else None
        if name is None or name == self._feed:
            return False
        path = self.feeds / name
        alias = "feed_" + re.sub(r"\W", "_", Path(name).stem)
        if alias not in self._attached:
            try:
                cur.execute(f"ATTACH '{_quote(path)}' AS {alias} (READ_ONLY)")
            except duckdb.Error as exc:
                raise DatabaseError(
                    f"The feed file {path} cannot be read ({_describe(exc)}); every FCU "
                    "process needs FCU_DATA_DIR on the same shared folder."
                ) from exc
            self._attached.append(alias)
        tables = [
            r[0]
            for r in cur.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = ? "
                "AND starts_with(table_name, 'feed_')",
                [alias],
            ).fetchall()
        ]
        for table in _local_objects(cur, "feed_"):
            kind = "VIEW" if table[1] == "VIEW" else "TABLE"
            cur.execute(f"DROP {kind} IF EXISTS main.{table[0]}")
        for table in tables:
            if table in precompute.CLAIM_DEPENDENT:
                cur.execute(f"CREATE TABLE main.{table} AS SELECT * FROM {alias}.main.{table}")
            else:
                cur.execute(f"CREATE VIEW main.{table} AS SELECT * FROM {alias}.main.{table}")
        # the claims made in FCU since the loader copied them
        loaded_with = cur.sql(f"SELECT * FROM {alias}.main.app_claims").to_arrow_table()
        self._feed = name
        self._claims_changed(cur, loaded_with)
        self._detach_old()
        return True

    def _detach_old(self) -> None:
        while len(self._attached) > 2:  # a query begun on the one before may still run
            alias = self._attached.pop(0)
            try:
                self._con.execute(f"DETACH {alias}")
            except duckdb.Error:
                self._attached.insert(0, alias)
                break

    @contextmanager
    def feed_build(self) -> Iterator[Database]:
        """A new feed file to load into: the current feed and the claims made in FCU copied
        in (a load reads both); renamed to its final name by ``publish``, removed if the load
        does not get that far."""
        self.refresh()
        with self._connection() as lock:
            # one load at a time across processes: each builds on the feed before it (a
            # session lock, held by this connection until unlocked or the process dies)
            if not lock.execute("SELECT pg_try_advisory_lock(7266)").fetchone()[0]:
                raise DatabaseError(LOAD_RUNNING)
            try:
                with self._building() as build:
                    yield build
            finally:
                lock.execute("SELECT pg_advisory_unlock(7266)")

    @contextmanager
    def _building(self) -> Iterator[Database]:
        building = self.feeds / f".building-{uuid.uuid4().hex}.duckdb"
        build = Database(building)
        try:
            cur = build.cursor()
            try:
                if self._feed is not None:  # the feed it replaces, read where it lies
                    path = _quote(self.feeds / self._feed)
                    cur.execute(f"ATTACH '{path}' AS current_feed (READ_ONLY)")
                for table, _ in _local_objects(self._con, "feed_"):
                    if table in precompute.RETIRED_TABLES:
                        continue
                    if table in precompute.CLAIM_DEPENDENT:  # this process's, claims applied
                        frame = self._con.sql(f"SELECT * FROM main.{table}").to_arrow_table()
                        cur.register("incoming", frame)
                        cur.execute(f"CREATE TABLE {table} AS SELECT * FROM incoming")
                        cur.unregister("incoming")
                    else:
                        cur.execute(
                            f"CREATE VIEW {table} AS SELECT * FROM current_feed.main.{table}"
                        )
                claims = self._con.sql("SELECT * FROM app_claims").to_arrow_table()
                cur.register("incoming", claims)
                cur.execute("INSERT INTO app_claims SELECT * FROM incoming")
                cur.unregister("incoming")
            finally:
                cur.close()
            build.built = building  # type: ignore[attr-defined]
            yield build
        finally:
            build.close()
            building.unlink(missing_ok=True)
            Path(f"{building}.wal").unlink(missing_ok=True)

    def publish(self, build: Database, record: Callable[[TeamCursor], None]) -> None:
        """Make a built feed current: its file under its final name, then its row in
        ``loads`` (``record`` writes it): the commit of that row is the swap."""
        for view, _ in _local_objects(build._con, "feed_"):  # the old feed's, not replaced
            if _ == "VIEW":
                build.execute(f"DROP VIEW {view}")
        if build.scalar(
            "SELECT count(*) FROM duckdb_databases() WHERE database_name = 'current_feed'"
        ):
            build.execute("DETACH current_feed")
        build.execute("CHECKPOINT")
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.duckdb"
        build.close()
        os.replace(build.built, self.feeds / name)  # type: ignore[attr-defined]
        try:
            self.write(lambda cur: record(cur, snapshot=name))
        except BaseException:
            (self.feeds / name).unlink(missing_ok=True)
            raise
        self.refresh()
        self._prune_feeds(keep=name)

    def _prune_feeds(self, keep: str) -> None:
        names = sorted(p.name for p in self.feeds.glob("[0-9]*.duckdb"))
        for name in names[:-KEEP_FEEDS]:
            if name != keep:
                (self.feeds / name).unlink(missing_ok=True)

    # -- writing -------------------------------------------------------------------------
    @contextmanager
    def _live_connection(self) -> Iterator[psycopg.Connection]:
        """``_connection`` checked first: a pooled connection the server dropped (a restart)
        is replaced before a write begins, so no write is ever sent twice."""
        for _ in range(self.pool.max_size + 1):
            with self._connection() as pg:
                try:
                    pg.execute("SELECT 1")
                except psycopg.OperationalError:
                    continue  # broken: the pool discards it
                yield pg
                return
        raise DatabaseError(f"PostgreSQL at {_safe_url(self.url)} keeps dropping connections.")

    @contextmanager
    def transaction(self) -> Iterator[TeamCursor]:
        with self._live_connection() as pg:
            pg.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
            local = self._con.cursor()
            try:
                with pg.transaction():
                    # The write's snapshot is taken here, and the mirror brought to it: what
                    # the write checks on the process's DuckDB (who holds a claim) is what its
                    # statements on PostgreSQL see, never an older state.
                    with self._refresh_lock:
                        self._copy(pg)
                    cur = TeamCursor(pg, local)
                    yield cur
                    cur.close()
            finally:
                local.close()
                pg.isolation_level = None

    def write(self, work: Callable[[TeamCursor], T], *, attempts: int = 12) -> T:
        """Run ``work(cursor)`` in a SERIALIZABLE transaction on PostgreSQL, again when the
        server reports a conflict with another process's write; the mirror catches up before
        each try (checks made on the process's DuckDB see the latest claims) and after."""
        delay = 0.01
        for attempt in range(attempts):
            self.refresh()
            try:
                with self.transaction() as cur:
                    result = work(cur)
                break
            except _RETRY:
                if attempt == attempts - 1:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

        self.refresh()
        return result

    def write_serialised(self, work: Callable[[TeamCursor], T]) -> T:
        """``write``: SERIALIZABLE already makes a check see every write committed before
        its own commits, across processes."""
        return self.write(work)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.pool.close()
            shutil.rmtree(self._local_dir, ignore_errors=True)


def _apply_postgres(pg: psycopg.Connection, version: int, path: Path) -> None:
    """A migration in PostgreSQL's dialect: ``sql/postgres/NNN_*.sql`` where DuckDB's text
    does not fit, else the shared one (a Python migration gets a TeamCursor-like cursor)."""
    own = sorted(POSTGRES_MIGRATIONS.glob(f"{version:03d}_*.sql"))
    if own:
        pg.execute(own[0].read_text())
        return
    if path.suffix == ".sql":
        pg.execute(path.read_text())
        return
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"fcu_pg_migration_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.apply(TeamCursor(pg, duckdb.connect()))


def _structured(kind: str) -> bool:
    return kind.endswith("[]") or kind.startswith("MAP") or kind == "JSON"


def _lazy_named(sql: str) -> tuple[str, ...]:
    return tuple(t for t in LAZY if re.search(rf"\b{t}\b", sql, re.I))


def _local_objects(con: duckdb.DuckDBPyConnection, prefix: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE database_name = "
        "current_database() AND schema_name = 'main' AND starts_with(table_name, ?) "
        "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE database_name = "
        "current_database() AND schema_name = 'main' AND NOT internal "
        "AND starts_with(view_name, ?)",
        [prefix, prefix],
    ).fetchall()


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)
