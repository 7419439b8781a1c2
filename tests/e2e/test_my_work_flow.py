"""In a real browser, on the fixture database with the next actions of ``fill_work`` and
FCU_TODAY=2026-11-03: sign in, land on My work, see what a Report viewer may see of it,
open a row's place to act, and download the calendar of next actions."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fcu.db import Database
from tests.fixtures import ALPHA, CONTACT_EMAIL, TODAY, fill_work

pytestmark = pytest.mark.e2e


@pytest.fixture
def work_server(run_app, fresh_db):
    db = Database(fresh_db)
    fill_work(db)
    db.close()
    with run_app(fresh_db, env={"FCU_TODAY": TODAY.isoformat()}) as url:
        yield url


def main_text(page) -> str:
    cells = page.locator("[data-testid='stDataFrame'] [role='columnheader'], [role='gridcell']")
    texts = cells.evaluate_all("cells => cells.map(c => c.textContent)")
    return page.get_by_test_id("stMain").inner_text() + "\n" + "\n".join(texts)


def test_land_on_my_work_open_a_row_and_download_the_calendar(work_server, page, ui):
    ui.open_app(page, work_server)  # the first demo user, Avery Admin, has items
    expect(page).to_have_url(f"{work_server}/my_work")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()

    ui.sign_in_as(page, "Riley Report")
    expect(page.get_by_text("Next actions overdue (1)")).to_be_visible()
    expect(page.get_by_text("Referrals to accept or decline (2)")).to_be_visible()
    shown = main_text(page)
    assert "Call ••• about the pilot" in shown and "Alpha Corp" in shown
    assert CONTACT_EMAIL not in shown and "$" not in shown
    assert not page.get_by_text("My team's next actions").count()

    with page.expect_download() as info:
        page.get_by_role("button", name="Download calendar (.ics)").click()
    calendar = open(info.value.path(), "rb").read()
    assert info.value.suggested_filename == "fcu-next-actions.ics"
    assert calendar.startswith(b"BEGIN:VCALENDAR\r\n") and calendar.count(b"BEGIN:VEVENT") == 1
    assert CONTACT_EMAIL.encode() not in calendar

    # The first table's first row: its Open link (the first column) opens the tenant's notes.
    table = page.get_by_test_id("stDataFrame").first
    table.evaluate("table => table.scrollIntoView({block: 'center'})")
    box = table.bounding_box()
    at = (box["x"] + 22, box["y"] + 35 + 17)
    page.mouse.move(*at)  # the grid draws a link under the pointer before it takes a click
    with page.context.expect_page() as opened:
        page.mouse.click(*at)
    tenant = opened.value
    tenant.wait_for_load_state()
    expect(tenant).to_have_url(
        f"{work_server}/tenant?tenant={ALPHA}&section=notes&as=report%40northwind.example"
    )
    expect(tenant.get_by_role("heading", name="Alpha Corp")).to_be_visible()
    expect(tenant.get_by_text("Status Note updates")).to_be_visible()
