"""Fixtures of the reliability tests (helpers are in reliability_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_helpers import BIG_FEED_TENANTS, ROOT, fill_workspace
from streamlit.testing.v1 import AppTest

from fcu import db as fcu_db
from fcu.db import Database

DASHBOARD = str(ROOT / "dashboard.py")


@pytest.fixture
def workspace_db(db_path) -> Path:
    """A closed copy of the fixture database with one record in every workspace table."""
    database = Database(db_path)
    fill_workspace(database)
    database.close()
    return db_path


@pytest.fixture(scope="session")
def big_feed(tmp_path_factory) -> Path:
    """A sample feed whose current month (2026-11) differs from the fixture feed's."""
    from fcu.sample import write_sample_feed

    folder = tmp_path_factory.mktemp("big_feed")
    write_sample_feed(folder, tenants=BIG_FEED_TENANTS, seed=11, end_month="2026-11")
    return folder


@pytest.fixture
def app_for(monkeypatch):
    """AppTest of dashboard.py on a given database file, signed in (demo mode) as ``email``."""
    import streamlit as st

    from fcu.ui import keys

    def make(path: Path, email: str | None = "exec@northwind.example") -> AppTest:
        monkeypatch.setenv("FCU_DB", str(path))
        fcu_db.forget_shared()
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(DASHBOARD, default_timeout=60)
        at.secrets["fcu_tests"] = "demo mode"  # keeps a developer's own secrets.toml out
        if email:
            at.session_state[keys.DEMO_EMAIL] = email
        return at

    yield make
    st.cache_resource.clear()
    fcu_db.forget_shared()
