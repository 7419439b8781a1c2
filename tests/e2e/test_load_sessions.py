"""Load: at least 30 browser sessions at once against ONE running app (``streamlit run`` on a
loopback port, the e2e harness): every session keeps working until ``FCU_LOAD_SECONDS``
(default 60) after the last one arrived, and does at least one whole round however long
that takes.

Each session is a Chromium tab signed in (demo mode) as one of four people: three Northwind
users and Fabrikam's admin, who works on Alpha too. Each tab has a browser profile of its
own, as 30 people have 30 browsers: tabs sharing a profile share Chromium's six connections
to the app, and 7-8 of them loading at once queued the frontend's health and host-config
requests behind each other's scripts until its 15-second timeout gave up and reconnected. A round is what a person does: search the Tenants page for a tenant (the list
filtered down to it), open it from the table, add a status note (its Status notes section),
make the first workload's service status add up and save it (its Service status section),
go back to Tenants (the filter kept). Each step waits
for what the person waits for, then for the app to be idle. At the end:

* no session saw an error, got stuck or lost its connection, and every one held to the end;
* every note written is stored exactly once, under its writer's partner, and audited once;
  no tab ever listed a note of the other partner's sessions;
* every service-status save the app confirmed ("saved (version n)") is in the audit once,
  the versions confirmed for a partner's workload are 1, 2, ... n with none given twice,
  and the stored version is n; every other save was refused as stale with the app's
  sentence (another session saved that workload after this one opened it);
* printed: sessions held, interactions, their median and 95th-percentile times (and per
  step), the app's own time per run (from the tab's websocket: asked to run, run finished),
  notes written and stored, status saves confirmed and refused.

The browsers stand in for the users' own machines, so they run at a lower CPU priority
(nice) than the app, without CSS animations, and wait for the app by polling every 100 ms
rather than on every animation frame: on a 2-core box, 30 Chromium tabs otherwise take the
CPU the app under test needs, and the interaction times still mostly measure them.
A failed session leaves a screenshot and its timeline in the test's tmp_path.
Marked ``load``: ``make test`` runs it, ``make test-load`` runs it alone.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import shutil
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from fcu.db import Database
from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, run_app
from tests.fixtures import (
    ADMIN,
    ALPHA,
    BETA,
    DELTA,
    EXEC,
    EXEC_M11,
    FABRIKAM_ADMIN,
    TENANT_NAMES,
)

pytestmark = pytest.mark.load

SESSIONS = int(os.environ.get("FCU_LOAD_SESSIONS", "30"))
SECONDS = float(os.environ.get("FCU_LOAD_SECONDS", "60"))
PROFILES = os.environ.get("FCU_LOAD_PROFILES", "session")  # or "person" (see _drive)
# Three Northwind users (P1) and Fabrikam's admin (P2), who works on Alpha too.
WRITERS = [EXEC, ADMIN, EXEC_M11, FABRIKAM_ADMIN]
NAMES = {tenant: TENANT_NAMES[tenant] for tenant in (ALPHA, BETA, DELTA)}
TIMEOUT_MS = 180_000  # one step; a stuck session fails with its step's name
RAMP_SECONDS = 0.5  # people arrive over 15 s
BROWSER_NICE = 10
ERROR_TEXTS = ("An error occurred while fetching data", "Traceback")
SAVED = re.compile(r"Service status of (.+) saved \(version (\d+)\)\.")
SAVED_OR_STALE = r"saved \(version \d+\)|Someone else saved"
FINISHED = (
    ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
    ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
)
# The page's own view of its websockets: when the frontend made one, when it opened, and
# its close code (the DevTools events say when the network started the handshake).
WATCH_SOCKETS = """
(() => {
  const Native = window.WebSocket;
  function Watched(url, protocols) {
    const socket = new Native(url, protocols);
    console.log('fcu-test websocket constructed');
    socket.addEventListener('open', () => console.log('fcu-test websocket open'));
    socket.addEventListener('close', (e) => console.log(
      `fcu-test websocket close code=${e.code} reason=${e.reason} clean=${e.wasClean}`));
    return socket;
  }
  Watched.prototype = Native.prototype;
  Object.assign(Watched, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Watched;
})();
"""
NO_ANIMATION = """
document.addEventListener('DOMContentLoaded', () => {
  const style = document.createElement('style');
  style.textContent = '*, *::before, *::after { animation: none !important; '
    + 'transition: none !important; }';
  document.head.appendChild(style);
});
"""


def _partner(email: str) -> str:
    return "P2" if email.endswith("@fabrikam.example") else "P1"


def _session_of(text: str) -> int | None:
    """The session that wrote a load note ("load s<n> r<round>"), or None for other text."""
    found = re.fullmatch(r"load s(\d+) r\d+", text.strip())
    return int(found[1]) if found else None


def _nice_chromium(folder: Path, chromium: str) -> str:
    """A launcher that starts Chromium at a lower CPU priority than the app."""
    launcher = folder / "chromium-nice"
    launcher.write_text(f'#!/bin/sh\nexec nice -n {BROWSER_NICE} {chromium} "$@"\n')
    launcher.chmod(0o755)
    return str(launcher)


async def _idle(page) -> None:
    """Streamlit's script state reads "notRunning" twice, 400 ms apart."""
    for _ in range(2):
        await page.wait_for_timeout(400)
        await page.wait_for_function(
            "document.querySelector(\"[data-testid='stApp']\")"
            "?.getAttribute('data-test-script-state') === 'notRunning'",
            polling=100,
            timeout=TIMEOUT_MS,
        )


async def _check_no_error(page, where: str, errors: list) -> None:
    if await page.get_by_test_id("stException").count():
        errors.append((where, "exception shown"))
    text = await page.get_by_test_id("stMain").inner_text()
    for bad in ERROR_TEXTS:
        if bad in text:
            errors.append((where, bad))


class Person:
    """One session: a tab that searches, opens a tenant, writes a note and a status.

    Every step waits for what the person would wait for (the filtered list, the tenant's
    page, the note in the list, the status's confirmation) and then for the app to be idle;
    the time that takes is the step's interaction time.
    """

    def __init__(self, number: int, page, url: str, out: dict) -> None:
        self.number, self.page, self.url, self.out = number, page, url, out
        self.email = WRITERS[number % len(WRITERS)]
        self.partner = _partner(self.email)
        other = DELTA if self.partner == "P2" else BETA
        m11 = self.email.startswith("exec.m11")  # scoped to M11: sees Alpha only
        self.tenant = ALPHA if (number // len(WRITERS)) % 2 == 0 or m11 else other
        self.mates = {
            n for n in range(SESSIONS) if _partner(WRITERS[n % len(WRITERS)]) == self.partner
        }
        self.step = "start"
        self.timeline: list[str] = []  # what happened when, kept as evidence of a failure
        self.began = time.monotonic()
        self.asked: float | None = None  # when the tab last asked the app for a run
        self.leaving = False  # set when the test closes the tab
        self.runs_asked = 0  # requests for a run this tab sent
        page.on("websocket", self._watch)
        page.on("console", self._console)

    async def watch_network(self, context) -> None:
        """Chromium's own account of each websocket (DevTools protocol): the upgrade's HTTP
        status, frame errors and the close, into the timeline."""
        cdp = await context.new_cdp_session(self.page)
        for event in (
            "webSocketCreated",
            "webSocketWillSendHandshakeRequest",
            "webSocketHandshakeResponseReceived",
            "webSocketFrameError",
            "webSocketClosed",
        ):
            cdp.on(f"Network.{event}", lambda params, e=event: self._cdp(e, params))
        for event in ("requestWillBeSent", "responseReceived", "loadingFinished", "loadingFailed"):
            cdp.on(f"Network.{event}", lambda params, e=event: self._request(e, params))
        self.requests: dict[str, str] = {}
        self.asked_at: dict[str, float] = {}
        await cdp.send("Network.enable")

    def _cdp(self, event: str, params: dict) -> None:
        response = params.get("response") or {}
        detail = {
            "webSocketCreated": lambda: params.get("url"),
            "webSocketWillSendHandshakeRequest": lambda: "upgrade sent",
            "webSocketHandshakeResponseReceived": lambda: (
                f"HTTP {response.get('status')} {response.get('statusText', '')}"
            ),
            "webSocketFrameError": lambda: params.get("errorMessage"),
            "webSocketClosed": lambda: "closed",
        }[event]()
        self.note(f"cdp {event} {params.get('requestId')}: {detail}")

    def _request(self, event: str, params: dict) -> None:
        """The frontend's health and host-config requests before it connects."""
        rid = params.get("requestId")
        if event == "requestWillBeSent":
            url = params["request"]["url"]
            if "/_stcore/" in url:
                self.requests[rid] = url.rsplit("/", 1)[-1]
                self.asked_at[rid] = params["timestamp"]
                self.note(f"cdp request {self.requests[rid]}")
        elif event == "responseReceived" and rid in self.requests:
            # Where the time went: queued in the browser (waiting for one of the 6
            # connections Chromium keeps per host and profile, or connecting), then waiting
            # for the server's answer.
            timing = params["response"].get("timing") or {}
            if timing:
                queued = timing["requestTime"] - self.asked_at[rid] + timing["sendStart"] / 1000
                server = (timing["receiveHeadersEnd"] - timing["sendEnd"]) / 1000
                self.note(
                    f"cdp response {self.requests[rid]}: queued in the browser {queued:.2f} s, "
                    f"waited for the server {server:.2f} s"
                )
        elif rid in self.requests:
            error = params.get("errorText", "")
            self.note(f"cdp {event} {self.requests.pop(rid)} {error}")

    def _console(self, message) -> None:
        text = message.text
        if message.type in ("warning", "error") or "WebSocket" in text or "fcu-test" in text:
            self.note(f"console {message.type}: {message.text[:300]}")

    def note(self, event: str) -> None:
        self.timeline.append(f"{time.monotonic() - self.began:8.2f} {event}")

    def _watch(self, socket) -> None:
        self.note(f"websocket open {socket.url}")
        socket.on("framesent", self._sent)
        socket.on("framereceived", self._received)
        socket.on("close", self._closed)

    def _closed(self, _socket) -> None:
        """A session holds when its connection stays open until the tab is closed."""
        self.note("websocket closed")
        if not self.leaving:
            self.error(self.step, "the connection to the app closed")

    def _sent(self, frame: bytes | str) -> None:
        """The tab asks the app to run (a click, a typed value, a page): the app's time starts
        (a second ask before the answer, as when Save follows a typed value, keeps the first)."""
        if isinstance(frame, bytes) and BackMsg.FromString(frame).HasField("rerun_script"):
            self.note("asked the app to run")
            self.runs_asked += 1
            if self.asked is None:
                self.asked = time.monotonic()

    def _received(self, frame: bytes | str) -> None:
        """The app's run finished (not one cut short by a rerun): the app's time ends."""
        if not isinstance(frame, bytes) or self.asked is None:
            return
        message = ForwardMsg.FromString(frame)
        if message.HasField("script_finished") and message.script_finished in FINISHED:
            self.out["app"].append(time.monotonic() - self.asked)
            self.note("the app's run finished")
            self.asked = None

    async def timed(self, label: str, action, effect) -> None:
        """Act, then wait for the effect the person waits for and for the app to be idle."""
        from playwright.async_api import expect

        self.step = label
        self.note(f"{label}: act")
        started = time.monotonic()
        await action()
        await expect(effect).to_be_visible()
        await _idle(self.page)
        self.out["times"][label].append(time.monotonic() - started)
        self.note(f"{label}: done")
        await _check_no_error(self.page, f"session {self.number} {label}", self.out["errors"])

    def error(self, label: str, what: str) -> None:
        self.out["errors"].append((f"session {self.number} {label}", what))

    def listed(self):
        """The filtered Tenants list: one tenant left."""
        return self.page.get_by_text("Tenants 1–1 of 1.", exact=False)

    async def search(self, rounds: int) -> None:
        name = NAMES[self.tenant]
        word = name if rounds % 2 == 0 else name.split()[0]  # a change every round
        search = self.page.get_by_placeholder("Tenant name, domain or Tenant ID")

        async def type_and_enter() -> None:  # a text box is sent on Enter (or on leaving it)
            await search.fill(word)
            await search.press("Enter")

        await self.timed("search", type_and_enter, self.listed())

    async def open_tenant(self) -> None:
        """Select the one row left in the table: the app opens the tenant.

        The table is drawn on a canvas: the row is clicked once the grid holds the tenant
        (its screen-reader cells) and stands still. A click that the tab never sent to the
        app (no run asked for within a minute; the starved tab can take 12 s to send one
        it did take) is made again, as a person whose click did nothing would."""
        page = self.page
        table = page.get_by_test_id("stDataFrame")
        address = f"**/tenant?tenant={self.tenant}*"

        async def click_row() -> None:
            from playwright.async_api import TimeoutError as PlaywrightTimeout

            for _ in range(3):
                cell = table.locator("[role='gridcell']", has_text=NAMES[self.tenant])
                await cell.first.wait_for(state="attached")
                await table.scroll_into_view_if_needed()  # below the filters and the chart
                box = await table.bounding_box()
                while box != (steady := await table.bounding_box()) or box is None:
                    await page.wait_for_timeout(200)
                    box = steady
                asked = self.runs_asked
                await page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)
                try:
                    await page.wait_for_url(address, wait_until="commit", timeout=60_000)
                    return
                except PlaywrightTimeout:
                    if self.runs_asked > asked:  # the app was asked: wait for it
                        await page.wait_for_url(address, wait_until="commit")
                        return
                    self.note("open tenant: the click reached no one; clicking again")
            await page.wait_for_url(address, wait_until="commit")

        heading = page.get_by_role("heading", name="Claimed by your partner")
        await self.timed("open tenant", click_row, heading)

    async def open_section(self, label: str, heading: str) -> None:
        """Click a Tenant details section (its label reads "Status notes (3)", say)."""
        control = self.page.get_by_test_id("stButtonGroup")
        button = control.get_by_role("radio", name=re.compile(rf"^{re.escape(label)} \("))
        shown = self.page.get_by_role("heading", name=heading, exact=True)
        await self.timed(f"open {label.lower()}", button.click, shown)

    async def add_note(self, rounds: int) -> None:
        from playwright.async_api import expect

        await self.open_section("Status notes", "Status Note updates")
        page, text = self.page, f"load s{self.number} r{rounds}"
        self.out["notes"].append(text)
        form = page.get_by_test_id("stForm").filter(has_text="New status note")
        await self.timed(
            "open note form", page.get_by_role("button", name="+ Add note").click, form
        )

        async def write() -> None:
            risks = form.get_by_label("Risks")
            await risks.fill(text)
            await expect(risks).to_have_value(text)  # typed before Save, as a person
            await form.get_by_role("button", name="Save").click()

        # Saved: the app says so (the list shows the newest four notes, which other sessions'
        # notes may already have pushed this one out of); the end checks it is stored once.
        await self.timed("save note", write, page.get_by_text("Note saved.", exact=True))
        shown = await page.get_by_test_id("stText").all_inner_texts()
        foreign = [t for t in shown if (n := _session_of(t)) is not None and n not in self.mates]
        if foreign:  # notes of the other partner's sessions on the same tenant
            self.error("save note", f"another partner's notes shown: {foreign}")

    async def save_status(self) -> None:
        """Make the first workload's counts add up and Save: saved, or refused as stale when
        another session saved it since this one opened it (the next visit starts afresh)."""
        await self.open_section("Service status", "Service status")
        page = self.page
        section = await page.get_by_test_id("stMain").inner_text()
        total = int(re.search(r"Total entitlements: ([\d,]+)", section)[1].replace(",", ""))
        summed = page.get_by_text(f"Counted {total:,} of {total:,}.", exact=True)
        if not await summed.count():
            count = page.get_by_label("Count").first

            async def type_total() -> None:
                await count.fill(str(total))
                await count.press("Enter")

            await self.timed("type count", type_total, summed)
        outcome = page.get_by_test_id("stAlert").filter(has_text=re.compile(SAVED_OR_STALE))
        save = page.get_by_role("button", name="Save service status")
        await self.timed("save status", save.click, outcome)
        saved = SAVED.search(" ".join(await outcome.all_inner_texts()))
        if saved:
            self.out["saved"].append((self.partner, self.tenant, saved[1], int(saved[2])))
        else:
            self.out["stale"] += 1

    async def back_to_tenants(self) -> None:
        nav = self.page.get_by_test_id("stSidebarNav").get_by_text("Tenants", exact=True)
        await self.timed("back to Tenants", nav.click, self.listed())  # the filter is kept

    async def run(self, deadline: float) -> None:
        await asyncio.sleep(self.number * RAMP_SECONDS)  # people arrive over a few seconds
        search = self.page.get_by_placeholder("Tenant name, domain or Tenant ID")
        await self.timed("home", lambda: self.page.goto(f"{self.url}/?as={self.email}"), search)
        rounds = 0
        while True:  # at least one round each, however slow the machine
            await self.search(rounds)
            await self.open_tenant()
            await self.add_note(rounds)
            await self.save_status()
            rounds += 1
            if time.monotonic() >= deadline:
                break
            await self.back_to_tenants()


async def _session(number: int, context, url: str, deadline: float, out: dict) -> None:
    person = Person(number, await context.new_page(), url, out)
    await person.watch_network(context)
    errors = len(out["errors"])
    try:
        await person.run(deadline)
        out["held"] += 1
    except Exception as exc:  # noqa: BLE001 - every failure is reported below
        person.error(person.step, repr(exc)[:300])
    finally:
        if any(where.startswith(f"session {number} ") for where, _ in out["errors"][errors:]):
            await _keep_evidence(person, out["evidence"])
        timelines = out["evidence"] / "timelines"  # every session's, failed or not
        timelines.mkdir(exist_ok=True)
        (timelines / f"session-{number}.txt").write_text("\n".join(person.timeline))
        person.leaving = True
        await person.page.close()


async def _keep_evidence(person: Person, folder: Path) -> None:
    """What a failed session's tab showed: a screenshot and its text, for the report."""
    try:
        stem = folder / f"session-{person.number}"
        await person.page.screenshot(path=f"{stem}.png", full_page=True)
        text = await person.page.locator("body").inner_text()
        timeline = "\n".join(person.timeline)
        stem.with_suffix(".txt").write_text(
            f"{person.page.url}\n\n{timeline}\n\n{text}", encoding="utf-8"
        )
    except Exception:  # noqa: BLE001, S110 - evidence is best effort
        pass


async def _profile(browser):
    context = await browser.new_context(
        viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
    )
    context.set_default_timeout(TIMEOUT_MS)
    await context.add_init_script(NO_ANIMATION)
    await context.add_init_script(WATCH_SOCKETS)
    return context


async def _drive(url: str, chromium: str, args: list[str], evidence: Path) -> dict:
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=TIMEOUT_MS)
    out = {
        "times": defaultdict(list),
        "app": [],
        "errors": [],
        "notes": [],
        "saved": [],
        "stale": 0,
        "held": 0,
        "evidence": evidence,
    }
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=args
        )
        try:
            # One browser profile per session, as 30 people have 30 browsers (PROFILES=person:
            # one per signed-in person, whose 7-8 tabs then share that profile's connections).
            contexts = {}
            for n in range(SESSIONS):
                key = WRITERS[n % len(WRITERS)] if PROFILES == "person" else n
                if key not in contexts:
                    contexts[key] = await _profile(browser)
                contexts[n] = contexts[key]
            deadline = time.monotonic() + SESSIONS * RAMP_SECONDS + SECONDS
            await asyncio.gather(
                *(_session(n, contexts[n], url, deadline, out) for n in range(SESSIONS))
            )
        finally:
            await browser.close()
    return out


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)] if ordered else float("nan")


def _report(out: dict, elapsed: float, stored: list[str], audited: int) -> str:
    every = [t for times in out["times"].values() for t in times]
    lines = [
        f"load: {SESSIONS} sessions for {SECONDS:.0f} s ({elapsed:.0f} s with start-up): "
        f"{out['held']} held to the end; {len(every)} interactions, "
        f"median {statistics.median(every):.2f} s, p95 {_p95(every):.2f} s",
        f"the app's runs (asked to answered, seen from the tab's websocket): {len(out['app'])}, "
        f"median {statistics.median(out['app']):.2f} s, p95 {_p95(out['app']):.2f} s",
        f"notes written {len(out['notes'])}, stored {len(stored)} ({len(set(stored))} "
        f"distinct), audited {audited}; status saves confirmed {len(out['saved'])}, "
        f"refused as stale {out['stale']}; errors {len(out['errors'])}",
    ]
    for label, times in out["times"].items():
        lines.append(
            f"  {label:<16} n={len(times):>4}  median {statistics.median(times):6.2f} s  "
            f"p95 {_p95(times):6.2f} s"
        )
    return "\n".join(lines)


@pytest.mark.timeout(1800)
def test_thirty_sessions_at_once(tmp_path, fixture_db_template, capsys):
    pytest.importorskip("playwright.async_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    path = tmp_path / "fcu.duckdb"
    shutil.copy(fixture_db_template, path)
    db = Database(path)
    try:
        before = db.scalar("SELECT count(*) FROM service_status")
    finally:
        db.close()
    assert before == 0  # so the versions confirmed must run 1, 2, ... per workload

    chromium = _nice_chromium(tmp_path, CHROMIUM)
    started = time.monotonic()
    with run_app(
        path,
        env={"STREAMLIT_LOGGER_LEVEL": os.environ.get("FCU_LOAD_LOG", "info")},
        access_log=True,
    ) as url:
        # In a thread of its own: the e2e tests' session-wide browser keeps Playwright's
        # event loop running on the main thread, where asyncio.run cannot start another.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            out = pool.submit(asyncio.run, _drive(url, chromium, CHROMIUM_ARGS, tmp_path)).result()
    elapsed = time.monotonic() - started

    db = Database(path)
    try:
        rows = db.execute("SELECT risks, partner_id FROM notes WHERE risks LIKE 'load s%'")
        stored = [risks for risks, _ in rows]
        misfiled = [
            (risks, partner)
            for risks, partner in rows
            if partner != _partner(WRITERS[_session_of(risks) % len(WRITERS)])
        ]
        audited = db.scalar(
            "SELECT count(*) FROM audit WHERE action = 'note.add' AND after->>'risks' LIKE 'load s%'"
        )
        versions = {
            (partner, tenant, name): version
            for partner, tenant, name, version in db.execute(
                "SELECT s.partner_id, s.tenant_id, w.display_name, s.version FROM service_status s "
                "JOIN feed_workloads w USING (workload)"
            )
        }
        status_audits = Counter(
            (partner, tenant, name)
            for partner, tenant, name in db.execute(
                "SELECT a.partner_id, a.tenant_id, w.display_name FROM audit a "
                "JOIN feed_workloads w ON w.workload = a.entity_key "
                "WHERE a.action = 'service_status.save'"
            )
        )
    finally:
        db.close()
    with capsys.disabled():  # the figures are part of every run's output
        print("\n" + _report(out, elapsed, stored, audited))

    assert out["errors"] == [], (out["errors"][:10], f"screenshots in {tmp_path}")
    assert out["held"] == SESSIONS
    assert SESSIONS >= 30 or "FCU_LOAD_SESSIONS" in os.environ
    # every note written is stored exactly once, and nothing else
    assert sorted(stored) == sorted(out["notes"])
    assert misfiled == []  # each under the writer's own partner
    assert audited == len(out["notes"])
    # every confirmed status save happened once: versions 1..n, none confirmed twice
    confirmed = defaultdict(list)
    for partner, tenant, name, version in out["saved"]:
        confirmed[(partner, tenant, name)].append(version)
    assert out["saved"], "no service-status save was confirmed"
    assert {key: sorted(v) for key, v in confirmed.items()} == {
        key: list(range(1, version + 1)) for key, version in versions.items()
    }
    assert status_audits == Counter({key: len(v) for key, v in confirmed.items()})
