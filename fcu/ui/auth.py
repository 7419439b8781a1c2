"""Who is signed in.

Two modes, chosen by the secrets file (``.streamlit/secrets.toml``) alone:

- **OpenID Connect** when it has an ``[auth]`` section: people sign in with ``st.login``
  (Microsoft Entra ID in practice) and ``st.user.email`` is matched, case-insensitively, to a
  user in the database. Nothing a visitor sends (URL, widget, session state) can choose who
  they are; the demo picker does not exist in this mode.
- **Demo** otherwise: a "Signed in as" picker of the users in the database, under a banner.
  ``FCU_REQUIRE_SIGN_IN=1`` makes the app refuse to run in demo mode.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import NoReturn
from urllib.parse import quote

import streamlit as st

from fcu import access, config, users
from fcu.access import User
from fcu.ui import keys
from fcu.ui.data import database, once_per_run

log = logging.getLogger("fcu")

HOW_TO_CONFIGURE = (
    "Sign-in is required (FCU_REQUIRE_SIGN_IN=1) but not configured: add an [auth] section "
    "to .streamlit/secrets.toml as shown in .streamlit/secrets.toml.example and the README's "
    "Sign-in section, then restart FCU."
)
SECRETS_UNREADABLE = (
    "FCU cannot read its secrets file (.streamlit/secrets.toml), so it cannot tell whether "
    "sign-in is configured. Fix the file (the server log says what is wrong) and restart FCU."
)
NO_EMAIL = (
    "Your sign-in did not include a verified email address, so FCU cannot tell who you are. "
    "Ask your administrator to add the email claim to the sign-in (see the README's Sign-in "
    "section)."
)


WRONG_DIRECTORY = (
    "Your account's organisation (Entra ID directory) is not one of those allowed to sign in "
    "to this FCU. Sign in with your work account of the partner, or ask its administrator."
)
NO_SUBJECT = (
    "Your sign-in did not say which account you are (no oid or sub claim), so FCU cannot "
    "tell who you are. Ask your administrator to check the app registration."
)


class _Unreadable(Exception):
    """A secrets file exists but Streamlit could not load it."""


def _auth_section() -> Mapping | None:
    """The [auth] section of the secrets, or None when there is none."""
    if st.secrets.load_if_toml_exists():
        section = st.secrets.get("auth")
        return section if isinstance(section, Mapping) else None
    # No file at all means demo mode; a file that exists but does not load must not
    # quietly fall back to demo mode (that would open the app to anyone).
    paths = st.get_option("secrets.files") or []
    if any(os.path.isfile(p) for p in paths):
        raise _Unreadable
    return None


def demo_mode() -> bool:
    """True when sign-in is not configured (no [auth] in the secrets)."""
    try:
        return _auth_section() is None
    except _Unreadable:
        return False


def _logged_in() -> bool:
    """Signed in through OpenID Connect (st.user comes from Streamlit's signed cookie)."""
    return st.user.get("is_logged_in") is True


def signed_in_email() -> str | None:
    """The email of whoever is signed in (normalised), or None.

    In OpenID Connect mode only ``st.user`` counts; in demo mode, the picked sample user.
    """
    if demo_mode():
        if config.require_sign_in():
            return None
        email = st.session_state.get(keys.DEMO_EMAIL)
    else:
        if identity_problem() is not None:
            return None
        email = st.user.get("email")
    if not isinstance(email, str) or not email.strip():
        return None
    return access.normalise_email(email)


def identity_problem() -> str | None:
    """Why the OpenID Connect sign-in cannot say who this is (a sentence), or None.

    The email claim alone is not an identity: the account must come from an allowed
    directory (``tid`` in ``[auth] allowed_tenants`` when that is set) and carry a stable
    subject (``oid``, else ``sub``) that the user record is bound to on first sign-in.
    """
    if not _logged_in():
        return NO_EMAIL
    email = st.user.get("email")
    if st.user.get("email_verified") is False or not isinstance(email, str) or not email.strip():
        return NO_EMAIL
    allowed = config.allowed_tenants(_auth_section() or {})
    if allowed and str(st.user.get("tid") or "").strip().lower() not in allowed:
        return WRONG_DIRECTORY
    if not _subject():
        return NO_SUBJECT
    return None


def _subject() -> str | None:
    subject = st.user.get("oid") or st.user.get("sub")
    return str(subject) if subject else None


def current_user() -> User | None:
    """Who is signed in and has a user record, for pages (draws nothing).

    With OpenID Connect, the record is bound to the sign-in account on the first sign-in
    (checked once per session); another account with the same email gets None. The record
    is read once per run (the dashboard's sign-in, then the page, ask the same question).
    """
    email = signed_in_email()
    if not email:
        return None
    return once_per_run(("current_user", email), lambda: _user_record(email))


def _user_record(email: str) -> User | None:
    db = database()
    user = access.get_user(db, email)
    if user is None or demo_mode():
        return user
    bound = (email, _subject())
    if st.session_state.get(keys.BOUND_SUBJECT) != bound:
        try:
            users.bind_subject(db, email, bound[1])
        except users.SubjectMismatch:
            return None
        st.session_state[keys.BOUND_SUBJECT] = bound
    return user


def sign_in() -> User | None:
    """Draw the sign-in controls and return who is signed in (dashboard only).

    Stops the run (nothing else is drawn) until the person has signed in.
    """
    try:
        section = _auth_section()
    except _Unreadable:
        log.error("secrets file present but unreadable; refusing to start")
        _only(lambda: st.error(SECRETS_UNREADABLE))
    if section is None:
        if config.require_sign_in():
            _only(lambda: st.error(HOW_TO_CONFIGURE))
        return _demo_picker()
    problems = config.auth_problems(section)
    if problems:
        log.error("sign-in configuration is incomplete: %s", " ".join(problems))
        message = (
            "Sign-in is configured but incomplete: "
            + " ".join(problems)
            + " Fix .streamlit/secrets.toml (see the README's Sign-in section) and restart FCU."
        )
        _only(lambda: st.error(message))
    if not _logged_in():
        _only(_sign_in_screen)
    if signed_in_email() is None:
        _only(_no_email_screen)
    user = current_user()
    if user is None and access.get_user(database(), signed_in_email()) is not None:
        _only(_other_account_screen)  # the email is a user's, bound to another account
    return user


def _only(draw: Callable[[], object]) -> NoReturn:
    """Show one screen and stop: no navigation, so no page of the app runs (whatever the URL)."""
    st.navigation([st.Page(draw, title="FCU", default=True)], position="hidden").run()
    st.stop()


def _sign_in_screen() -> None:
    st.title("FCU")
    st.write("Sign in with your work account to see your partner's customers.")
    if st.button("Sign in", type="primary", icon=":material/login:"):
        st.login()


def _no_email_screen() -> None:
    st.error(identity_problem() or NO_EMAIL)
    sign_out_button()


OTHER_ACCOUNT = (
    "This email address belongs to a FCU user who signs in with another account, so FCU "
    "refuses this one. If the account was replaced, an admin of the partner removes and "
    "re-adds the user."
)


def _other_account_screen() -> None:
    st.error(OTHER_ACCOUNT)
    sign_out_button()


def sign_out_button() -> None:
    """A "Sign out" button in the sidebar, when signed in through OpenID Connect."""
    if demo_mode() or not _logged_in():
        return
    if st.sidebar.button("Sign out", icon=":material/logout:"):
        st.logout()


DEMO_LINK_PARAM = "as"


def link_params() -> dict[str, str]:
    """Query parameters a link that opens a new tab needs to keep the same person: in demo
    mode the picked sample user; nothing when sign-in is configured (the cookie does it)."""
    if not demo_mode():
        return {}
    email = st.session_state.get(keys.DEMO_EMAIL)
    return {DEMO_LINK_PARAM: email} if email else {}


def link_query() -> str:
    """``link_params`` as the text a link's query ends with ("&k=v...", or "")."""
    return "".join(f"&{k}={quote(v)}" for k, v in link_params().items())


def _demo_picker() -> User | None:
    db = database()
    people = access.list_users(db)
    if not people:
        st.sidebar.warning("No users exist yet. Add one with `python -m fcu users add`.")
        return None
    emails = [u.email for u in people]
    labels = {u.email: (u.display_name or u.email) for u in people}
    chosen = st.session_state.get(keys.DEMO_EMAIL)
    if chosen not in emails:
        # A link opened in a new tab starts a new session: it names the demo user it was
        # made for (demo mode only; with sign-in configured this code never runs).
        chosen = access.normalise_email(st.query_params.get(DEMO_LINK_PARAM, ""))
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
