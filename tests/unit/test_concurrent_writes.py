"""Twenty people writing to one tenant at once: every write lands exactly once."""

from __future__ import annotations

import pytest

from fcu import contacts, intent, notes, service_status
from fcu.contacts import ContactInput
from fcu.notes import NoteInput
from fcu.workspace import StaleEdit
from tests.fixtures import ALPHA

pytestmark = pytest.mark.both_stores  # the same checks on the team store (fcu.team)

WRITERS = 20


def test_twenty_writers_at_once(db, user, at_once):
    exec_ = user("exec@northwind.example")
    failures: list[BaseException] = []

    def write(number: int) -> None:
        try:
            if number % 2:
                notes.add_note(db, exec_, ALPHA, NoteInput(risks=f"note {number}"))
            else:
                contact = ContactInput(
                    kind="partner",
                    name=f"Person {number}",
                    email=f"p{number}@northwind.example",
                    services=("exchange",),
                )
                contacts.create_contact(db, exec_, ALPHA, contact)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    at_once(WRITERS, write)
    assert failures == []
    stored_notes = sorted(notes.notes(db, exec_, ALPHA)["risks"])
    assert stored_notes == sorted(f"note {n}" for n in range(1, WRITERS, 2))
    stored_contacts = sorted(contacts.contacts(db, exec_, ALPHA)["email"])
    assert stored_contacts == sorted(f"p{n}@northwind.example" for n in range(0, WRITERS, 2))
    assert db.scalar("SELECT count(*) FROM audit WHERE action IN ('note.add', 'contact.add')") == 20


def test_same_email_and_same_status_at_once_store_one(db, user, at_once):
    """Writers racing for one key: one wins, the others are refused with a sentence."""
    exec_ = user("exec@northwind.example")
    outcomes: list[str] = []

    def write(number: int) -> None:
        try:
            if number % 2:
                contact = ContactInput(
                    kind="partner",
                    name=f"P{number}",
                    email="same@x.example",
                    services=("exchange",),
                )
                contacts.create_contact(db, exec_, ALPHA, contact)
            else:
                rows = [("Deployed", None, None, 1000)]
                service_status.save_status(db, exec_, ALPHA, "exchange", rows, 0)
            outcomes.append("saved")
        except StaleEdit:
            outcomes.append("stale")
        except ValueError as exc:
            outcomes.append("already" if "already a contact" in str(exc) else repr(exc))

    at_once(8, write)
    assert sorted(outcomes).count("saved") == 2, outcomes
    assert set(outcomes) <= {"saved", "stale", "already"}, outcomes
    assert db.scalar("SELECT count(*) FROM contacts WHERE email = 'same@x.example'") == 1
    assert db.scalar("SELECT version FROM service_status") == 1


def test_intent_notes_saved_at_once_from_the_same_current_note(db, user, at_once):
    exec_ = user("exec@northwind.example")
    first, _ = intent.save_intent(db, exec_, ALPHA, "exchange", "Blocked due to proxy.")
    outcomes: list[str] = []

    def write(number: int) -> None:
        try:
            intent.save_intent(
                db, exec_, ALPHA, "exchange", f"Blocked due to proxy {number}.", first
            )
            outcomes.append("saved")
        except StaleEdit:
            outcomes.append("stale")

    at_once(6, write)
    assert sorted(outcomes) == ["saved"] + ["stale"] * 5
    assert len(intent.history(db, exec_, ALPHA, "exchange")) == 2


def test_contact_edits_at_once_from_the_same_version(db, user, at_once):
    exec_ = user("exec@northwind.example")
    contact = ContactInput(
        kind="partner", name="Pat", email="pat@x.example", services=("exchange",)
    )
    contact_id = contacts.create_contact(db, exec_, ALPHA, contact)
    outcomes: list[str] = []

    def write(number: int) -> None:
        changed = ContactInput(
            kind="partner", name=f"Pat {number}", email="pat@x.example", services=("exchange",)
        )
        try:
            contacts.edit_contact(db, exec_, ALPHA, contact_id, changed, version=1)
            outcomes.append("saved")
        except StaleEdit:
            outcomes.append("stale")

    at_once(6, write)
    assert sorted(outcomes) == ["saved"] + ["stale"] * 5
    assert contacts.contacts(db, exec_, ALPHA).iloc[0]["version"] == 2
