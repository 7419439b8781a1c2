"""Who is signed in. Demo mode (no [auth] in secrets): a "Signed in as" picker of the users
in the database and a banner; the OpenID Connect flow replaces it when configured."""

from __future__ import annotations

import streamlit as st

from fcu import access
from fcu.access import User
from fcu.ui import keys
from fcu.ui.data import database


def demo_mode() -> bool:
    return True


def sign_in() -> User | None:
    """Draw the sign-in controls in the sidebar and return who is signed in (dashboard only)."""
    db = database()
    people = access.list_users(db)
    if not people:
        st.sidebar.warning("No users exist yet. Add one with `python -m fcu users add`.")
        return None
    emails = [u.email for u in people]
    labels = {u.email: (u.display_name or u.email) for u in people}
    chosen = st.session_state.get(keys.DEMO_EMAIL)
    if chosen not in emails:
        chosen = emails[0]
    st.session_state[keys.DEMO_EMAIL] = chosen
    st.sidebar.selectbox(
        "Signed in as",
        emails,
        key=keys.DEMO_EMAIL,
        format_func=lambda e: labels[e],
        help="Demo mode: pick any sample user to see FCU through their role and scope.",
    )
    return current_user()


def current_user() -> User | None:
    """Who is signed in, for pages (draws nothing)."""
    email = st.session_state.get(keys.DEMO_EMAIL)
    return access.get_user(database(), email) if email else None
