"""The real sign-in flow: Chromium, `streamlit run`, and a local OpenID Connect provider.

oidc-provider-mock (PyPI) runs on a loopback port and shows a form where the test types the
subject; it puts that subject in the ID token's email claim. The app gets its own secrets
file (``--secrets.files``) and its own HOME, so neither the repository's .streamlit/ nor the
developer's home is read, and a private copy of the fixture database. Chromium comes from
the ``browser`` and ``page`` fixtures of tests/e2e/conftest.py (a fresh context per test, so
each test starts without cookies).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fixtures import ALPHA, ROOT

pytestmark = pytest.mark.e2e

STARTUP = 90  # seconds a server may take to answer its health check
WAIT = 30_000  # milliseconds for a page to show what it should
TENANT_NAMES = ("Alpha Corp", "Beta School", "Gamma Small", "Delta Gov")
PAGES = ("tenants", "earnings", "admin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up:\n{log.read_text()}")


def start(args: list[str], *, env: dict, log: Path, health: str) -> subprocess.Popen:
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    wait_until_up(health, process, log)
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def servers(fixture_db_template, tmp_path_factory) -> Iterator[str]:
    """The OpenID Connect provider and FCU configured against it; yields FCU's address."""
    tmp = tmp_path_factory.mktemp("oidc")
    home = tmp / "home"
    home.mkdir()
    db_path = tmp / "fcu.duckdb"
    shutil.copy(fixture_db_template, db_path)
    idp_port, app_port = free_port(), free_port()
    idp = f"http://127.0.0.1:{idp_port}"
    app = f"http://127.0.0.1:{app_port}"
    secrets = tmp / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "{app}/oauth2callback"\n'
        'cookie_secret = "e2e-cookie-secret-that-is-long-enough-0123456789"\n'
        'client_id = "fcu-e2e"\n'
        'client_secret = "fcu-e2e-secret"\n'
        f'server_metadata_url = "{idp}/.well-known/openid-configuration"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FCU_", "STREAMLIT_"))}
    env.update(HOME=str(home), FCU_DB=str(db_path), PYTHONUNBUFFERED="1")
    provider = start(
        [
            sys.executable,
            "-m",
            "oidc_provider_mock",
            "--host",
            "127.0.0.1",
            "--port",
            str(idp_port),
        ],
        env=env | {"NO_COLOR": "1"},
        log=tmp / "provider.log",
        health=f"{idp}/.well-known/openid-configuration",
    )
    try:
        streamlit = start(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "dashboard.py",
                "--server.address=127.0.0.1",
                f"--server.port={app_port}",
                "--server.headless=true",
                "--server.fileWatcherType=none",
                "--browser.gatherUsageStats=false",
                f"--secrets.files={secrets}",
            ],
            env=env,
            log=tmp / "streamlit.log",
            health=f"{app}/_stcore/health",
        )
        try:
            yield app
        finally:
            stop(streamlit)
    finally:
        stop(provider)


def settled(page: Page) -> None:
    """Wait until the app has finished its run (the script is no longer running)."""
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=WAIT
    )


def body(page: Page) -> str:
    return page.locator("body").inner_text()


def assert_no_data(page: Page) -> None:
    shown = body(page)
    for name in TENANT_NAMES:
        assert name not in shown
    assert ALPHA not in shown
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    expect(page.get_by_test_id("stDownloadButton")).to_have_count(0)


def sign_in(page: Page, app: str, subject: str) -> None:
    page.goto(app + "/")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_placeholder("sub").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=WAIT)
    settled(page)


def test_nothing_is_shown_before_sign_in(servers, page):
    # The server's first run comes from a deep link: Streamlit then runs that page's script
    # by itself (pages/ is next to dashboard.py), so the page must refuse on its own.
    urls = [f"/tenant?tenant={ALPHA}", "/"] + [f"/{p}" for p in PAGES]
    urls.append(f"/tenant?tenant={ALPHA}")
    for url in urls:
        page.goto(servers + url)
        settled(page)
        assert_no_data(page)
        expect(page.get_by_text("Demo mode")).to_have_count(0)
        expect(page.get_by_label("Signed in as")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert "Sign in with your work account" in body(page)


def test_known_user_sees_their_tenants_then_signs_out(servers, page):
    sign_in(page, servers, "Exec@Northwind.Example")  # matched case-insensitively
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("Signed in as exec@northwind.example")
    expect(sidebar).to_contain_text("Executive report viewer · Entire organisation")
    expect(page.get_by_text("Demo mode")).to_have_count(0)
    expect(page.get_by_role("heading", name="My work")).to_be_visible()  # items are due
    page.get_by_test_id("stSidebarNav").get_by_text("Tenants", exact=True).click()
    expect(page.get_by_test_id("stMetric").first).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_contain_text("Alpha Corp")
    expect(page.get_by_test_id("stDataFrame")).to_contain_text("Beta School")

    page.goto(f"{servers}/tenant?tenant={ALPHA}")
    expect(page.get_by_role("heading", name="Alpha Corp")).to_be_visible(timeout=WAIT)

    page.get_by_role("button", name="Sign out").click()
    # The provider asks to confirm the end of its session, then sends the browser back.
    page.get_by_role("button", name="End session").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=WAIT)
    settled(page)
    assert_no_data(page)
    assert not [c for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]
    page.goto(f"{servers}/tenant?tenant={ALPHA}")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=WAIT)
    settled(page)
    assert_no_data(page)


def test_unknown_user_sees_only_the_roles_explanation(servers, page):
    sign_in(page, servers, "stranger@contoso.example")
    expect(page.get_by_test_id("stSidebar")).to_contain_text(
        "Signed in as stranger@contoso.example"
    )
    expect(page.get_by_text("You have no role in FCU yet")).to_be_visible()
    expect(page.get_by_text("Executive report viewer", exact=False).first).to_be_visible()
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_have_count(0)  # Help is their only page: no navigation to anything else
    assert_no_data(page)
    for url in [f"/tenant?tenant={ALPHA}", "/tenants", "/admin"]:
        page.goto(servers + url)
        expect(page.get_by_text("You have no role in FCU yet")).to_be_visible(timeout=WAIT)
        settled(page)
        assert_no_data(page)


def test_refusing_at_the_provider_shows_nothing(servers, page):
    page.goto(servers + "/")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Deny").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=WAIT)
    settled(page)
    assert_no_data(page)
