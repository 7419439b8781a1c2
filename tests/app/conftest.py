"""Fixtures of the AppTest tier: the app pointed at a database file, and its downloads.

Build an AppTest with ``tests.fixtures.app_test`` (signed in as someone, on a page, with query
parameters) once ``app_env`` has pointed the app at a copy of the fixture database, or with
``app_on(path, ...)`` for another database file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fcu import store
from tests.fixtures import EXEC, app_test


def _forget_the_app_state() -> None:
    import streamlit as st

    store.forget_shared()
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app_env(store, db_path, monkeypatch, request):
    """Point the app (AppTest, same process) at a private copy of the fixture database: the
    file, or for a test marked ``both_stores`` also the team store's copy (PostgreSQL)."""
    monkeypatch.setenv("FCU_DB", str(db_path))
    if store == "team":
        url, folder = request.getfixturevalue("team_store")
        monkeypatch.setenv("FCU_DATABASE_URL", url)
        monkeypatch.setenv("FCU_DATA_DIR", str(folder))
    _forget_the_app_state()
    yield db_path
    _forget_the_app_state()


@pytest.fixture
def app_on(monkeypatch):
    """``app_on(path, email=EXEC, page=None, **options)``: ``app_test(email, page, **options)``
    run on the database file at ``path`` (the app's caches and connection forgotten first, so
    each call reads the file afresh); ``email=None`` signs no one in."""

    def make(path: Path, email: str | None = EXEC, page: str | None = None, **options):
        monkeypatch.setenv("FCU_DB", str(path))
        _forget_the_app_state()
        options.setdefault("timeout", 60)
        return app_test(email, page, **options)

    yield make
    _forget_the_app_state()


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
