"""Contacts: the Customer / Partner rules, one email per tenant, versions, masking."""

from __future__ import annotations

import pandas as pd
import pytest

from fcu import contacts, export, portfolio
from fcu.contacts import ContactInput
from fcu.workspace import StaleEdit, WorkspaceError
from tests.fixtures import ALPHA, BETA, EXEC

pytestmark = pytest.mark.both_stores  # the same checks on the team store (fcu.team)

CUSTOMER = ContactInput(
    kind="customer",
    name="Kim Lee",
    email="Kim@Alpha.example",
    country="United States",
    survey_language="English",
    services=("exchange",),
    survey_eligible=True,
)
PARTNER = ContactInput(
    kind="partner", name="Pat", email="pat@northwind.example", services=("teams",)
)


def test_customer_and_partner_contacts_are_stored(db, user):
    exec_ = user(EXEC)
    kim = contacts.create_contact(db, exec_, ALPHA, CUSTOMER)
    pat = contacts.create_contact(
        db, exec_, ALPHA, ContactInput(**{**PARTNER.__dict__, "survey_eligible": True})
    )
    frame = contacts.contacts(db, exec_, ALPHA).set_index("contact_id")
    assert frame.loc[kim, "email"] == "kim@alpha.example"
    assert list(frame.loc[kim, "services"]) == ["exchange"]
    assert bool(frame.loc[kim, "survey_eligible"]) is True
    assert frame.loc[pat, "kind"] == "partner"
    assert bool(frame.loc[pat, "survey_eligible"]) is False  # partners have no survey box
    assert pd.isna(frame.loc[pat, "survey_language"])
    assert db.scalar("SELECT count(*) FROM audit WHERE action = 'contact.add'") == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "A customer contact needs Name: fill it in and save again."),
        (
            {"country": "", "survey_language": "", "survey_eligible": None},
            "needs Country/Region, Survey language and Survey eligible",
        ),
        ({"services": ()}, "needs Services assisted with"),
        ({"email": "kim at alpha"}, "'kim at alpha' is not an email address"),
        ({"survey_language": "Klingon"}, "Survey language 'Klingon' is not offered"),
        ({"services": ("exchange", "faxing")}, "faxing is not one"),
        ({"name": "n" * 201}, "Name is 201 characters long"),
        ({"kind": "vendor"}, "Choose whether this is a Customer or a Partner contact."),
    ],
)
def test_customer_contact_refusals(db, user, change, message):
    bad = ContactInput(**{**CUSTOMER.__dict__, **change})
    with pytest.raises(WorkspaceError) as refused:
        contacts.create_contact(db, user(EXEC), ALPHA, bad)
    assert message in str(refused.value)
    assert db.scalar("SELECT count(*) FROM contacts") == 0


def test_partner_contact_needs_only_name_email_services(db, user):
    with pytest.raises(WorkspaceError, match="A partner contact needs Email"):
        contacts.create_contact(
            db, user(EXEC), ALPHA, ContactInput(kind="partner", name="P", services=("teams",))
        )


def test_one_email_once_per_tenant(db, user):
    contacts.create_contact(db, user(EXEC), ALPHA, CUSTOMER)
    again = ContactInput(**{**PARTNER.__dict__, "email": " KIM@alpha.EXAMPLE "})
    with pytest.raises(WorkspaceError, match="kim@alpha.example is already a contact"):
        contacts.create_contact(db, user(EXEC), ALPHA, again)
    # The same person may be a contact of another tenant.
    contacts.create_contact(db, user(EXEC), BETA, CUSTOMER)


def test_edit_and_delete_check_the_version(db, user):
    exec_ = user(EXEC)
    kim = contacts.create_contact(db, exec_, ALPHA, CUSTOMER)
    renamed = ContactInput(**{**CUSTOMER.__dict__, "name": "Kim Park"})
    assert contacts.edit_contact(db, exec_, ALPHA, kim, renamed, version=1) == 2
    # A second editor who opened the contact at version 1 is refused, nothing overwritten.
    other = ContactInput(**{**CUSTOMER.__dict__, "name": "Kimberly"})
    with pytest.raises(StaleEdit) as refused:
        contacts.edit_contact(db, user("admin@northwind.example"), ALPHA, kim, other, version=1)
    assert "Reload the page" in str(refused.value)
    with pytest.raises(StaleEdit):
        contacts.delete_contact(db, exec_, ALPHA, kim, version=1)
    assert contacts.contacts(db, exec_, ALPHA).iloc[0]["name"] == "Kim Park"
    contacts.delete_contact(db, exec_, ALPHA, kim, version=2)
    assert contacts.contacts(db, exec_, ALPHA).empty
    with pytest.raises(StaleEdit, match="no longer exists"):
        contacts.edit_contact(db, exec_, ALPHA, kim, renamed, version=2)
    before = db.scalar("SELECT before->>'name' FROM audit WHERE action = 'contact.delete'")
    assert before == "Kim Park"


def test_edit_cannot_take_an_email_already_used(db, user):
    exec_ = user(EXEC)
    contacts.create_contact(db, exec_, ALPHA, CUSTOMER)
    pat = contacts.create_contact(db, exec_, ALPHA, PARTNER)
    clash = ContactInput(**{**PARTNER.__dict__, "email": "kim@alpha.example"})
    with pytest.raises(WorkspaceError, match="already a contact"):
        contacts.edit_contact(db, exec_, ALPHA, pat, clash, version=1)


def test_report_viewers_cannot_change_contacts_and_see_them_masked(db, user):
    contacts.create_contact(db, user(EXEC), ALPHA, CUSTOMER)
    report = user("report@northwind.example")
    with pytest.raises(WorkspaceError, match="Report viewers cannot change contacts"):
        contacts.create_contact(db, report, ALPHA, PARTNER)
    csv = export.render(db, report, "contacts").decode()
    assert "Kim" not in csv and "kim@alpha.example" not in csv and "•••" in csv
    assert "Kim Lee" in export.render(db, user(EXEC), "contacts").decode()
    audit_csv = export.render(db, report, "audit").decode()
    assert "contact.add" in audit_csv and "Kim" not in audit_csv


def test_survey_warning_and_tenants_flag(db, user):
    exec_ = user(EXEC)
    assert not contacts.has_survey_contact(db, exec_, ALPHA)
    contacts.create_contact(db, exec_, ALPHA, PARTNER)
    contacts.create_contact(
        db, exec_, ALPHA, ContactInput(**{**CUSTOMER.__dict__, "survey_eligible": False})
    )
    assert not contacts.has_survey_contact(db, exec_, ALPHA)
    flagged = portfolio.TenantFilters(flags=("no_survey_contact",))
    assert "Alpha Corp" in set(portfolio.tenants(db, exec_, flagged)["tenant_name"])
    contacts.create_contact(
        db, exec_, ALPHA, ContactInput(**{**CUSTOMER.__dict__, "email": "jo@alpha.example"})
    )
    assert contacts.has_survey_contact(db, exec_, ALPHA)
    assert "Alpha Corp" not in set(portfolio.tenants(db, exec_, flagged)["tenant_name"])


def test_another_partner_sees_no_contacts(db, user):
    contacts.create_contact(db, user(EXEC), ALPHA, CUSTOMER)
    fabrikam = user("admin@fabrikam.example")
    assert contacts.contacts(db, fabrikam, ALPHA).empty
    assert b"Kim" not in export.render(db, fabrikam, "contacts")
