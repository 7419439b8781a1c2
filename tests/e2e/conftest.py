"""Fixtures of the end-to-end tier: the real app (`streamlit run dashboard.py`) on a free
loopback port against a temporary database, driven by Playwright in Debian's Chromium. The
harness behind them (``run_app``, ``CHROMIUM``, ``CHROMIUM_ARGS``, ``open_app``, ...) is
tests/e2e/harness.py.

Reuse these for your page's browser tests (mark them ``@pytest.mark.e2e``; the load test,
test_load_sessions.py, is marked ``load`` instead, so ``-m e2e`` leaves it out):

``app_server`` (module scope)
    Base URL (``http://127.0.0.1:<port>``) of a demo-mode app on a private copy of the fixture
    database (``fixture_db_template`` from tests/conftest.py: tests/data/feed_small and its
    users). Tests in one module share the server and its database, so a test that writes
    should use data no other test in that module reads. ``app_server.db_path`` is the file.
``run_app`` (fixture returning a function: ``with run_app(db_path, secrets=None, env=None)``)
    The context manager behind ``app_server``, for a server of your own: ``secrets`` is the text of
    a secrets.toml (e.g. an ``[auth]`` section for OpenID Connect; None means no secrets file,
    which is demo mode whatever a developer keeps in .streamlit/secrets.toml); ``env`` adds
    environment variables. Yields the base URL.
``fresh_db(tmp_path_factory, fixture_db_template)`` (function)
    Copies the fixture database to a new temporary file and returns its path (edit it, e.g.
    remove users, before passing it to ``run_app``).
``browser`` (session scope)
    A headless Chromium (``/usr/bin/chromium``; never ``playwright install``).
``page`` (function scope)
    A new browser context and tab (downloads accepted, 1400×1000 viewport), closed afterwards.

``ui`` (fixture: the harness's page helpers, no import needed)
    ``ui.open_app(page, url)`` loads a URL and waits until the app has finished running;
    ``ui.sign_in_as(page, name)`` picks a user in the sidebar's "Signed in as" box (demo mode)
    by the display name it shows (e.g. "Riley Report"); ``ui.wait_idle(page)`` waits for a
    rerun to finish; ``ui.go(page, title)`` opens a page from the sidebar. The first page
    after sign-in is My work for anyone with items (all fixture users with a role): go to
    Tenants first to test it.
    ``ui.open_section(page, "Contacts")`` clicks a Tenant details section.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.e2e.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    AppUrl,
    go,
    open_app,
    open_section,
    run_app,
    sign_in_as,
    wait_idle,
)


@pytest.fixture(name="run_app", scope="session")
def run_app_fixture():
    return run_app


@pytest.fixture(scope="session")
def ui() -> SimpleNamespace:
    return SimpleNamespace(
        open_app=open_app,
        open_section=open_section,
        sign_in_as=sign_in_as,
        wait_idle=wait_idle,
        go=go,
    )


@pytest.fixture
def fresh_db(tmp_path_factory, fixture_db_template) -> Path:
    path = tmp_path_factory.mktemp("e2e") / "fcu.duckdb"
    shutil.copy(fixture_db_template, path)
    return path


@pytest.fixture(scope="module")
def app_server(tmp_path_factory, fixture_db_template) -> Iterator[AppUrl]:
    path = tmp_path_factory.mktemp("e2e") / "fcu.duckdb"
    shutil.copy(fixture_db_template, path)
    with run_app(path) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt install chromium)")
    sync_api.expect.set_options(timeout=TIMEOUT_MS)  # a loaded 2-core CI box is slow
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()
