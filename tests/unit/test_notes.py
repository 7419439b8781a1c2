"""Status notes: append-only, newest first, scoped to the partner, feeding the Tenants page."""

from __future__ import annotations

from datetime import date

import pytest

from fcu import export, notes, portfolio
from fcu.notes import NoteInput
from fcu.workspace import WorkspaceError
from tests.fixtures import ALPHA, BETA, DELTA, GAMMA

pytestmark = pytest.mark.both_stores  # the same checks on the team store (fcu.team)


def test_notes_are_appended_newest_first_with_author(db, user):
    exec_ = user("exec@northwind.example")
    first = notes.add_note(db, exec_, ALPHA, NoteInput(onboarding_scope="Mailboxes"))
    second = notes.add_note(
        db,
        user("report@northwind.example"),
        ALPHA.upper(),
        NoteInput(risks="  Proxy  ", next_action_date="2026-12-01", next_action_owner="Kim"),
    )
    frame = notes.notes(db, exec_, ALPHA)
    assert list(frame["note_id"]) == [second, first]
    assert frame.iloc[0]["risks"] == "Proxy"
    assert frame.iloc[0]["author"] == "report@northwind.example"
    assert frame.iloc[0]["next_action_date"] == pd_date("2026-12-01")
    assert notes.note_count(db, exec_, ALPHA) == 2
    assert list(notes.notes(db, exec_, ALPHA, limit=1)["note_id"]) == [second]
    actions = db.execute("SELECT action, actor, entity_key FROM audit WHERE action = 'note.add'")
    assert ("note.add", "exec@northwind.example", str(first)) in actions


def pd_date(text: str):
    import pandas as pd

    return pd.Timestamp(text)


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (NoteInput(), "The note is empty: write the onboarding scope, risks or next actions."),
        (NoteInput(risks="x" * 2001), "Risks is 2,001 characters long; shorten it to 2,000"),
        (NoteInput(risks="r", next_action_date="31/12/2026"), "give it as YYYY-MM-DD"),
        (NoteInput(risks="r", next_action_date="2026-02-30"), "is not a date"),
        (NoteInput(risks="r", next_action_date="1999-12-31"), "between 2000-01-01 and 2100-12-31"),
        (NoteInput(risks="r", next_action_owner="o" * 201), "Next action owner is 201"),
    ],
)
def test_bad_notes_are_refused_and_nothing_is_written(db, user, note, message):
    with pytest.raises(WorkspaceError) as refused:
        notes.add_note(db, user("exec@northwind.example"), ALPHA, note)
    assert message in str(refused.value)
    assert db.scalar("SELECT count(*) FROM notes") == 0
    assert db.scalar("SELECT count(*) FROM audit WHERE action LIKE 'note.%'") == 0


@pytest.mark.parametrize(
    ("email", "tenant"),
    [
        ("exec@northwind.example", GAMMA),  # not in FastTrack
        ("exec@northwind.example", DELTA),  # not the partner's
        ("exec@northwind.example", "not-a-guid"),
        ("exec.m11@northwind.example", BETA),  # outside the user's MPN scope
        ("norole@northwind.example", ALPHA),
    ],
)
def test_notes_only_on_tenants_the_user_may_see(db, user, email, tenant):
    with pytest.raises(WorkspaceError, match="not one you can work on"):
        notes.add_note(db, user(email), tenant, NoteInput(risks="r"))
    assert notes.notes(db, user(email), tenant).empty


def test_another_partner_sees_none_of_it(db, user):
    notes.add_note(db, user("exec@northwind.example"), ALPHA, NoteInput(risks="Northwind only"))
    fabrikam = user("admin@fabrikam.example")
    assert portfolio.tenant_view(db, fabrikam, ALPHA).status == "visible"
    assert notes.notes(db, fabrikam, ALPHA).empty
    assert b"Northwind only" not in export.render(db, fabrikam, "notes")
    assert b"Northwind only" not in export.render(db, fabrikam, "audit")


def test_latest_next_action_date_feeds_the_tenants_page(db, user):
    exec_ = user("exec@northwind.example")
    notes.add_note(db, exec_, ALPHA, NoteInput(next_actions="a", next_action_date="2026-11-01"))
    notes.add_note(db, exec_, ALPHA, NoteInput(next_actions="b", next_action_date="2026-10-01"))
    frame = portfolio.tenants(db, exec_, today=date(2026, 10, 15)).set_index("tenant_name")
    assert frame.loc["Alpha Corp", "next_action_date"] == pd_date("2026-10-01")
    assert "overdue" in list(frame.loc["Alpha Corp", "flags"])
    assert "overdue" not in list(frame.loc["Beta School", "flags"])
    overdue = portfolio.TenantFilters(flags=("overdue",))
    assert list(portfolio.tenants(db, exec_, overdue, today=date(2026, 10, 15))["tenant_name"]) == [
        "Alpha Corp"
    ]


def test_export_masks_people_for_report_viewers(db, user):
    notes.add_note(
        db,
        user("exec@northwind.example"),
        ALPHA,
        NoteInput(next_actions="Mail kim@alpha.example", next_action_owner="Kim Lee"),
    )
    full = export.render(db, user("exec@northwind.example"), "notes").decode()
    masked = export.render(db, user("report@northwind.example"), "notes").decode()
    assert "kim@alpha.example" in full and "Kim Lee" in full
    assert "exec@northwind.example" in full
    assert "kim@alpha.example" not in masked and "Kim Lee" not in masked
    assert "exec@northwind.example" not in masked
    assert "Mail •••" in masked
    # A user scoped to M12 sees Beta only, so none of Alpha's notes.
    assert "Mail" not in export.render(db, user("report.m12@northwind.example"), "notes").decode()


def test_hostile_text_is_stored_as_written(db, user):
    text = "<script>alert(1)</script> **bold** =cmd()"
    notes.add_note(db, user("exec@northwind.example"), ALPHA, NoteInput(risks=text + "\x00"))
    assert notes.notes(db, user("exec@northwind.example"), ALPHA).iloc[0]["risks"] == text


def test_audit_export_is_the_partners_history_masked_for_report_viewers(db, user):
    from fcu import intent

    notes.add_note(
        db, user("exec@northwind.example"), ALPHA, NoteInput(risks="r", next_action_owner="Kim")
    )
    intent.save_intent(
        db, user("exec@northwind.example"), ALPHA, "exchange", "Blocked due to proxy."
    )
    admin = export.render(db, user("admin@northwind.example"), "audit").decode()
    assert "note.add" in admin and "intent.save" in admin and "Kim" in admin
    assert "user.add" in admin  # the fixture's users, recorded without a tenant: admins only
    exec_rows = export.render(db, user("exec@northwind.example"), "audit").decode()
    assert "note.add" in exec_rows and "user.add" not in exec_rows
    report = export.render(db, user("report@northwind.example"), "audit").decode()
    assert "Kim" not in report and "exec@northwind.example" not in report
    assert "Blocked due to proxy." in report  # intent text is not personal; emails would be
    assert (
        "note.add" not in export.render(db, user("report.m12@northwind.example"), "audit").decode()
    )
