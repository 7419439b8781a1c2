"""Shared fixtures: a real DuckDB file holding the hand-made fixture feed and its users.

The feed in tests/data/feed_small has known answers (its README lists them; its names and IDs
are in tests/fixtures.py); each test gets its own copy of the database file, so tests never
see each other's writes. The fixtures of one tier are in its own conftest.py (tests/app,
tests/e2e); those here are for more than one tier.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from fcu import db as fcu_db
from fcu import feed, referrals, users
from fcu.access import get_user
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
def db(db_path):
    database = fcu_db.Database(db_path)
    yield database
    database.close()


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
