"""TenantWorkspace: what Tenant details shows of the partner's workspace, read once from a
view already checked visible, equal to what each owner module's own reads give."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from fcu import claims, contacts, intent, notes, portfolio, service_status, tenant_workspace
from fcu.contacts import ContactInput
from fcu.notes import NoteInput

ALPHA = "aaaaaaaa-0000-0000-0000-000000000001"
EXEC = "exec@northwind.example"
REASONED = "The customer has no intent to adopt it because it uses another vendor."


def read(db, user, tenant=ALPHA):
    view = portfolio.tenant_view(db, user, tenant)
    return tenant_workspace.read(db, user, view, portfolio.tenant_workloads(db, user, tenant))


def test_it_holds_what_each_owner_module_reads(db, user):
    exec_ = user(EXEC)
    for risks in ("first", "second"):
        notes.add_note(db, exec_, ALPHA, NoteInput(risks=risks))
    contacts.create_contact(
        db,
        exec_,
        ALPHA,
        ContactInput("customer", "Pat", "pat@alpha.example", "US", "English", ("exchange",), True),
    )
    service_status.save_status(db, exec_, ALPHA, "exchange", [("Deployed", None, None, 1000)], 0)
    intent.save_intent(db, exec_, ALPHA, "exchange", REASONED)
    intent.save_intent(db, exec_, ALPHA, "viva", "Blocked due to proxy issues.")

    record = read(db, exec_)
    assert record.tenant_id == ALPHA
    assert dict(record.names) == {
        "exchange": "Exchange Online",
        "intune": "Microsoft Intune",
        "viva": "Microsoft Viva",
    }
    pd.testing.assert_frame_equal(record.notes, notes.notes(db, exec_, ALPHA))
    assert record.note_count == notes.note_count(db, exec_, ALPHA) == 2
    assert record.notes["risks"].tolist() == ["second", "first"]  # newest first
    pd.testing.assert_frame_equal(record.contacts, contacts.contacts(db, exec_, ALPHA))
    assert record.has_survey_contact is contacts.has_survey_contact(db, exec_, ALPHA) is True
    for workload in record.names:
        assert record.status(workload) == service_status.status(db, exec_, ALPHA, workload)
        pd.testing.assert_frame_equal(  # (an empty read has object columns, a filter not)
            record.intent_history(workload),
            intent.history(db, exec_, ALPHA, workload),
            check_dtype=False,
        )
        assert record.other_intent_notes(workload) == intent.other_notes(db, exec_, ALPHA, workload)
    assert record.status("exchange").version == 1
    assert record.unclaimed["workload"].tolist() == ["intune", "viva"]
    assert dict(record.claim_locations) == claims.claim_locations(db, exec_)


def test_an_empty_workspace(db, user):
    record = read(db, user("report@northwind.example"))
    assert record.note_count == 0 and record.contacts.empty and record.intent_notes.empty
    assert record.has_survey_contact is False
    assert {w: s.version for w, s in record.statuses.items()} == {
        "exchange": 0,
        "intune": 0,
        "viva": 0,
    }
    assert record.status("exchange").total_entitlements == 1000


def test_reading_it_does_not_check_the_tenant_again(db, user, monkeypatch):
    exec_ = user(EXEC)
    view = portfolio.tenant_view(db, exec_, ALPHA)
    workloads = portfolio.tenant_workloads(db, exec_, ALPHA)
    asked = []
    monkeypatch.setattr(portfolio, "tenant_view", lambda *a, **k: asked.append(a))
    tenant_workspace.read(db, exec_, view, workloads)
    assert asked == []


def test_a_note_on_a_workload_no_longer_listed_keeps_its_display_name(db, user):
    """Fabrikam's current notes include one on exchange of Alpha, which Northwind claims."""
    fabrikam = user("admin@fabrikam.example")
    db.execute(
        "INSERT INTO intent_notes (partner_id, tenant_id, workload, text, warnings, author) "
        "VALUES ('P2', ?, 'exchange', ?, [], 'tests')",
        [ALPHA, REASONED],
    )
    record = read(db, fabrikam)
    assert "exchange" not in record.names
    assert record.other_intent_notes("teams") == {"Exchange Online": REASONED}
    assert record.other_intent_notes("teams") == intent.other_notes(db, fabrikam, ALPHA, "teams")


def test_it_is_read_only_for_tenants_the_user_may_see_and_frozen(db, user):
    exec_ = user(EXEC)
    gamma = portfolio.tenant_view(db, exec_, "aaaaaaaa-0000-0000-0000-000000000003")
    assert gamma.status == "not_in_fasttrack"
    with pytest.raises(ValueError):
        tenant_workspace.read(db, exec_, gamma, pd.DataFrame())
    record = read(db, exec_)
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.notes = pd.DataFrame()
    with pytest.raises(TypeError):
        record.names["exchange"] = "Renamed"
