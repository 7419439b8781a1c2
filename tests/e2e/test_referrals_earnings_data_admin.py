"""In a real browser: accept and decline a referral; the earnings charts for an executive and
nothing of them for a Report viewer; a bad feed refused then a good one loaded; a scope
changed on Admin and followed by that user's Tenants page. Harness: tests/e2e/conftest.py.

The first three tests share one server (module scope) and write to different records: the
referral test to R1 and R3, the admin test to Sam M11's scope (Sam is read by no other
test). The upload test replaces the feed, so it runs its own server on its own database.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from fcu import db as fcu_db
from tests.fixtures import FIXTURE_FEED

pytestmark = pytest.mark.e2e


def go(page: Page, ui, title: str) -> None:
    """Open a page from the sidebar's navigation."""
    ui.go(page, title)


def choose(page: Page, ui, label: str, option: str) -> None:
    """Pick an option of a selectbox in the main area (typing its start, as users do)."""
    ui.wait_idle(page)
    box = page.get_by_test_id("stMain").get_by_test_id("stSelectbox").filter(has_text=label)
    combobox = box.get_by_role("combobox")
    combobox.click()
    # A click on a box that already has focus may leave its menu closed: ask for it again.
    if not page.get_by_role("option").first.is_visible():
        combobox.press("ArrowDown")
    wanted = page.get_by_role("option", name=option, exact=True)
    try:
        wanted.click(timeout=10_000)
    except PlaywrightTimeout:  # the menu closed under a loaded machine's rerun: as a person
        combobox.press("Escape")  # would, open it again and type the option's start
        combobox.click()
        combobox.press_sequentially(option[:2])
        wanted.click()
    ui.wait_idle(page)


def main_text(page: Page) -> str:
    cells = page.locator("[data-testid='stDataFrame'] [role='columnheader'], [role='gridcell']")
    texts = cells.evaluate_all("cells => cells.map(c => c.textContent)")
    return page.get_by_test_id("stMain").inner_text() + "\n" + "\n".join(texts)


def test_accept_and_decline_a_referral(app_server, page, ui):
    ui.open_app(page, app_server)
    ui.sign_in_as(page, "Emery Executive")
    go(page, ui, "Referrals")
    expect(page.get_by_text("requests for assistance (RFAs)", exact=False)).to_be_visible()

    choose(page, ui, "Open a referral", "R1 · Alpha Corp")
    ui.wait_idle(page)
    expect(page.get_by_role("heading", name="Referral R1")).to_be_visible()
    page.get_by_role("button", name="Decline", exact=True).click()
    ui.wait_idle(page)
    expect(page.get_by_text("Give a reason for declining")).to_be_visible()
    expect(page.get_by_text("Acceptance: Not answered yet", exact=False)).to_be_visible()

    page.get_by_label("Reason for declining (required to decline)").fill("No capacity in Seattle")
    page.get_by_label("Reason for declining (required to decline)").press("Control+Enter")
    ui.wait_idle(page)
    page.get_by_role("button", name="Decline", exact=True).click()
    ui.wait_idle(page)
    expect(page.get_by_text("Referral R1 declined.")).to_be_visible()
    expect(page.get_by_text("Decline reason: No capacity in Seattle", exact=False)).to_be_visible()
    expect(page.get_by_text("Acceptance: Declined  ·  Status: Closed", exact=False)).to_be_visible()

    choose(page, ui, "Open a referral", "R3 · Beta School")
    ui.wait_idle(page)
    expect(page.get_by_text("appears two to three days after", exact=False)).to_be_visible()
    page.get_by_role("button", name="Accept", exact=True).click()
    ui.wait_idle(page)
    expect(page.get_by_text("Referral R3 accepted.")).to_be_visible()
    expect(page.get_by_text("Acceptance: Accepted", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Accept", exact=True)).to_be_disabled()

    # The list's download says the same, as any analyst would take it away.
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    with open(info.value.path(), encoding="utf-8", newline="") as handle:
        rows = {r["rfa_id"]: r for r in csv.DictReader(handle)}
    assert (rows["R1"]["acceptance"], rows["R1"]["decline_reason"]) == (
        "declined",
        "No capacity in Seattle",
    )
    assert rows["R3"]["acceptance"] == "accepted"


def test_earnings_for_an_executive_and_nothing_for_a_report_viewer(app_server, page, ui):
    ui.open_app(page, app_server)
    ui.sign_in_as(page, "Emery Executive")
    go(page, ui, "Earnings")
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(4)
    for title in ("By workload", "By MPN location", "By country", "Over the months"):
        expect(page.get_by_test_id("stPlotlyChart").filter(has_text=title)).to_have_count(1)
    expect(page.get_by_test_id("stMetric").filter(has_text="Potential earnings")).to_contain_text(
        "2,000"
    )
    buttons = page.get_by_role("button", name="Download CSV")
    expect(buttons).to_have_count(5)
    with page.expect_download() as info:
        buttons.nth(3).click()  # the months chart's data
    assert info.value.suggested_filename == "earnings_by_month.csv"
    assert Path(info.value.path()).read_text().splitlines()[1:] == [
        "2026-08,4000.0,0.0",
        "2026-09,2000.0,0.0",
        "2026-10,2000.0,0.0",
    ]

    # Switching to a Report viewer while on the page: the menu loses it and its charts go.
    ui.sign_in_as(page, "Riley Report")
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("Referrals", exact=True)).to_be_visible()
    expect(nav.get_by_text("Earnings", exact=True)).to_have_count(0)
    # no Earnings chart (Tenants' own chart of Usage % bands stays)
    expect(page.get_by_test_id("stPlotlyChart").filter(has_text="USD")).to_have_count(0)
    assert "Unclaimed opportunity" not in main_text(page)

    # Back as the executive: a top tenant's row opens that tenant.
    ui.sign_in_as(page, "Emery Executive")
    go(page, ui, "Earnings")
    top = page.get_by_test_id("stDataFrame").last  # after the charts' own tables
    expect(top).to_contain_text("Alpha Corp")
    top.scroll_into_view_if_needed()  # below the charts: the mouse only reaches what is shown
    box = top.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)  # the first row's selection box
    page.wait_for_url("**/tenant?tenant=*", wait_until="commit")
    ui.wait_idle(page)
    expect(page.get_by_role("heading", name="Alpha Corp")).to_be_visible()


def test_a_report_viewer_typing_the_earnings_address_gets_nothing(run_app, fresh_db, page, ui):
    # In demo mode a typed address starts a new session as the first user listed; keep only
    # Report viewers so that this session is Riley's (with sign-in, the cookie keeps it).
    database = fcu_db.Database(fresh_db)
    database.execute("DELETE FROM users WHERE role IS DISTINCT FROM 'report' OR is_admin")
    database.execute("CHECKPOINT")
    database.close()
    with run_app(fresh_db) as url:
        for address in (f"{url}/earnings", url, f"{url}/earnings"):
            ui.open_app(page, address)
            expect(page.get_by_test_id("stSidebar")).to_contain_text("Report viewer")
            nav = page.get_by_test_id("stSidebarNav")
            expect(nav.get_by_text("Referrals", exact=True)).to_be_visible()
            expect(nav.get_by_text("Earnings", exact=True)).to_have_count(0)
            # no Earnings chart (Tenants' own chart of Usage % bands stays)
            expect(page.get_by_test_id("stPlotlyChart").filter(has_text="USD")).to_have_count(0)
            shown = main_text(page)
            for word in ("Potential earnings", "Unclaimed opportunity", "2,000", "What if"):
                assert word not in shown


def test_change_a_users_scope_and_their_tenants_page_follows(app_server, page, ui):
    ui.open_app(page, app_server)
    ui.sign_in_as(page, "Sam M11")
    go(page, ui, "Tenants")
    expect(page.get_by_test_id("stDataFrame")).to_contain_text("Alpha Corp")
    assert "Beta School" not in main_text(page)

    ui.sign_in_as(page, "Avery Admin")
    go(page, ui, "Admin")
    choose(page, ui, "User to add or change", "exec.m11@northwind.example")
    ui.wait_idle(page)
    scope = page.get_by_test_id("stMultiSelect")
    expect(scope).to_contain_text("M11 · Northwind Seattle")
    typing = scope.get_by_role("combobox")
    typing.click()
    typing.press("Backspace")  # an empty box's Backspace drops the last location, M11
    typing.press_sequentially("M12")
    page.get_by_role("option", name="M12 · Northwind London").click()
    typing.press("Escape")
    expect(scope).not_to_contain_text("M11 · Northwind Seattle")
    page.get_by_test_id("stForm").get_by_role("button", name="Save").click()
    ui.wait_idle(page)
    expect(page.get_by_text("Saved exec.m11@northwind.example.")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_contain_text("MPN locations M12")

    ui.sign_in_as(page, "Sam M11")
    go(page, ui, "Tenants")
    expect(page.get_by_test_id("stDataFrame")).to_contain_text("Beta School")
    assert "Alpha Corp" not in main_text(page)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("MPN locations M12")


def feed_zip(path: Path, *, bad: bool) -> Path:
    """The fixture feed zipped; bad: a negative MAU on usage.csv line 4; good: every month one
    later, so the current month becomes 2026-11."""
    with zipfile.ZipFile(path, "w") as archive:
        for source in sorted(FIXTURE_FEED.glob("*.csv")):
            text = source.read_text(encoding="utf-8")
            if source.name == "usage.csv":
                if bad:
                    text = text.replace(",700,1000,", ",-5,1000,")
                else:
                    for old, new in (("10", "11"), ("09", "10"), ("08", "09")):
                        text = text.replace(f",2026-{old},", f",2026-{new},")
            archive.writestr(source.name, text)
    return path


def test_upload_a_bad_feed_then_a_good_one(run_app, fresh_db, tmp_path, page, ui):
    bad, good = feed_zip(tmp_path / "bad.zip", bad=True), feed_zip(tmp_path / "good.zip", bad=False)
    with run_app(fresh_db, env={"FCU_OPERATORS": "admin@northwind.example"}) as url:
        ui.open_app(page, url)
        ui.sign_in_as(page, "Avery Admin")
        go(page, ui, "Data")
        expect(page.get_by_text("Uploads up to 2,000 MB", exact=False)).to_be_visible()
        uploader = page.get_by_test_id("stFileUploader").locator("input[type=file]")

        uploader.set_input_files(str(bad))
        ui.wait_idle(page)
        page.get_by_role("button", name="Check and load").click()
        ui.wait_idle(page)
        expect(page.get_by_text("Feed refused: 1 problem(s); nothing was changed.")).to_be_visible()
        problems = page.get_by_test_id("stDataFrame").first
        expect(problems).to_contain_text("usage.csv")
        expect(problems).to_contain_text("mau")
        shown = main_text(page)
        assert "Data for 2026-10" in shown  # the data in use is unchanged
        # Coming back later, the refused load's problems are still there to read.
        go(page, ui, "Tenants")
        go(page, ui, "Data")
        expect(page.get_by_text("Problems of the last refused load")).to_be_visible()
        expect(page.get_by_test_id("stDataFrame").last).to_contain_text("mau")

        remove = page.get_by_role("button", name="Remove bad.zip")
        if remove.count():  # the uploader may keep its files across pages
            remove.click()
            ui.wait_idle(page)
        uploader.set_input_files(str(good))
        ui.wait_idle(page)
        page.get_by_role("button", name="Check and load").click()
        ui.wait_idle(page)
        expect(page.get_by_text("Current month: 2026-11.", exact=False)).to_be_visible()
        go(page, ui, "Tenants")
        expect(page.get_by_text("Data for 2026-11", exact=False)).to_be_visible()
        assert "2026-10" not in page.get_by_test_id("stCaptionContainer").first.inner_text()


def test_zip_helper_builds_what_the_test_says(tmp_path):
    good = feed_zip(tmp_path / "g.zip", bad=False)
    with zipfile.ZipFile(good) as archive:
        usage = io.StringIO(archive.read("usage.csv").decode())
    months = {row["month"] for row in csv.DictReader(usage)}
    assert months == {"2026-09", "2026-10", "2026-11"}
