"""The daily digest: each user who asked for it gets their My work items by email, in plain
text and HTML with links into FCU, on days when there are some.

``run(db, on)`` sends the day's digests (``python -m fcu digest`` from cron, or the running
app at FCU_DIGEST_HOUR). A digest goes at most once per user and day: before sending, the
run records the (user, day) row as 'sending' in the same transaction that checks it
(``digests``' primary key), then 'sent' or 'failed' with the failure's sentence. A failed
one is tried again by the next run of that day; a later day sends that day's items. The
content is the user's own work queue (``fcu.workqueue``), so a Report viewer's digest
carries no revenue and no personal data of contacts, as on the page.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import duckdb

from fcu import audit, daily, mail, workqueue
from fcu.access import AccessDenied, User, get_user, normalise_email
from fcu.db import Database
from fcu.mail import MailError, MailSettings
from fcu.workqueue import KINDS, WorkQueue

log = logging.getLogger("fcu")
HOUR = "FCU_DIGEST_HOUR"
MY_WORK = "my_work"
MAX_PER_KIND = 25  # items of one kind listed in a mail; the rest are counted, on My work


class DigestError(Exception):
    """The digest cannot run at all (a sentence saying what to set)."""


# -- who gets it ------------------------------------------------------------------------------
def subscribed(db: Database, email: str) -> bool:
    return bool(
        db.scalar(
            "SELECT count(*) FROM digest_subscriptions WHERE email = ?", [normalise_email(email)]
        )
    )


def set_subscription(
    db: Database, actor: str, email: str, on: bool, *, acting_for: User | None = None
) -> bool:
    """Turn the daily digest on or off for a user. ``acting_for`` is who does it from the app
    (the user themself, or an admin of their partner); None is the command line."""
    email = normalise_email(email)
    target = get_user(db, email)
    if target is None:
        raise AccessDenied(f"No user {email!r} exists; add them first (`python -m fcu users add`).")
    if acting_for is not None and acting_for.email != email:
        if not acting_for.is_admin or acting_for.partner_id != target.partner_id:
            raise AccessDenied("Only the user or an admin of their partner can change this.")

    def work(cur: duckdb.DuckDBPyConnection) -> bool:
        was = cur.execute(
            "SELECT count(*) FROM digest_subscriptions WHERE email = ?", [email]
        ).fetchone()[0]
        if bool(was) == on:
            return on
        if on:
            cur.execute(
                "INSERT INTO digest_subscriptions (email, subscribed_by) VALUES (?, ?)",
                [email, actor],
            )
        else:
            cur.execute("DELETE FROM digest_subscriptions WHERE email = ?", [email])
        audit.record(
            cur,
            actor=actor,
            action="digest.on" if on else "digest.off",
            partner_id=target.partner_id,
            entity_key=email,
            before={"digest": bool(was)},
            after={"digest": on},
        )
        return on

    return db.write_serialised(work)


def subscribers(db: Database, partner_id: str | None = None) -> list[User]:
    """The users who asked for the digest and still have a role (one partner's when given)."""
    sql = (
        "SELECT u.email FROM digest_subscriptions s JOIN users u ON u.email = s.email "
        "WHERE (u.role IS NOT NULL OR u.is_admin)"
    )
    params: list = []
    if partner_id is not None:
        sql += " AND u.partner_id = ?"
        params.append(partner_id)
    emails = [e for (e,) in db.execute(sql + " ORDER BY u.email", params)]
    return [u for u in (get_user(db, e) for e in emails) if u is not None and u.has_access]


# -- the message ------------------------------------------------------------------------------
def _url(config: MailSettings, path: str) -> str:
    return f"{config.base_url}/{path}"


def _subject(queue: WorkQueue) -> str:
    plural = "s" if queue.count != 1 else ""
    return f"FCU: {queue.count} item{plural} in My work on {queue.today:%Y-%m-%d}"


def compose(queue: WorkQueue, user: User, config: MailSettings) -> EmailMessage | None:
    """The digest of one user's queue (None when it is empty): plain text and HTML."""
    if not queue.count:
        return None
    my_work = _url(config, MY_WORK)
    intro = f"What is due in FCU on {queue.today:%Y-%m-%d} for {user.email} ({user.scope_label}):"
    text = [intro, ""]
    body = [f"<p>{html.escape(intro)}</p>"]
    for kind, heading in KINDS.items():
        items = queue.of(kind)
        if not items:
            continue
        text.append(f"{heading} ({len(items)})")
        body.append(f"<h3>{html.escape(heading)} ({len(items)})</h3><ul>")
        for item in items[:MAX_PER_KIND]:
            owner = f" · owner: {item.owner or 'unassigned'}" if kind in ("overdue", "due") else ""
            line = f"{item.tenant_name}: {item.what} · {item.when}{owner}"
            url = _url(config, item.link)
            text += [f"- {line}", f"  {url}"]
            body.append(
                f'<li><a href="{html.escape(url)}">{html.escape(item.tenant_name)}</a>: '
                f"{html.escape(item.what)} · {html.escape(item.when + owner)}</li>"
            )
        if len(items) > MAX_PER_KIND:
            more = f"… and {len(items) - MAX_PER_KIND} more on My work"
            text += [f"- {more}: {my_work}"]
            body.append(f'<li><a href="{html.escape(my_work)}">{html.escape(more)}</a></li>')
        text.append("")
        body.append("</ul>")
    footer = (
        "You get this email because the daily digest is on for you in FCU. Turn it off on My work:"
    )
    text += [f"Open My work: {my_work}", "", f"{footer} {my_work}"]
    body.append(
        f'<p><a href="{html.escape(my_work)}">Open My work</a></p>'
        f"<p><small>{html.escape(footer)} "
        f'<a href="{html.escape(my_work)}">{html.escape(my_work)}</a></small></p>'
    )
    message = EmailMessage()
    message["Subject"] = _subject(queue)
    message["From"] = config.sender
    message["To"] = user.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid("fcu-digest", config.sender.rsplit("@", 1)[-1])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(text) + "\n")
    message.add_alternative(
        "<!DOCTYPE html><html><body>" + "".join(body) + "</body></html>\n", subtype="html"
    )
    return message


# -- a run ------------------------------------------------------------------------------------
@dataclass
class DigestRun:
    day: date
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # email, sentence
    already_sent: list[str] = field(default_factory=list)
    nothing_due: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        text = (
            f"Digest of {self.day:%Y-%m-%d}: {len(self.sent)} sent, "
            f"{len(self.already_sent)} already sent today, "
            f"{len(self.nothing_due)} with nothing due"
        )
        if not self.failed:
            return text + "."
        reasons = sorted({reason for _, reason in self.failed})
        return (
            f"{text}, {len(self.failed)} not sent ({', '.join(e for e, _ in self.failed)}): "
            + " ".join(reasons)
            + " They are tried again at the next run."
        )


def _claim(db: Database, user: User, day: date, items: int) -> bool:
    """Mark (user, day) as being sent; False when it was sent (or is being sent) already."""

    def work(cur: duckdb.DuckDBPyConnection) -> bool:
        row = cur.execute(
            "SELECT outcome FROM digests WHERE email = ? AND day = ?", [user.email, day]
        ).fetchone()
        if row is None:
            cur.execute(
                "INSERT INTO digests (email, day, partner_id, outcome, items) "
                "VALUES (?, ?, ?, 'sending', ?)",
                [user.email, day, user.partner_id, items],
            )
            return True
        if row[0] != "failed":
            return False
        cur.execute(
            "UPDATE digests SET outcome = 'sending', items = ?, attempts = attempts + 1, "
            "tried_at = current_timestamp, message = NULL WHERE email = ? AND day = ?",
            [items, user.email, day],
        )
        return True

    return db.write_serialised(work)


def _finish(db: Database, user: User, day: date, error: str | None) -> None:
    db.write(
        lambda cur: cur.execute(
            "UPDATE digests SET outcome = ?, message = ?, tried_at = current_timestamp "
            "WHERE email = ? AND day = ?",
            ["failed" if error else "sent", error, user.email, day],
        )
    )


def run(
    db: Database,
    on: date,
    *,
    config: MailSettings | None = None,
    mailer: Callable[[MailSettings], mail.Mailer] = mail.Mailer,
) -> DigestRun:
    """Send day ``on``'s digest to every subscriber with something due (see the module)."""
    config = config or mail.settings()
    if not config.configured:
        raise DigestError(
            "Mail is not configured: set FCU_SMTP_HOST, FCU_MAIL_FROM and FCU_BASE_URL (in the "
            "environment or .streamlit/secrets.toml), as the README's Mail section says."
        )
    result = DigestRun(on)
    with mailer(config) as smtp:
        for user in subscribers(db):
            queue = workqueue.work_queue(db, user, on)
            message = compose(queue, user, config)
            if message is None:
                result.nothing_due.append(user.email)
                continue
            if not _claim(db, user, on, queue.count):
                result.already_sent.append(user.email)
                continue
            try:
                smtp.send(message)
            except MailError as exc:
                _finish(db, user, on, str(exc))
                result.failed.append((user.email, str(exc)))
                log.warning("digest to %s not sent: %s", user.email, exc)
            else:
                _finish(db, user, on, None)
                result.sent.append(user.email)
    return result


# -- what the Data page says ------------------------------------------------------------------
def failures(db: Database, partner_id: str, limit: int = 20) -> list[tuple]:
    """The partner's digests whose last try failed and that no later send replaced:
    (day, email, tried at, attempts, sentence), newest first."""
    return db.execute(
        """
        SELECT d.day, d.email, d.tried_at, d.attempts, d.message FROM digests d
        WHERE d.partner_id = ? AND d.outcome = 'failed'
          AND NOT EXISTS (SELECT 1 FROM digests s WHERE s.email = d.email
                          AND s.outcome = 'sent' AND s.day > d.day)
        ORDER BY d.day DESC, d.email LIMIT ?
        """,
        [partner_id, limit],
    )


def last_sent(db: Database, email: str) -> date | None:
    return db.scalar(
        "SELECT max(day) FROM digests WHERE email = ? AND outcome = 'sent'",
        [normalise_email(email)],
    )


def describe(db: Database, partner_id: str) -> str:
    """The digest's state in sentences (the Data page's)."""
    people = len(subscribers(db, partner_id))
    last = db.one(
        "SELECT max(tried_at), count(*) FILTER (WHERE outcome = 'sent') FROM digests "
        "WHERE partner_id = ? AND day = (SELECT max(day) FROM digests WHERE partner_id = ?)",
        [partner_id, partner_id],
    )
    text = f"{people} of your users get the daily digest."
    if last and last[0] is not None:
        text += f" Last run: {last[0]:%Y-%m-%d %H:%M} UTC, {last[1]} sent that day."
    hour = daily.hour(HOUR)
    if hour is None:
        text += (
            f" The app sends none by itself: set {HOUR} (0-23, UTC), or run "
            "`python -m fcu digest` from cron."
        )
    else:
        text += f" The app sends it every day at {hour:02d}:00 UTC."
    return text


def start_daily(db: Database, secrets: Mapping[str, object] | None = None) -> bool:
    """In the running app: the digest every day at FCU_DIGEST_HOUR (False when not set)."""

    def job() -> None:
        done = run(db, workqueue.today(), config=mail.settings(secrets=secrets))
        log.info("daily digest: %s", done.summary())

    return daily.start("fcu-daily-digest", daily.hour(HOUR), job)
