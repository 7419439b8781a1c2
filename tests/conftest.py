"""Shared fixtures: a real DuckDB file holding the hand-made fixture feed and its users.

The feed in tests/data/feed_small has known answers (its README lists them; its names and IDs
are in tests/fixtures.py); each test gets its own copy of the database file, so tests never
see each other's writes. The fixtures of one tier are in its own conftest.py (tests/app,
tests/e2e); those here are for more than one tier.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from fcu import db as fcu_db
from fcu import feed, referrals, users
from fcu.access import get_user
from fcu.team import TeamDatabase
from tests.fixtures import (
    DECLINE_REASON,
    EXEC,
    FIXTURE_FEED,
    FIXTURE_USERS,
    bad_database_file,
    fill_workspace,
    write_hostile_db,
)


@pytest.fixture(scope="session")
def fixture_db_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "fcu.duckdb"
    database = fcu_db.Database(path)
    result = feed.load_feed(database, FIXTURE_FEED, loaded_by="tests")
    assert result.ok, [str(p) for p in result.problems]
    users.add_many(database, list(FIXTURE_USERS.values()), actor="tests")
    database.execute("CHECKPOINT")
    database.close()
    return path


@pytest.fixture
def db_path(fixture_db_template, tmp_path) -> Path:
    """A private copy of the fixture database file."""
    path = tmp_path / "fcu.duckdb"
    shutil.copy(fixture_db_template, path)
    return path


@pytest.fixture
def store(request) -> str:
    """Which store a test runs on: 'embedded' (one DuckDB file), or for a test marked
    ``both_stores`` each of 'embedded' and 'team' (PostgreSQL and the feed's files)."""
    return getattr(request, "param", "embedded")


def pytest_generate_tests(metafunc):
    if "store" not in metafunc.fixturenames:
        return
    if not metafunc.definition.get_closest_marker("both_stores"):
        return
    if any(m.args[0] == "store" for m in metafunc.definition.iter_markers("parametrize")):
        return  # the test names its store itself
    metafunc.parametrize("store", ["embedded", "team"], indirect=True)


@pytest.fixture
def db(store, db_path, request):
    """The fixture database on the test's store (a private copy either way)."""
    if store == "team":
        url, folder = request.getfixturevalue("team_store")
        database = TeamDatabase(url, folder)
    else:
        database = fcu_db.Database(db_path)
    yield database
    database.close()


# -- PostgreSQL: a server of the tests' own, the fixture loaded once, a copy per test ---------
ROOT = Path(__file__).resolve().parents[1]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL server: FCU_TEST_DATABASE_URL (.ci/run starts one), else a cluster started
    here by .ci/postgres when PostgreSQL is installed, else the team-store tests are skipped."""
    url = os.environ.get("FCU_TEST_DATABASE_URL")
    if url:
        yield url
        return
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip(
            "PostgreSQL is not installed here (apt-get install postgresql), or set "
            "FCU_TEST_DATABASE_URL"
        )
    folder = Path(tempfile.mkdtemp(prefix="fcu-test-pg-"))
    folder.chmod(0o755)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = str(ROOT / ".ci" / "postgres")
    url = subprocess.check_output([script, "start", str(folder), str(port)], text=True).strip()
    yield url
    subprocess.run([script, "stop", str(folder)], check=False)
    shutil.rmtree(folder, ignore_errors=True)


def _admin(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.fixture(scope="session")
def team_template(postgres_url, tmp_path_factory):
    """A PostgreSQL database and a data folder holding the fixture feed and users, closed."""
    name = f"fcu_template_{uuid.uuid4().hex[:8]}"
    _admin(postgres_url, f"CREATE DATABASE {name}")
    folder = tmp_path_factory.mktemp("team-template")
    database = TeamDatabase(_with_database(postgres_url, name), folder)
    result = feed.load_feed(database, FIXTURE_FEED, loaded_by="tests")
    assert result.ok, [str(p) for p in result.problems]
    users.add_many(database, list(FIXTURE_USERS.values()), actor="tests")
    database.close()
    yield name, folder
    _admin(postgres_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def team_store(postgres_url, team_template, tmp_path):
    """(url, data folder) of a private copy of the team template."""
    template, folder = team_template
    name = f"fcu_test_{uuid.uuid4().hex[:12]}"
    _admin(postgres_url, f"CREATE DATABASE {name} TEMPLATE {template}")
    copy = tmp_path / "team-data"
    shutil.copytree(folder, copy)
    yield _with_database(postgres_url, name), copy
    _admin(postgres_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def at_once():
    """``at_once(count, work)``: run ``work(0)`` .. ``work(count - 1)`` in as many threads,
    released together, and wait for them all."""

    def run(count: int, work) -> None:
        start = threading.Barrier(count)

        def go(number: int) -> None:
            start.wait()
            work(number)

        threads = [threading.Thread(target=go, args=(n,)) for n in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    return run


@pytest.fixture
def user():
    """Look up a fixture user by email: user('report@northwind.example')."""
    return lambda email: FIXTURE_USERS[email]


@pytest.fixture
def workspace_db(db_path) -> Path:
    """A closed copy of the fixture database with one record in every workspace table."""
    database = fcu_db.Database(db_path)
    fill_workspace(database)
    database.close()
    return db_path


@pytest.fixture(scope="session")
def big_feed(tmp_path_factory) -> Path:
    """A sample feed whose current month (2026-11) differs from the fixture feed's, with
    enough tenants (400) that a load takes a few seconds to kill part-way."""
    from fcu.sample import write_sample_feed

    folder = tmp_path_factory.mktemp("big_feed")
    write_sample_feed(folder, tenants=400, seed=11, end_month="2026-11")
    return folder


@pytest.fixture(scope="session")
def hostile_db(tmp_path_factory, fixture_db_template) -> Path:
    """The fixture feed with markup in its text columns, and a workspace full of it
    (``write_hostile_db``); tests read it, or copy it before writing."""
    return write_hostile_db(tmp_path_factory.mktemp("hostile_users"), fixture_db_template)


@pytest.fixture
def declined(db_path) -> Path:
    """R3 (Beta, M12) declined by an executive with a reason quoting a customer's email."""
    db = fcu_db.Database(db_path)
    referrals.decline(db, get_user(db, EXEC), "R3", DECLINE_REASON, 0)
    db.execute("CHECKPOINT")
    db.close()
    return db_path


@pytest.fixture
def bad_db_file(tmp_path, fixture_db_template):
    """``bad_db_file(kind)``: a database path of one of ``fixtures.BAD_FILES``' kinds."""
    return lambda kind: bad_database_file(kind, tmp_path, fixture_db_template)


@pytest.fixture
def work_db(db_path) -> Path:
    """A closed copy of the fixture database with the work-queue tests' next actions and the
    digest on for ``DIGEST_USERS`` (``tests.fixtures.fill_work``)."""
    from tests.fixtures import fill_work

    database = fcu_db.Database(db_path)
    fill_work(database)
    database.close()
    return db_path
