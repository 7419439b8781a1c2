"""The end-to-end harness: the real app (`streamlit run dashboard.py`) started on a free
loopback port against a database file, the Chromium that drives it (Debian's; never
`playwright install`), and waits for the app's runs in a tab. The fixtures built on it are
in tests/e2e/conftest.py; import from here what a test needs beyond them
(``from tests.e2e.harness import CHROMIUM, run_app``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.fixtures import ROOT

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


def wait_idle(page) -> None:
    """Wait until the app has finished its runs: Streamlit's script state must read
    "notRunning" twice, 400 ms apart (a widget change can queue a second rerun)."""
    for _ in range(2):
        page.wait_for_timeout(400)
        page.wait_for_function(
            "document.querySelector(\"[data-testid='stApp']\")"
            "?.getAttribute('data-test-script-state') === 'notRunning'"
        )


# The heading each Tenant details section (?section=) starts with.
SECTION_HEADINGS = {
    "workloads": "Claimed by your partner",
    "notes": "Status Note updates",
    "contacts": "Contacts",
    "service_status": "Service status",
    "intent": "Service intent notes",
}


def open_section(page, label: str) -> None:
    """Click the Tenant details section whose control reads ``label`` (its count aside)."""
    import re

    control = page.get_by_test_id("stButtonGroup")
    control.get_by_role("radio", name=re.compile(rf"^{re.escape(label)} \(")).click()
    wait_idle(page)


def open_app(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("[data-testid='stSidebar']")
    wait_idle(page)


def go(page, title: str) -> None:
    """Open a page from the sidebar's navigation ("Tenants", "Referrals", ...) and wait for
    its run: the tab's title names the page once the run has begun, then the run ends (a
    wait for the end alone could see the previous page's finished run on a slow machine)."""
    from playwright.sync_api import expect

    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    expect(page).to_have_title(f"{title} · FCU")
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
