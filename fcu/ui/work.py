"""My work on the page: the sections of the work queue, the calendar download, the digest
setting, and the first page after sign-in (My work for anyone who has items)."""

from __future__ import annotations

import logging

import streamlit as st

from fcu import digest, ics, mail, workqueue
from fcu.access import AccessDenied, User, get_user
from fcu.db import Database
from fcu.ui import auth, keys, tables
from fcu.ui.data import database, mail_secrets

log = logging.getLogger("fcu")
PAGE = "pages/my_work.py"
LABELS = {"tenant_name": "Tenant", "what": "What", "when": "When", "owner": "Owner"}


def mail_settings() -> tuple[mail.MailSettings | None, str | None]:
    """The mail settings, or None and the sentence saying what is wrong with them."""
    try:
        return mail.settings(secrets=mail_secrets()), None
    except mail.MailError as exc:
        return None, str(exc)


def land(user: User | None, current: st.Page) -> None:
    """After sign-in (the first run of a session for this person), My work instead of the
    home page when there is something in it. An address with a page or a query is followed
    as asked; later visits to the home page show it."""
    if user is None or not user.has_access or st.session_state.get(keys.LANDED) == user.email:
        return
    st.session_state[keys.LANDED] = user.email
    if current.url_path != "" or len(st.query_params):
        return
    try:
        due = workqueue.work_queue(database(), user, workqueue.today()).count
    except Exception:  # noqa: BLE001 - the home page is still a good first page
        log.exception("reading My work for the first page failed")
        return
    if due:
        st.switch_page(PAGE)


def section(queue: workqueue.WorkQueue, kind: str) -> None:
    items = workqueue.as_frame(queue, kind)
    heading = workqueue.KINDS[kind]
    st.subheader(f"{heading} ({len(items)})")
    if items.empty:
        st.caption("Nothing here today.")
        return
    items["link"] = items["link"] + auth.link_query()
    st.dataframe(
        items,
        hide_index=True,
        width="stretch",
        column_order=["link", *[c for c in items.columns if c != "link"]],
        column_config={
            **LABELS,
            "link": st.column_config.LinkColumn("Act", display_text="Open", width="small"),
        },
    )


def calendar_button(db: Database, user: User, team: bool) -> None:
    config, _ = mail_settings()
    base_url = config.base_url if config is not None else ""

    def data() -> bytes:
        # Made at the click, with the user's rights of that moment (an open tab may outlive
        # a narrowed scope or a removal: then only what they may see now, or no event).
        now = get_user(db, user.email) or User(user.email, user.partner_id, None)
        return ics.calendar(db, now, base_url=base_url, team=team)

    st.download_button(
        "Download calendar (.ics)",
        data,
        file_name="fcu-next-actions.ics",
        mime="text/calendar",
        icon=":material/calendar_month:",
        help="Your next actions (yours and unassigned ones; every owner's in the team view) "
        "as all-day events, for Outlook, Google Calendar or any calendar app.",
    )


def _digest_changed(db: Database, user: User) -> None:
    on = bool(st.session_state.get(keys.WORK_DIGEST))
    try:
        digest.set_subscription(db, user.email, user.email, on, acting_for=user)
    except AccessDenied as exc:
        st.session_state[keys.WORK_MESSAGE] = ("error", str(exc))
        return
    said = "on: it comes on mornings when something is due" if on else "off"
    st.session_state[keys.WORK_MESSAGE] = ("success", f"Daily digest turned {said}.")


def digest_setting(db: Database, user: User) -> None:
    st.subheader("Daily digest by email")
    st.session_state[keys.WORK_DIGEST] = digest.subscribed(db, user.email)
    st.toggle(
        tables.plain(f"Email me this list every morning ({user.email})"),
        key=keys.WORK_DIGEST,
        on_change=_digest_changed,
        args=(db, user),
        help="Sent only on days when something is due, once a day, with links back here.",
    )
    message = st.session_state.pop(keys.WORK_MESSAGE, None)
    if message:
        (st.success if message[0] == "success" else st.error)(message[1])
    config, problem = mail_settings()
    if problem:
        st.warning(
            tables.plain("Mail is set up wrongly on this server, so no digest goes out: " + problem)
        )
    elif config is None or not config.configured:
        st.caption(
            "Mail is not set up on this server yet, so no digest goes out; an admin sets "
            "FCU_SMTP_HOST and the rest (see the README)."
        )
    last = digest.last_sent(db, user.email)
    if last is not None:
        st.caption(f"Last digest sent for {last:%Y-%m-%d}.")


def digest_report(db: Database, user: User) -> None:
    """The Data page's account of the digest: who gets it, when it goes, and the sends of
    the admin's partner that failed since (each tried again at the next run)."""
    st.subheader("Daily digest")
    st.caption(digest.describe(db, user.partner_id))
    _, problem = mail_settings()
    if problem:
        st.error(tables.plain(problem))
    for day, email, at, attempts, message in digest.failures(db, user.partner_id):
        st.warning(
            tables.plain(
                f"Digest of {day:%Y-%m-%d} to {email} not sent ({attempts} tries, the last "
                f"{at:%Y-%m-%d %H:%M} UTC): {message}"
            )
        )
