"""FCU for a team in a real browser: two `streamlit run` processes on one PostgreSQL (the team
store, fcu.team) serve the same partner. What one saves the other shows, after the first was
killed; a user added and a feed loaded from the command line while both serve reach both at
their next rerun; two saves of one workload's status made from the two processes end with
one saved and one refused.
"""

from __future__ import annotations

import os
import signal
import subprocess

import psutil
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.harness import SECTION_HEADINGS
from tests.e2e.test_workspace_flow import add_note, choose, count_and_save, form
from tests.fixtures import ALPHA, BETA, PYTHON, ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture
def two_apps(run_app, team_store, tmp_path):
    """Two app processes on one PostgreSQL database and one data folder: (url, url, env)."""
    url, folder = team_store
    env = {"FCU_DATABASE_URL": url, "FCU_DATA_DIR": str(folder)}
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
    with run_app(tmp_path / "one" / "unused.duckdb", env=env) as one:
        with run_app(tmp_path / "two" / "unused.duckdb", env=env) as two:
            yield one, two, env


def _fcu(env: dict, *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "-m", "fcu", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _kill_server(url: str) -> None:
    """SIGKILL the app process serving ``url`` (found by its listening port)."""
    port = int(url.rsplit(":", 1)[1])
    pids = {
        c.pid
        for c in psutil.net_connections("tcp")
        if c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN
    }
    assert pids, f"no process listens on {port}"
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    for pid in pids:
        if psutil.pid_exists(pid):
            psutil.Process(pid).wait(timeout=30)


def _tenant(page: Page, ui, url: str, tenant: str, section: str) -> None:
    ui.open_app(page, url)
    ui.open_app(page, f"{url}/tenant?tenant={tenant}&section={section}")
    expect(page.get_by_role("heading", name=SECTION_HEADINGS[section], exact=True)).to_be_visible()


def _main(page: Page):
    return page.get_by_test_id("stMain")


def test_what_one_process_saves_the_other_shows(two_apps, page, browser, ui):
    one, two, _ = two_apps
    _tenant(page, ui, one, ALPHA, "notes")
    add_note(page, ui, "Saved through the first process")

    _tenant(page, ui, one, BETA, "contacts")
    page.get_by_role("button", name="New", exact=True).click()
    ui.wait_idle(page)
    contact = form(page, "New contact")
    contact.get_by_label("Name").fill("Kim Lee")
    contact.get_by_label("Email").fill("kim@beta.example")
    services = contact.get_by_test_id("stMultiSelect")
    services.get_by_role("combobox").click()
    services.get_by_role("combobox").press_sequentially("Exchange Online")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    choose(page, contact, "Country/Region", "United Kingdom")
    choose(page, contact, "Survey language", "English")
    contact.get_by_test_id("stRadio").filter(has_text="Survey eligible").get_by_text("No").click()
    contact.get_by_role("button", name="Save").click()
    ui.wait_idle(page)
    expect(page.get_by_text("Contact saved.")).to_be_visible()

    _tenant(page, ui, one, BETA, "service_status")
    count_and_save(page, ui, 500)
    expect(page.get_by_text("Service status of Exchange Online saved (version 1).")).to_be_visible()

    # The first process dies at once (no shutdown): nothing confirmed to its user is lost.
    _kill_server(one)
    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    _tenant(other, ui, two, ALPHA, "notes")
    expect(_main(other).get_by_text("Saved through the first process")).to_be_visible()
    _tenant(other, ui, two, BETA, "contacts")
    expect(other.get_by_test_id("stDataFrame").first).to_contain_text("kim@beta.example")
    _tenant(other, ui, two, BETA, "service_status")
    expect(other.get_by_label("Count")).to_have_value("500")
    other.context.close()


def test_the_same_status_saved_in_both_processes_keeps_one(two_apps, page, browser, ui):
    one, two, _ = two_apps
    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    # Both open Beta's Exchange status before either saves: both edit version 0.
    for tab, url in ((page, one), (other, two)):
        _tenant(tab, ui, url, BETA, "service_status")
    count_and_save(page, ui, 500)
    expect(page.get_by_text("Service status of Exchange Online saved (version 1).")).to_be_visible()
    count_and_save(other, ui, 500)
    expect(
        other.get_by_text("Someone else saved this workload's status after you opened it.")
    ).to_be_visible()
    assert page.get_by_text("saved (version 2)").count() == 0
    other.context.close()


def test_a_user_and_a_feed_from_the_command_line_reach_both(two_apps, page, ui, big_feed):
    one, two, env = two_apps
    for url in (one, two):
        ui.open_app(page, url)
        expect(page.locator("body")).to_contain_text("Data for 2026-10")

    _fcu(
        env,
        "users",
        "add",
        "new.exec@northwind.example",
        "--partner",
        "P1",
        "--role",
        "executive",
        "--name",
        "Nova New",
    )
    out = _fcu(env, "load", str(big_feed))
    assert "Current month: 2026-11" in out

    for url in (one, two):
        ui.open_app(page, url)
        expect(page.locator("body")).to_contain_text("Data for 2026-11")
        ui.sign_in_as(page, "Nova New")
