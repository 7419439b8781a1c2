"""What every page shares: the header with the feed's month, access checks, error handling."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit import config
from streamlit.runtime.pages_manager import PagesManager

from fcu.access import User
from fcu.ui import auth, tables
from fcu.ui.data import current_feed

log = logging.getLogger("fcu")
FETCH_ERROR = "An error occurred while fetching data, please refresh the page and retry."


def frame(user: User | None) -> None:
    """Banner and sidebar facts shown around every page."""
    demo = auth.demo_mode()
    if demo:
        st.sidebar.info(
            "**Demo mode**: sign-in is not configured, so anyone can pick a sample user. "
            "Configure sign-in before real data goes in (see the README)."
        )
    else:
        email = auth.signed_in_email()
        if email:
            st.sidebar.text(f"Signed in as {email}")
    if user is not None:
        st.sidebar.caption(tables.plain(f"{user.role_label} · {user.scope_label}"))
    if not demo:
        auth.sign_out_button()


def through_dashboard() -> None:
    """Make sure the page runs inside dashboard.py (sign-in, navigation by role).

    With a pages/ folder next to dashboard.py, a fresh Streamlit server starts in its old
    multipage mode: until some run calls st.navigation, a request for a page other than
    home (a shared ?tenant= link, say) runs that page file alone, skipping dashboard.py.
    Leave that mode for good and rerun the same address through dashboard.py. (Not under
    AppTest: it re-enters that mode on every run, and the rerun would drop button clicks.)
    """
    if getattr(PagesManager, "uses_pages_directory", False) and not config.get_option(
        "global.appTest"  # (AppTest patches streamlit.config.get_option, not st.get_option)
    ):
        PagesManager.uses_pages_directory = False
        st.rerun()


def header(title: str) -> None:
    """The page title and the data's current month and load time."""
    through_dashboard()
    st.title(title)
    try:
        status = current_feed()
    except Exception:  # noqa: BLE001 - reported, never shown as a trace
        log.exception("reading the feed status failed")
        st.error(FETCH_ERROR)
        st.stop()
    if status is None:
        st.caption("No feed is loaded yet. An admin loads one on the Data page.")
    else:
        st.caption(
            f"Data for **{status.current_month}** · feed loaded "
            f"{status.loaded_at:%Y-%m-%d %H:%M} UTC"
        )


def require(user: User | None, *, revenue: bool = False, admin: bool = False) -> User:
    """Stop the page unless the user has a role (and revenue or admin rights if asked)."""
    through_dashboard()
    if user is None or not user.has_access:
        st.error("You need the Executive report viewer or Report viewer role to see this page.")
        st.stop()
    if revenue and not user.sees_revenue:
        st.error("This page is for Executive report viewers.")
        st.stop()
    if admin and not user.is_admin:
        st.error("This page is for admins of your partner.")
        st.stop()
    return user


@contextmanager
def fetching() -> Iterator[None]:
    """Run data reads; on failure log the cause and show the one sentence users get."""
    try:
        yield
    except Exception:  # noqa: BLE001
        log.exception("a page failed while reading data")
        st.error(FETCH_ERROR)
        st.stop()
