"""The app's access to the database: one shared Database per process, opened on first use,
and the cached reads of ``fcu`` (``st.cache_data``), all keyed the same way.

The key convention: every cached read takes ``feed_key()`` (the database file and the load
now in it) as its first argument, then the user and what it reads. ``feed_key`` asks the
database once per script run (``once_per_run``), however many cached reads a page makes;
a new load gives a new key, so no cached read outlives the feed it was read from.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from typing import TypeVar

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from fcu import db as fcu_db
from fcu import digest, mail, portfolio, referrals, store, sync
from fcu.access import User
from fcu.portfolio import FeedStatus, feed_status

T = TypeVar("T")
FeedKey = tuple[str, str, str]  # (store, load time as ISO text or '', Database.change_key)

# The app serves pages from small precomputed tables; a tight DuckDB limit keeps the process
# lean (a big query, such as a refresh after a claim, spills to disk). FCU_DUCKDB_MEMORY
# overrides.
APP_MEMORY_LIMIT = "256MB"
_RUN_MEMO = "_fcu_run_memo"  # attribute of Streamlit's ScriptRunContext (see once_per_run)


@st.cache_resource(show_spinner=False)
def _database(path: str) -> fcu_db.Database:
    db = store.shared(path)
    db.set_memory_limit(os.environ.get("FCU_DUCKDB_MEMORY", APP_MEMORY_LIMIT))
    sync.start_daily(db)  # the daily Partner Center sync, where FCU_SYNC_HOUR asks for it
    digest.start_daily(db, mail_secrets())  # the daily digest, where FCU_DIGEST_HOUR asks
    return db


def mail_secrets() -> dict:
    """The mail settings' keys found at the top level of the app's secrets (fcu.mail)."""
    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        return {k: st.secrets[k] for k in mail.KEYS if k in st.secrets}
    except Exception:  # noqa: BLE001 - an unreadable file is reported by the sign-in
        return {}


def database() -> fcu_db.Database:
    """The process-wide Database for $FCU_DB (or data/fcu.duckdb).

    A file that cannot be opened stops the page with the one sentence saying what to do
    (not cached, so the next run tries again once the file is fixed).
    """
    try:
        return _database(store.location())
    except fcu_db.DatabaseError as exc:
        logging.getLogger("fcu").error("database unavailable: %s", exc)
        st.error(str(exc))
        st.stop()


def _this_run() -> dict:
    """A dict that lives as long as the current script run (a fresh one outside any run).

    Streamlit gives each run a new ``cursors`` dict on its ScriptRunContext (``reset``);
    the memo remembers which one it belongs to, so the next run starts empty.
    """
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return {}
    memo = getattr(ctx, _RUN_MEMO, None)
    if memo is None or memo[0] is not ctx.cursors:
        memo = (ctx.cursors, {})
        setattr(ctx, _RUN_MEMO, memo)
    return memo[1]


def once_per_run(key: Hashable, read: Callable[[], T]) -> T:
    """``read()``, asked at most once per script run for ``key`` (small answers only: the
    loaded feed, who is signed in). ``clear_caches`` forgets them, as after a load."""
    memo = _this_run()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def current_feed() -> FeedStatus | None:
    """The loaded feed's month and load time, read once per run."""
    return once_per_run("feed_status", lambda: feed_status(database()))


def clear_caches() -> None:
    """After a write or a load: cached reads are stale, and so is what this run read once."""
    st.cache_data.clear()
    _this_run().clear()


def feed_key() -> FeedKey:
    """What every cached read depends on: the store, the load now in it and (the team store)
    the claims and referral answers other processes made since (``Database.change_key``)."""
    status = current_feed()
    changes = once_per_run("change_key", lambda: database().change_key())
    return store.location(), status.loaded_at.isoformat() if status else "", changes


def database_of(key: FeedKey) -> fcu_db.Database:
    """The Database a cached read was keyed with."""
    return _database(key[0])


@st.cache_data(max_entries=256, ttl=900, show_spinner=False)
def _tenant_workloads(key: FeedKey, user: User, tenant_id: str) -> pd.DataFrame:
    return portfolio.tenant_workloads(database_of(key), user, tenant_id)


@st.cache_data(max_entries=256, ttl=900, show_spinner=False)
def _tenant_trend(key: FeedKey, user: User, tenant_id: str) -> pd.DataFrame:
    return portfolio.tenant_trend(database_of(key), user, tenant_id)


def tenant_workloads(user: User, tenant_id: str) -> pd.DataFrame:
    """portfolio.tenant_workloads, cached per user, tenant and load (cleared after writes)."""
    return _tenant_workloads(feed_key(), user, tenant_id)


def tenant_trend(user: User, tenant_id: str) -> pd.DataFrame:
    """portfolio.tenant_trend, cached per user, tenant and load (cleared after writes)."""
    return _tenant_trend(feed_key(), user, tenant_id)


@st.cache_data(max_entries=256, ttl=900, show_spinner=False)
def _filter_options(key: FeedKey, user: User) -> portfolio.FilterOptions:
    return portfolio.filter_options(database_of(key), user)


def filter_options(user: User) -> portfolio.FilterOptions:
    """portfolio.filter_options (the Tenants filters' choices), cached per user and load:
    they do not move with the filters, so a rerun after a filter change need not ask."""
    return _filter_options(feed_key(), user)


@st.cache_data(max_entries=64, ttl=900, show_spinner=False)
def _referral_list(
    key: FeedKey, user: User, filters: referrals.ReferralFilters, now: datetime
) -> pd.DataFrame:
    return referrals.shown_list(database_of(key), user, filters, now=now)


def referral_list(user: User, filters: referrals.ReferralFilters) -> pd.DataFrame:
    """referrals.shown_list (the Referrals page's list), cached per user, filters, load and
    minute: the "not accepted in 7 days" flag moves with the clock, so a cached list is at
    most a minute behind it (answers given here clear the caches)."""
    minute = datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
    return _referral_list(feed_key(), user, filters, minute)
