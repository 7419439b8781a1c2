"""Hostile users, in a real browser: the Tenant details page of the hostile workspace
(``hostile_db``: markup in the feed's text and in every free-text field) in Chromium. The same
payloads in every page through AppTest: tests/app/test_hostile_users.py.
"""

from __future__ import annotations

import pytest

from tests.fixtures import ALPHA, EXEC, FEED_TEXT, HOSTILE_INTENT, HOSTILE_NOTE, copy_db

pytestmark = pytest.mark.e2e


def test_the_browser_gets_no_injected_markup(hostile_db, tmp_path, run_app, page, ui):
    """The payloads are on the page as text, and no script, javascript: link or event handler
    came from them."""
    path = copy_db(hostile_db, tmp_path / "fcu.duckdb")
    with run_app(path) as url:
        ui.open_app(page, f"{url}/?as={EXEC}")
        for section, payload in (("notes", HOSTILE_NOTE.risks), ("intent", HOSTILE_INTENT)):
            ui.open_app(page, f"{url}/tenant?tenant={ALPHA}&section={section}&as={EXEC}")
            text = page.get_by_test_id("stMain").inner_text()
            for shown in (payload, FEED_TEXT[("tenants", "tenant_name", "Alpha Corp")]):
                assert shown in text, shown
            assert page.locator("script:has-text('alert(')").count() == 0
            assert page.locator("a[href^='javascript:' i]").count() == 0
            assert page.locator("[onerror], [onload]:not(body)").count() == 0
            assert page.locator("b:has-text('Online'), u:has-text('not ours')").count() == 0
