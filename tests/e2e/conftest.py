"""End-to-end harness: the real app (`streamlit run dashboard.py`) on a free loopback port
against a temporary database, driven by Playwright in Debian's Chromium.

Reuse these for your page's browser tests (mark them ``@pytest.mark.e2e``):

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

``ui`` (fixture: helpers, no import needed; both conftest files are named "conftest")
    ``ui.open_app(page, url)`` loads a URL and waits until the app has finished running;
    ``ui.sign_in_as(page, name)`` picks a user in the sidebar's "Signed in as" box (demo mode)
    by the display name it shows (e.g. "Riley Report"); ``ui.wait_idle(page)`` waits for a
    rerun to finish.
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
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# `streamlit run` with uvicorn's access log on and timestamped (every HTTP request and
# WebSocket upgrade the server answered, and each connection opened and closed): the load
# test's evidence of what the server saw of a session's connection.
LOGGED_STREAMLIT = """
import sys
from streamlit.web.server.starlette import starlette_server as server
plain = server._get_uvicorn_config_kwargs
def logged():
    kwargs = plain()
    line = "%(asctime)s.%(msecs)03d %(name)s %(levelname)s %(message)s"
    kwargs["access_log"] = True
    kwargs["log_config"] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            name: {"format": line, "datefmt": "%H:%M:%S"} for name in ("default", "access")
        },
        "handlers": {"h": {"class": "logging.StreamHandler", "formatter": "default"}},
        "loggers": {n: {"handlers": ["h"], "level": "INFO", "propagate": False}
                    for n in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }
    return kwargs
server._get_uvicorn_config_kwargs = logged
from streamlit.web.cli import main
sys.argv[0] = "streamlit"
main()
"""
START_TIMEOUT_S = 90
TIMEOUT_MS = 30_000


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class AppUrl(str):
    """The base URL, carrying the database file the server uses."""

    db_path: Path


@contextmanager
def run_app(
    db_path: Path,
    *,
    secrets: str | None = None,
    env: dict[str, str] | None = None,
    access_log: bool = False,
) -> Iterator[AppUrl]:
    """Start `streamlit run dashboard.py` on a free loopback port; yield its base URL
    (``access_log``: the server logs every request and connection, with times)."""
    workdir = Path(db_path).parent
    secrets_file = workdir / "secrets.toml"
    if secrets is not None:
        secrets_file.write_text(secrets, encoding="utf-8")
    elif secrets_file.exists():
        secrets_file.unlink()
    port = _free_port()
    python = PYTHON if PYTHON.exists() else Path(sys.executable)
    command = [
        str(python),
        *(["-c", LOGGED_STREAMLIT] if access_log else ["-m", "streamlit"]),
        "run",
        "dashboard.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        # Other edits to the working tree must not rerun the app under a test.
        "--server.fileWatcherType",
        "none",
        # Only this file counts, so a developer's .streamlit/secrets.toml never leaks in.
        "--secrets.files",
        str(secrets_file),
    ]
    log_path = workdir / f"streamlit-{port}.log"
    environment = {**os.environ, "FCU_DB": str(db_path), **(env or {})}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        url = AppUrl(f"http://127.0.0.1:{port}")
        url.db_path = Path(db_path)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"streamlit did not start on {url}:\n{tail}")
                time.sleep(0.25)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(name="run_app", scope="session")
def run_app_fixture():
    return run_app


@pytest.fixture(scope="session")
def ui() -> SimpleNamespace:
    return SimpleNamespace(open_app=open_app, sign_in_as=sign_in_as, wait_idle=wait_idle)


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


def wait_idle(page) -> None:
    """Wait until the app has finished its runs: Streamlit's script state must read
    "notRunning" twice, 400 ms apart (a widget change can queue a second rerun)."""
    for _ in range(2):
        page.wait_for_timeout(400)
        page.wait_for_function(
            "document.querySelector(\"[data-testid='stApp']\")"
            "?.getAttribute('data-test-script-state') === 'notRunning'"
        )


def open_app(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("[data-testid='stSidebar']")
    wait_idle(page)


def sign_in_as(page, name: str) -> None:
    """Pick a user in the sidebar's "Signed in as" box (demo mode)."""
    box = (
        page.get_by_test_id("stSidebar")
        .get_by_test_id("stSelectbox")
        .filter(has_text="Signed in as")
    )
    from playwright.sync_api import expect

    box.get_by_role("combobox").click()
    page.get_by_role("option", name=name, exact=True).click()
    wait_idle(page)
    expect(box.get_by_role("combobox")).to_have_value(name)
