"""In a real browser: find a tenant by usage, open it, download the list; and what a Report
viewer's page, download and deep link show. Known answers: tests/data/feed_small/README.md.
"""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from fcu import db as fcu_db
from tests.fixtures import ALPHA, BETA

pytestmark = pytest.mark.e2e

NOT_AVAILABLE = "No tenant with this Tenant ID is available to you."
REVENUE_WORDS = ("Potential earnings", "Unclaimed opportunity", "$")
REVENUE_COLUMNS = ("potential_earnings", "unclaimed_opportunity", "rate_per_unit")


def raise_usage_floor(page, ui, steps: int) -> None:
    """Move the Usage % slider's lower thumb up as a keyboard user would (PageUp: 10 %)."""
    thumb = page.locator("input[aria-label='Usage % — start']")
    thumb.focus()
    for _ in range(steps):
        page.keyboard.press("PageUp")
    ui.wait_idle(page)


def download_csv(page, ui) -> list[dict]:
    ui.wait_idle(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename == "tenants.csv"
    with open(download.path(), encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(io.StringIO(handle.read())))


def open_row(page, ui, row: int) -> None:
    """Click a row of the Tenants table (its selection box, left of the first column)."""
    ui.wait_idle(page)
    table = page.get_by_test_id("stDataFrame")
    table.scroll_into_view_if_needed()  # below the filters and the band chart
    box = table.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 35 * (row + 1) + 17)
    page.wait_for_url("**/tenant?tenant=*", wait_until="commit")
    ui.wait_idle(page)


def main_text(page) -> str:
    """What the page shows: its text and the tables' cells (drawn on a canvas, so read from
    the grid that the table keeps for screen readers)."""
    cells = page.locator("[data-testid='stDataFrame'] [role='columnheader'], [role='gridcell']")
    texts = cells.evaluate_all("cells => cells.map(c => c.textContent)")
    return page.get_by_test_id("stMain").inner_text() + "\n" + "\n".join(texts)


def test_find_a_tenant_by_usage_open_it_and_download_the_list(app_server, page, ui):
    ui.open_app(page, app_server)
    ui.sign_in_as(page, "Emery Executive")
    ui.go(page, "Tenants")  # (the first page is My work: Emery has items)
    expect(page.get_by_text("Tenants 1–2 of 2")).to_be_visible()
    assert len(download_csv(page, ui)) == 2

    raise_usage_floor(page, ui, 5)  # 0..120 in steps of 12: the floor is now 60 %
    expect(page.get_by_text("Tenants 1–1 of 1")).to_be_visible()
    rows = download_csv(page, ui)
    assert [(r["tenant_id"], r["tenant_name"], r["usage_pct"]) for r in rows] == [
        (BETA, "Beta School", "120.0")
    ]
    assert rows[0]["potential_earnings"] == "0.0"

    open_row(page, ui, 0)
    assert page.url.endswith(f"/tenant?tenant={BETA}")
    expect(page.get_by_test_id("stCode")).to_have_text(BETA)
    expect(page.get_by_role("heading", name="Beta School")).to_be_visible()

    page.get_by_test_id("stSidebarNav").get_by_text("Tenants").click()
    ui.wait_idle(page)
    expect(page.get_by_text("Tenants 1–1 of 1")).to_be_visible()  # the filter survived


def test_report_viewer_sees_no_revenue_on_page_or_in_download(app_server, page, ui):
    ui.open_app(page, app_server)
    ui.sign_in_as(page, "Riley Report")
    ui.go(page, "Tenants")
    expect(page.get_by_text("Tenants 1–2 of 2")).to_be_visible()
    # the KPI tiles can be drawn after the list's caption on a loaded machine: wait for them
    expect(page.get_by_test_id("stMain")).to_contain_text("Average Usage %")
    shown = main_text(page)
    assert "Average Usage %" in shown and "Claimed workloads" in shown
    for word in REVENUE_WORDS:
        assert word not in shown

    rows = download_csv(page, ui)
    assert [r["tenant_name"] for r in rows] == ["Alpha Corp", "Beta School"]
    assert not set(rows[0]) & set(REVENUE_COLUMNS)

    open_row(page, ui, 0)
    expect(page.get_by_test_id("stCode")).to_have_text(ALPHA)
    expect(page.get_by_role("heading", name="Claimed by your partner")).to_be_visible()
    # the table fills its cells after the run (on a loaded machine, later): wait for them
    expect(page.get_by_test_id("stDataFrame").first).to_contain_text("C1 (Approved)")
    shown = main_text(page)
    assert "Exchange Online" in shown and "C1 (Approved)" in shown and "HWM" in shown
    for word in REVENUE_WORDS:
        assert word not in shown


@pytest.fixture(scope="module")
def scoped_report_server(tmp_path_factory, fixture_db_template, run_app):
    """An app whose only user is the Report viewer scoped to MPN M12 (Beta School), so a
    fresh browser session (a link pasted into the address bar) is that person."""
    path = tmp_path_factory.mktemp("e2e-scoped") / "fcu.duckdb"
    path.write_bytes(fixture_db_template.read_bytes())
    database = fcu_db.Database(path)
    database.execute("DELETE FROM users WHERE email <> ?", ["report.m12@northwind.example"])
    database.execute("CHECKPOINT")
    database.close()
    with run_app(path) as url:
        yield url


def test_deep_link_outside_the_scope_shows_the_not_available_message(
    scoped_report_server, page, ui
):
    ui.open_app(page, f"{scoped_report_server}/tenant?tenant={ALPHA}")
    expect(page.get_by_text(NOT_AVAILABLE)).to_be_visible()
    assert "Alpha Corp" not in main_text(page)

    ui.open_app(page, f"{scoped_report_server}/tenant?tenant={BETA}")
    expect(page.get_by_test_id("stCode")).to_have_text(BETA)
    shown = main_text(page)
    assert "Beta School" in shown
    for word in REVENUE_WORDS:
        assert word not in shown
