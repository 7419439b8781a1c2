"""The partner's workspace in a real browser (Tenant details): add a note, create contacts,
set a service status, write an intent note, claim a workload. Harness: tests/e2e/conftest.py.

The tests share one server and database (module scope), so each writes to its own tenant
or workload: notes and the intent note on Alpha, contacts and service status on Beta, the
claim on Alpha's intune.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.harness import SECTION_HEADINGS
from tests.fixtures import ALPHA, BETA

pytestmark = pytest.mark.e2e


def open_tenant(page: Page, ui, url: str, tenant: str, section: str) -> None:
    """Tenant details opened on a section by its link (?section=)."""
    # The app's home first: a deep link as the very first request of a fresh server is
    # served by Streamlit's pages/ folder instead of the app's navigation. A new page load
    # is a new session, so the user is demo mode's first: Avery Admin (Northwind, executive).
    ui.open_app(page, url)
    ui.open_app(page, f"{url}/tenant?tenant={tenant}&section={section}")
    heading = SECTION_HEADINGS[section]
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()


def form(page: Page, text: str):
    return page.get_by_test_id("stForm").filter(has_text=text)


def choose(page: Page, container, label: str, option: str) -> None:
    """Pick an option as a keyboard user would (type to filter, Enter): steadier than
    clicking a list that a rerun may redraw."""
    box = container.get_by_test_id("stSelectbox").filter(has_text=label)
    combobox = box.get_by_role("combobox")
    combobox.click()
    combobox.press_sequentially(option)
    page.keyboard.press("Enter")
    expect(combobox).to_have_value(option)


def count_and_save(page: Page, ui, count: int) -> None:
    """Type the (single) status row's count, then Save service status."""
    box = page.get_by_label("Count")
    box.fill(str(count))
    box.press("Enter")
    ui.wait_idle(page)
    page.get_by_role("button", name="Save service status").click()
    ui.wait_idle(page)


def main_text(page: Page) -> str:
    return page.get_by_test_id("stMain").inner_text()


def add_note(page: Page, ui, risks: str) -> None:
    page.get_by_role("button", name="+ Add note").click()
    ui.wait_idle(page)
    note_form = form(page, "New status note")
    note_form.get_by_label("Risks").fill(risks)
    note_form.get_by_role("button", name="Save").click()
    ui.wait_idle(page)
    expect(page.get_by_text("Note saved.")).to_be_visible()


def test_add_a_note_and_find_it_on_top_and_in_all_history(app_server, page, ui):
    open_tenant(page, ui, app_server, ALPHA, "workloads")
    ui.open_section(page, "Status notes")  # as a person does, from the section control
    assert page.url.endswith(f"tenant={ALPHA}&section=notes")
    expect(page.get_by_role("heading", name="Status Note updates")).to_be_visible()
    add_note(page, ui, "Proxy blocks Teams media (older note)")
    add_note(page, ui, "Licences not yet assigned (newest note)")
    shown = main_text(page)
    assert shown.index("(newest note)") < shown.index("(older note)")
    expect(page.get_by_text("The latest 2 of 2 notes, newest first.")).to_be_visible()
    page.get_by_text("View all history").click()
    ui.wait_idle(page)
    expect(page.get_by_role("radio", name="Status notes (2)")).to_be_visible()
    history = page.get_by_test_id("stDataFrame").last
    expect(history).to_contain_text("Licences not yet assigned (newest note)")
    expect(history).to_contain_text("Proxy blocks Teams media (older note)")


def test_customer_contact_refused_without_a_required_field_then_created(app_server, page, ui):
    open_tenant(page, ui, app_server, BETA, "contacts")
    expect(page.get_by_text("No customer contact is survey eligible")).to_be_visible()
    page.get_by_role("button", name="New", exact=True).click()
    ui.wait_idle(page)
    contact = form(page, "New contact")
    contact.get_by_label("Name").fill("Kim Lee")
    contact.get_by_label("Email").fill("kim@beta.example")
    choose(page, contact, "Country/Region", "United Kingdom")  # searched by name
    services = contact.get_by_test_id("stMultiSelect")
    services.get_by_role("combobox").click()
    services.get_by_role("combobox").press_sequentially("Exchange Online")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(services).to_contain_text("Exchange Online")
    contact.get_by_test_id("stRadio").filter(has_text="Survey eligible").get_by_text("Yes").click()
    contact.get_by_role("button", name="Save").click()  # no survey language chosen
    ui.wait_idle(page)
    expect(
        page.get_by_text("A customer contact needs Survey language: fill it in and save again.")
    ).to_be_visible()
    choose(page, form(page, "New contact"), "Survey language", "English")
    form(page, "New contact").get_by_role("button", name="Save").click()
    ui.wait_idle(page)
    expect(page.get_by_text("Contact saved.")).to_be_visible()
    contacts = page.get_by_test_id("stDataFrame").first
    expect(contacts).to_contain_text("kim@beta.example")
    expect(contacts).to_contain_text("United Kingdom")  # stored as GB, shown by name
    expect(page.get_by_text("No customer contact is survey eligible")).to_have_count(0)


def test_service_status_refused_until_counts_sum_then_saved(app_server, page, ui):
    open_tenant(page, ui, app_server, BETA, "service_status")
    expect(page.get_by_text("Total entitlements: 500")).to_be_visible()  # Beta exchange PAU
    count_and_save(page, ui, 400)
    expect(
        page.get_by_text(
            "The counts add up to 400 but the workload has 500 entitlements: add 100 so they match."
        )
    ).to_be_visible()
    count_and_save(page, ui, 500)
    expect(page.get_by_text("Service status of Exchange Online saved (version 1).")).to_be_visible()


def test_intent_note_with_for_now_shows_the_warning(app_server, page, ui):
    open_tenant(page, ui, app_server, ALPHA, "intent")
    note = page.get_by_role("textbox", name="New intent note for Exchange Online")
    note.fill("For now the customer waits because the budget is frozen.")
    note.press("Control+Enter")  # Streamlit sends a text area's value on Ctrl+Enter or blur
    ui.wait_idle(page)
    expect(page.get_by_text("Ambiguous timing ('for now')")).to_be_visible()
    expect(page.get_by_text("No reason given")).to_have_count(0)


def test_claim_an_unclaimed_workload_on_its_row_and_see_its_claim_number(app_server, page, ui):
    open_tenant(page, ui, app_server, ALPHA, "workloads")
    intune = form(page, "Microsoft Intune")  # the unclaimed workload's own row
    expect(intune.get_by_role("button", name="Claim workload")).to_be_visible()
    choose(page, intune, "MPN location for Microsoft Intune", "M12 · Northwind London")
    intune.get_by_role("button", name="Claim workload").click()
    ui.wait_idle(page)
    expect(
        page.get_by_text("Claimed Microsoft Intune: claim number APP-000001 (submitted under M12).")
    ).to_be_visible()
    workloads = page.get_by_test_id("stDataFrame").first
    expect(workloads).to_contain_text("APP-000001 (Submitted)")
    expect(form(page, "Microsoft Intune")).to_have_count(0)  # no longer unclaimed
    expect(
        form(page, "Microsoft Viva").get_by_role("button", name="Claim workload")
    ).to_be_visible()
