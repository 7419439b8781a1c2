"""Shared fixtures: a real DuckDB file holding the hand-made fixture feed and its users.

The feed in tests/data/feed_small has known answers (its README lists them; its names and IDs
are in tests/fixtures.py); each test gets its own copy of the database file, so tests never
see each other's writes.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from fcu import db as fcu_db
from fcu import feed, users
from tests.fixtures import FIXTURE_FEED, FIXTURE_USERS


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
def app_env(db_path, monkeypatch):
    """Point the app (AppTest, same process) at a private copy of the fixture database."""
    monkeypatch.setenv("FCU_DB", str(db_path))
    fcu_db.forget_shared()
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield db_path
    st.cache_resource.clear()
    fcu_db.forget_shared()


@pytest.fixture
def downloads(monkeypatch) -> list:
    """The data callables of download buttons drawn in AppTest runs (call one for its bytes)."""
    import streamlit.testing.v1.app_test as app_test_module
    from streamlit.runtime.media_file_manager import MediaFileManager

    made: list = []

    class Recording(MediaFileManager):
        def add_deferred(self, data_callable, *args, **kwargs):
            made.append(data_callable)
            return super().add_deferred(data_callable, *args, **kwargs)

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)
    return made
