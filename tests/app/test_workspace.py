"""The workspace sections of Tenant details (AppTest): notes, contacts, claim, service status
and intent notes, as each role sees them. Figures: tests/data/feed_small/README.md."""

from __future__ import annotations

import re
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from fcu import contacts, service_status, store
from fcu.ui import keys
from tests.fixtures import ALPHA, EXEC, FABRIKAM_ADMIN, REPORT, TENANT_PAGE, app_test

pytestmark = pytest.mark.both_stores  # the same checks on the team store (fcu.team)


def open_tenant(email: str, section: str, tenant: str = ALPHA) -> AppTest:
    """Tenant details opened on one of its sections (?section=)."""
    return app_test(email, TENANT_PAGE, params={"tenant": tenant, "section": section})


def by_label(elements, label: str):
    found = [e for e in elements if e.label == label]
    assert found, f"no element labelled {label!r}"
    return found[0]


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def said(elements) -> list[str]:
    """Messages as a user reads them (the app escapes markdown in user-facing sentences)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


def add_note(at: AppTest, risks: str, **fields) -> AppTest:
    by_label(at.button, "+ Add note").click().run()
    by_label(at.text_area, "Risks").input(risks)
    for label, value in fields.items():
        by_label(at.text_area, label).input(value)
    return by_label(at.button, "Save").click().run()


def test_notes_newest_first_four_shown_and_all_history(app_env):
    at = open_tenant(EXEC, "notes")
    assert "No status notes yet. Use + Add note to record the first one." in [
        i.value for i in at.info
    ]
    by_label(at.button, "+ Add note").click().run()
    by_label(at.button, "Save").click().run()  # empty: refused, the form stays
    assert said(at.error) == [
        "The note is empty: write the onboarding scope, risks or next actions."
    ]
    by_label(at.text_area, "Next actions").input("Call the CIO")
    at.date_input[0].set_value(date(2026, 12, 1))
    by_label(at.button, "Save").click().run()
    assert said(at.success) == ["Note saved."]
    for number in range(2, 6):
        at = add_note(at, f"risk {number}")
    assert not at.exception
    shown = texts(at)
    assert shown.index("risk 5") < shown.index("risk 4") < shown.index("risk 2")
    assert "risk 1" not in shown and "Call the CIO" not in shown  # only the latest four
    assert "The latest 4 of 5 notes, newest first." in [c.value for c in at.caption]
    by_label(at.toggle, "View all history").set_value(True).run()
    history = at.dataframe[-1].value
    assert list(history["Next actions"]) == ["", "", "", "", "Call the CIO"]
    assert str(history["Next action date"].iloc[-1]) == "2026-12-01"


def test_long_and_hostile_notes_are_shown_as_text(app_env):
    at = open_tenant(EXEC, "notes")
    hostile = "<script>alert(1)</script> **not bold** [link](http://x.example)"
    at = add_note(at, hostile, **{"Onboarding scope": "word " * 100})
    assert hostile in texts(at)
    assert ("word " * 100).strip() in [e.value for e in at.expander[0].text]
    assert any(t.endswith(" …") for t in texts(at))
    assert not any("<script>" in m.value for m in at.markdown)


def test_contacts_refusal_then_saved_and_survey_warning(app_env):
    at = open_tenant(EXEC, "contacts")
    warning = [w.value for w in at.warning if "survey eligible" in w.value]
    assert warning and warning[0].startswith("No customer contact is survey eligible")
    by_label(at.button, "New").click().run()
    by_label(at.text_input, "Name").input("Kim <b>Lee</b>")
    by_label(at.text_input, "Email").input("kim@alpha.example")
    country = by_label(at.selectbox, "Country/Region")
    assert country.value is None and len(country.options) == 249  # ISO 3166, by name
    assert country.options[:2] == ["Afghanistan", "Åland Islands"]
    country.set_value("US")
    by_label(at.multiselect, "Services assisted with").select("exchange")
    by_label(at.radio, "Survey eligible").set_value("Yes")
    by_label(at.button, "Save").click().run()
    assert said(at.error) == [
        "A customer contact needs Survey language: fill it in and save again."
    ]
    by_label(at.selectbox, "Survey language").set_value("English")
    by_label(at.button, "Save").click().run()
    assert said(at.success) == ["Contact saved."]
    table = at.dataframe[0].value
    assert list(table["Name"]) == ["Kim <b>Lee</b>"]
    assert list(table["Survey eligible"]) == ["Yes"]
    assert list(table["Country/Region"]) == ["United States"]  # stored as US
    assert not [w for w in at.warning if "survey eligible" in w.value]
    # A Report viewer sees the contact masked and no way to change it.
    report = open_tenant(REPORT, "contacts")
    assert list(report.dataframe[0].value["Name"]) == ["•••"]
    assert list(report.dataframe[0].value["Email"]) == ["•••"]
    assert "New" not in [b.label for b in report.button]
    assert "Report viewers see contacts masked and cannot change them." in [
        c.value for c in report.caption
    ]


def test_partner_contact_has_no_survey_box_and_edit_is_versioned(app_env, db_path, user):
    at = open_tenant(EXEC, "contacts")
    by_label(at.button, "New").click().run()
    by_label(at.radio, "Contact type").set_value("partner").run()
    assert "Survey eligible" not in [r.label for r in at.radio]
    assert "Country/Region" not in [s.label for s in at.selectbox]
    by_label(at.text_input, "Name").input("Pat")
    by_label(at.text_input, "Email").input("pat@northwind.example")
    by_label(at.multiselect, "Services assisted with").select("exchange")
    by_label(at.button, "Save").click().run()
    assert said(at.success) == ["Contact saved."]
    by_label(at.button, "Edit").click().run()
    # Someone else edits the contact meanwhile (same process, same database).
    database = store.shared()
    contact = contacts.contacts(database, user(EXEC), ALPHA).iloc[0]
    changed = contacts.ContactInput(
        "partner", "Pat B", "pat@northwind.example", services=("exchange",)
    )
    contacts.edit_contact(database, user(EXEC), ALPHA, int(contact["contact_id"]), changed, 1)
    by_label(at.text_input, "Name").input("Patricia")
    by_label(at.button, "Save").click().run()
    assert said(at.error)[0].startswith(
        "Someone else changed this contact after you opened it. Reload the page"
    )


def test_claim_an_unclaimed_workload_on_its_row_shows_its_number(app_env):
    at = open_tenant(EXEC, "workloads")
    by_label(at.selectbox, "MPN location for Microsoft Intune").set_value("M12")
    at.button(key=keys.WS_CLAIM_WORKLOAD + ALPHA + ":intune:save").click().run()
    assert said(at.success) == [
        "Claimed Microsoft Intune: claim number APP-000001 (submitted under M12)."
    ]
    rows = {r["Workload"]: r for r in at.dataframe[0].value.to_dict("records")}
    assert rows["Microsoft Intune"]["Claim"] == "APP-000001 (Submitted)"
    assert rows["Microsoft Intune"]["MPN location"] == "M12"
    # Viva keeps its own row and button; Intune has left the unclaimed rows.
    assert [s.label for s in at.selectbox] == ["MPN location for Microsoft Viva"]
    assert "Workloads and usage (3)" in [o.content for o in at.segmented_control[0].proto.options]


def status_selectbox(at: AppTest):
    return [s for s in at.selectbox if s.key == keys.WS_STATUS_WORKLOAD + ALPHA][0]


def test_service_status_refused_until_counts_sum(app_env):
    at = open_tenant(EXEC, "service_status")
    status_selectbox(at).set_value("exchange").run()
    assert "**Total entitlements: 1,000**" in [m.value for m in at.markdown]
    by_label(at.selectbox, "L1").set_value("Blocked").run()
    assert by_label(at.selectbox, "L2").options == [
        "Technical",
        "Licensing",
        "Customer readiness",
        "Compliance or legal",
    ]
    by_label(at.selectbox, "L2").set_value("Licensing").run()
    assert by_label(at.selectbox, "L3").options == [
        "Licences not assigned",
        "Licence type unsuitable",
    ]
    by_label(at.selectbox, "L3").set_value("Licences not assigned")
    by_label(at.number_input, "Count").set_value(900)
    by_label(at.button, "Save service status").click().run()
    assert said(at.error) == [
        "The counts add up to 900 but the workload has 1,000 entitlements: add 100 so they match."
    ]
    by_label(at.number_input, "Count").set_value(1000)
    by_label(at.button, "Save service status").click().run()
    assert said(at.success) == ["Service status of Exchange Online saved (version 1)."]
    assert by_label(at.selectbox, "L2").value == "Licensing"
    # In progress takes no L2.
    by_label(at.selectbox, "L1").set_value("In progress").run()
    assert by_label(at.selectbox, "L2").disabled


def test_intent_note_warns_as_written_and_saves(app_env):
    at = open_tenant(REPORT, "intent")
    text_area = [t for t in at.text_area if t.label.startswith("New intent note for")][0]
    text_area.input("For now the customer waits.").run()
    warnings = said(at.warning)
    assert any(w.startswith("Ambiguous timing ('for now')") for w in warnings)
    assert any(w.startswith("No reason given") for w in warnings)
    by_label(at.button, "Save intent note").click().run()
    assert not at.exception
    assert "For now the customer waits." in texts(at)
    text_area = [t for t in at.text_area if t.label.startswith("New intent note for")][0]
    text_area.input("No intent because the customer uses another vendor.").run()
    assert said(at.success)[-1] == "No warnings: the note follows the guidelines."


def test_another_partner_sees_none_of_it(app_env):
    at = add_note(open_tenant(EXEC, "notes"), "Northwind secret")
    assert "Northwind secret" in texts(at)
    other = open_tenant(FABRIKAM_ADMIN, "notes")
    assert not other.exception
    assert "Northwind secret" not in texts(other)
    assert "No status notes yet. Use + Add note to record the first one." in [
        i.value for i in other.info
    ]


def test_service_status_saved_meanwhile_is_not_overwritten(app_env, db_path, user):
    at = open_tenant(EXEC, "service_status")
    status_selectbox(at).set_value("exchange").run()
    by_label(at.number_input, "Count").set_value(1000)
    other = [("In progress", None, None, 1000)]
    service_status.save_status(store.shared(), user(EXEC), ALPHA, "exchange", other, 0)
    by_label(at.button, "Save service status").click().run()
    assert said(at.error)[0].startswith(
        "Someone else saved this workload's status after you opened it. Reload the page"
    )
    at.run()  # the next run shows what the other person saved
    assert by_label(at.selectbox, "L1").value == "In progress"
    assert service_status.status(store.shared(), user(EXEC), ALPHA, "exchange").version == 1
