"""The app's access to the database: one shared Database per process, opened on first use."""

from __future__ import annotations

import logging
import os

import pandas as pd
import streamlit as st

from fcu import db as fcu_db
from fcu import portfolio, sync
from fcu.access import User
from fcu.portfolio import FeedStatus, feed_status

# The app serves pages from small precomputed tables; a tight DuckDB limit keeps the process
# lean (big builds such as the earnings history spill to disk). FCU_DUCKDB_MEMORY overrides.
APP_MEMORY_LIMIT = "256MB"


@st.cache_resource(show_spinner=False)
def _database(path: str) -> fcu_db.Database:
    db = fcu_db.shared(path)
    db.set_memory_limit(os.environ.get("FCU_DUCKDB_MEMORY", APP_MEMORY_LIMIT))
    sync.start_daily(db)  # the daily Partner Center sync, where FCU_SYNC_HOUR asks for it
    return db


def database() -> fcu_db.Database:
    """The process-wide Database for $FCU_DB (or data/fcu.duckdb).

    A file that cannot be opened stops the page with the one sentence saying what to do
    (not cached, so the next run tries again once the file is fixed).
    """
    try:
        return _database(str(fcu_db.db_path()))
    except fcu_db.DatabaseError as exc:
        logging.getLogger("fcu").error("database unavailable: %s", exc)
        st.error(str(exc))
        st.stop()


def current_feed() -> FeedStatus | None:
    return feed_status(database())


def clear_caches() -> None:
    """After a write or a load: cached reads are stale."""
    st.cache_data.clear()


def feed_key() -> tuple[str, str]:
    """What cached reads depend on: the database file and the load now in it."""
    status = current_feed()
    return str(fcu_db.db_path()), status.loaded_at.isoformat() if status else ""


@st.cache_data(max_entries=256, ttl=900, show_spinner=False)
def _tenant_workloads(path: str, loaded: str, user: User, tenant_id: str) -> pd.DataFrame:
    return portfolio.tenant_workloads(_database(path), user, tenant_id)


@st.cache_data(max_entries=256, ttl=900, show_spinner=False)
def _tenant_trend(path: str, loaded: str, user: User, tenant_id: str) -> pd.DataFrame:
    return portfolio.tenant_trend(_database(path), user, tenant_id)


def tenant_workloads(user: User, tenant_id: str) -> pd.DataFrame:
    """portfolio.tenant_workloads, cached per user, tenant and load (cleared after writes)."""
    return _tenant_workloads(*feed_key(), user, tenant_id)


def tenant_trend(user: User, tenant_id: str) -> pd.DataFrame:
    """portfolio.tenant_trend, cached per user, tenant and load (cleared after writes)."""
    return _tenant_trend(*feed_key(), user, tenant_id)
