"""What surrounds every page in the browser: the app's name and page titles, and none of
Streamlit's developer chrome (Deploy button, the menu's developer items)."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_pages_have_their_own_title_and_no_developer_chrome(app_server, page, ui):
    ui.open_app(page, app_server)
    ui.sign_in_as(page, "Emery Executive")
    expect(page).to_have_title("My work · FCU")  # the first page for someone with items
    ui.go(page, "Tenants")
    expect(page).to_have_title("Tenants · FCU")
    logo = page.get_by_test_id("stSidebarLogo")
    expect(logo).to_be_visible()
    assert b"FCU</text>" in base64.b64decode(logo.get_attribute("src").split(",", 1)[1])
    expect(page.get_by_test_id("stAppDeployButton")).to_have_count(0)
    page.get_by_test_id("stMainMenu").click()
    menu = page.get_by_test_id("stMainMenuPopover")
    expect(menu.get_by_text("Print")).to_be_visible()  # what a user may want stays
    for developer_item in ("Clear cache", "Rerun", "Deploy", "Developer"):
        expect(menu.get_by_text(developer_item)).to_have_count(0)
    page.keyboard.press("Escape")
    page.get_by_test_id("stSidebarNav").get_by_text("Referrals", exact=True).click()
    ui.wait_idle(page)
    expect(page).to_have_title("Referrals · FCU")


def test_the_server_sends_no_usage_statistics():
    """The settings `streamlit run` reads from .streamlit/config.toml in the app's folder."""
    probe = (
        "from streamlit import config; config.get_config_options(force_reparse=True); "
        "print(config.get_option('browser.gatherUsageStats'), "
        "config.get_option('client.toolbarMode'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["False", "viewer"]
