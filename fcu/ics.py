"""A calendar (iCalendar, RFC 5545) of a person's next actions: one all-day event per
tenant's current next action, so the dates land in the calendar people already use.

Written by hand (it is small): lines end in CRLF and are folded at 75 octets, text values
escape backslash, semicolon, comma and line breaks, each event has a UID that stays the same
for the same note (a calendar that imports the file again updates instead of duplicating)
and a DTSTAMP of when the file was made.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from fcu import workqueue
from fcu.access import User
from fcu.db import Database

PRODID = "-//FCU//Next actions//EN"


def escape(text: object) -> str:
    """A TEXT value (RFC 5545 3.3.11)."""
    value = str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line folded to at most 75 octets per line (never inside a UTF-8 character)."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines start with a space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def calendar(
    db: Database,
    user: User,
    *,
    base_url: str = "",
    team: bool = False,
    now: datetime | None = None,
) -> bytes:
    """The .ics of the user's next actions (owner this user or nobody; every owner in team
    view), as the user may see them (owners and emails in the text masked for a Report
    viewer). ``base_url`` makes each event link to its tenant's notes."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    host = base_url.split("//", 1)[-1].split("/", 1)[0] or "fcu.invalid"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:" + escape("FCU next actions" + (" (team)" if team else "")),
    ]
    actions = workqueue.next_actions(db, user, team=team)
    for row in actions.itertuples(index=False):
        day = pd.Timestamp(row.next_action_date).date()
        text = workqueue.shown_text(user, row.next_actions) or "Next action"
        owner = workqueue.shown_owner(user, row.next_action_owner) or "unassigned"
        link = workqueue.tenant_link(row.tenant_id, "notes")
        description = f"{text}\nOwner: {owner}\nTenant ID: {row.tenant_id}"
        if base_url:
            description += f"\nOpen in FCU: {base_url.rstrip('/')}/{link}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:fcu-note-{row.note_id}-{user.partner_id.lower()}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            "SUMMARY:" + escape(f"{row.tenant_name}: {text}"[:200]),
            "DESCRIPTION:" + escape(description),
            "TRANSP:TRANSPARENT",
        ]
        if base_url:
            lines.append(f"URL:{base_url.rstrip('/')}/{link}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
