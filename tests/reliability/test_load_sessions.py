"""Load: at least 30 browser sessions at once against ONE running app (``streamlit run`` on a
loopback port, the e2e harness), for ``FCU_LOAD_SECONDS`` (default 60).

Each session is a Chromium context of one browser, signed in (demo mode) as a Northwind
user, and loops: search the Tenants page, filter it, open a tenant, add a status note. At
the end: no session saw an error, every note written is stored exactly once (nothing lost,
nothing doubled), and the 95th-percentile interaction time is printed with the counts.
Marked ``load`` (run it alone with ``pytest -m load``; CI may set FCU_LOAD_SECONDS lower).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import os
import shutil
import statistics
import time
from pathlib import Path

import pytest
from reliability_helpers import ALPHA, BETA, ROOT

from fcu.db import Database

pytestmark = pytest.mark.load

SESSIONS = int(os.environ.get("FCU_LOAD_SESSIONS", "30"))
SECONDS = float(os.environ.get("FCU_LOAD_SECONDS", "60"))
WRITERS = ["exec@northwind.example", "admin@northwind.example", "exec.m11@northwind.example"]
TIMEOUT_MS = 300_000
RAMP_SECONDS = 0.5  # 30 sessions on 2 cores: slow, but never stuck
ERROR_TEXTS = ("An error occurred while fetching data", "Traceback")


def _harness():
    """tests/e2e/conftest.py (run_app, Chromium settings), loaded as a module."""
    spec = importlib.util.spec_from_file_location("e2e_harness", ROOT / "tests/e2e/conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def _idle(page) -> None:
    for _ in range(2):
        await page.wait_for_timeout(400)
        await page.wait_for_function(
            "document.querySelector(\"[data-testid='stApp']\")"
            "?.getAttribute('data-test-script-state') === 'notRunning'",
            timeout=TIMEOUT_MS,
        )


async def _check_no_error(page, where: str, errors: list) -> None:
    if await page.get_by_test_id("stException").count():
        errors.append((where, "exception shown"))
    text = await page.get_by_test_id("stMain").inner_text()
    for bad in ERROR_TEXTS:
        if bad in text:
            errors.append((where, bad))


async def _session(number: int, browser, url: str, deadline: float, out: dict) -> None:
    from playwright.async_api import expect

    email = WRITERS[number % len(WRITERS)]
    tenant = ALPHA if number % 2 == 0 or email.startswith("exec.m11") else BETA
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    times, errors = out["times"], out["errors"]

    async def timed(label: str, action) -> None:
        started = time.monotonic()
        await action()
        await _idle(page)
        times.append(time.monotonic() - started)
        await _check_no_error(page, f"session {number} {label}", errors)

    try:
        await asyncio.sleep(number * RAMP_SECONDS)  # people arrive over a few seconds
        await timed("home", lambda: page.goto(f"{url}/?as={email}"))
        rounds = 0
        while True:  # at least one round each, however slow the machine
            search = page.get_by_test_id("stTextInputField").first
            word = "Corp" if rounds % 2 else "a"
            await timed("search", lambda s=search, w=word: s.fill(w))
            await timed(
                "open tenant", lambda: page.goto(f"{url}/tenant?tenant={tenant}&as={email}")
            )
            text = f"load s{number} r{rounds}"
            out["made"].append(text)

            async def add_note(text: str = text) -> None:
                await page.get_by_role("button", name="+ Add note").click()
                await _idle(page)
                form = page.get_by_test_id("stForm").filter(has_text="New status note")
                risks = form.get_by_label("Risks")
                await risks.fill(text)
                await expect(risks).to_have_value(text)  # typed before Save, as a person
                await form.get_by_role("button", name="Save").click()

            await timed("add note", add_note)
            try:  # the new note is listed on the page (the newest four are shown)
                await expect(page.get_by_text(text, exact=True)).to_be_visible()
            except AssertionError:
                alerts = await page.get_by_test_id("stAlert").all_inner_texts()
                errors.append((f"session {number} add note", f"note not shown; {alerts}"))
            rounds += 1
            if time.monotonic() >= deadline:
                break
            nav = page.get_by_test_id("stSidebarNav").get_by_text("Tenants", exact=True)
            await timed("back to Tenants", nav.click)
        out["held"] += 1
    except Exception as exc:  # noqa: BLE001 - every failure is reported below
        errors.append((f"session {number}", repr(exc)[:300]))
    finally:
        await context.close()


async def _drive(url: str, chromium: str, args: list[str]) -> dict:
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=TIMEOUT_MS)

    out = {"times": [], "errors": [], "made": [], "held": 0}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=args
        )
        try:
            deadline = time.monotonic() + SESSIONS * RAMP_SECONDS + SECONDS
            await asyncio.gather(
                *(_session(n, browser, url, deadline, out) for n in range(SESSIONS))
            )
        finally:
            await browser.close()
    return out


@pytest.mark.timeout(1800)
def test_thirty_sessions_at_once(tmp_path, fixture_db_template):
    pytest.importorskip("playwright.async_api")
    harness = _harness()
    if not Path(harness.CHROMIUM).exists():
        pytest.skip(f"{harness.CHROMIUM} is not installed")
    path = tmp_path / "fcu.duckdb"
    shutil.copy(fixture_db_template, path)
    started = time.monotonic()
    with harness.run_app(path) as url:
        # A first request warms the server (a fresh server's deep links, see the harness).
        # In a thread of its own: the e2e tests' session-wide browser keeps Playwright's
        # event loop running on the main thread, where asyncio.run cannot start another.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            out = pool.submit(
                asyncio.run, _drive(url, harness.CHROMIUM, harness.CHROMIUM_ARGS)
            ).result()
    elapsed = time.monotonic() - started

    db = Database(path)
    try:
        stored = [r[0] for r in db.execute("SELECT risks FROM notes WHERE risks LIKE 'load s%'")]
        audited = db.scalar(
            "SELECT count(*) FROM audit WHERE action = 'note.add' AND after->>'risks' LIKE 'load s%'"
        )
    finally:
        db.close()
    times = sorted(out["times"])
    p95 = times[max(0, int(len(times) * 0.95) - 1)] if times else float("nan")
    print(
        f"\nload: {SESSIONS} sessions for {SECONDS:.0f} s ({elapsed:.0f} s with start-up): "
        f"{out['held']} held to the end, {len(times)} interactions, "
        f"median {statistics.median(times) if times else float('nan'):.2f} s, "
        f"p95 {p95:.2f} s; notes written {len(out['made'])}, stored {len(stored)} "
        f"({len(set(stored))} distinct), audited {audited}; errors {len(out['errors'])}"
    )
    assert out["errors"] == [], out["errors"][:10]
    assert out["held"] == SESSIONS
    assert SESSIONS >= 30 or "FCU_LOAD_SESSIONS" in os.environ
    # every note written is stored exactly once, and nothing else
    assert sorted(stored) == sorted(out["made"])
    assert audited == len(out["made"])
