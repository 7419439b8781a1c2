"""The calendar of next actions (RFC 5545): CRLF lines folded at 75 octets, escaped text, a
UID per note and a DTSTAMP, one all-day event per tenant's current next action the user
owns or nobody owns; masked for a Report viewer like everything else."""

from __future__ import annotations

from datetime import UTC, datetime

from fcu import ics, notes
from fcu.db import Database
from fcu.notes import NoteInput
from tests.fixtures import ALPHA, BASE_URL, BETA, CONTACT_EMAIL, EXEC, REPORT, REPORT_M12

NOW = datetime(2026, 11, 3, 6, 30, tzinfo=UTC)


def events(data: bytes) -> list[dict[str, str]]:
    """The VEVENTs of a calendar, unfolded, as {property (with parameters): value}."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.replace("\r\n ", "").split("\r\n")[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    out, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            out.append(current)
            current = None
        elif current is not None:
            name, value = line.split(":", 1)
            current[name] = value
    return out


def test_one_all_day_event_per_next_action_with_a_link(work_db, user):
    db = Database(work_db)
    try:
        data = ics.calendar(db, user(EXEC), base_url=BASE_URL, now=NOW)
    finally:
        db.close()
    assert all(len(line.encode()) <= 75 for line in data.decode().split("\r\n"))
    alpha, beta = events(data)
    assert alpha["DTSTART;VALUE=DATE"] == "20261101" and alpha["DTEND;VALUE=DATE"] == "20261102"
    assert alpha["DTSTAMP"] == "20261103T063000Z"
    assert alpha["SUMMARY"] == f"Alpha Corp: Call {CONTACT_EMAIL} about the pilot"
    assert alpha["URL"] == f"{BASE_URL}/tenant?tenant={ALPHA}&section=notes"
    assert "\\nOwner: unassigned\\nTenant ID: " in alpha["DESCRIPTION"]
    assert beta["SUMMARY"] == "Beta School: Run the Teams workshop"
    assert "Owner: you" in beta["DESCRIPTION"] and BETA in beta["DESCRIPTION"]
    assert alpha["UID"] != beta["UID"] and alpha["UID"].endswith("@fcu.northwind.example")


def test_the_same_note_keeps_its_uid_and_text_is_escaped(work_db, user):
    db = Database(work_db)
    try:
        first = events(ics.calendar(db, user(EXEC), now=NOW))
        notes.add_note(
            db,
            user(EXEC),
            ALPHA,
            NoteInput(
                next_actions="Plan; review, sign\\off\nthen ship " + "é" * 60,
                next_action_date="2026-11-20",
            ),
        )
        later = events(ics.calendar(db, user(EXEC), now=NOW))
    finally:
        db.close()
    assert later[0]["UID"] == first[1]["UID"]  # Beta's event, unchanged, sorts first now
    assert later[1]["SUMMARY"].startswith("Alpha Corp: Plan\\; review\\, sign\\\\off then ship é")
    assert "URL" not in later[1]  # without a base URL, no link


def test_a_report_viewer_gets_no_contact_email_and_only_their_own(work_db, user):
    db = Database(work_db)
    try:
        (alpha,) = events(ics.calendar(db, user(REPORT), now=NOW))  # Beta's is EXEC's
        scoped = events(ics.calendar(db, user(REPORT_M12), now=NOW))
    finally:
        db.close()
    assert CONTACT_EMAIL not in alpha["SUMMARY"] + alpha["DESCRIPTION"]
    assert "@" not in alpha["SUMMARY"] + alpha["DESCRIPTION"]
    assert scoped == []
