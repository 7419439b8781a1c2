"""What a dropped connection costs a person (Chromium): the test cuts the tab's websocket
to the app, as a network blip or a proxy restart would, and Streamlit's frontend connects
again by itself (to the same session: the server keeps it while the tab is away).

* While a form holds typed text: the tab comes back with the text still typed (it lives in
  the browser until Save), and Save then stores it once.
* While a save is in flight (Save pressed, the app has the request, the socket cut before
  its answer reaches the tab): the app finishes the run, so the note is stored and audited
  once. The tab, back on its session, still shows the page as it was before Save; opened
  again, it lists the note once.

Every websocket of the tab goes through a Playwright route that forwards frames both ways
and can close both ends on demand.
"""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect
from streamlit.proto.BackMsg_pb2 import BackMsg

from fcu.db import Database
from tests.fixtures import ALPHA, EXEC

pytestmark = pytest.mark.e2e


class Cable:
    """The tab's connections to the app, forwarded frame by frame; ``cut`` closes the live
    one on both ends; ``cut_after_next_run_request`` forwards the tab's next request for a
    run (a click) and closes the connection when the app's first answer to it arrives: the
    app has the request, the tab never sees the answer."""

    def __init__(self, page: Page) -> None:
        self.live: list[tuple[WebSocketRoute, WebSocketRoute]] = []
        self.opened = 0
        self.cut_next_request = threading.Event()
        self.run_requested = threading.Event()
        page.route_web_socket("**/_stcore/stream", self._route)

    def _route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        self.opened += 1
        pair = (ws, server)
        self.live.append(pair)

        def to_server(message) -> None:
            server.send(message)
            if self.cut_next_request.is_set() and _asks_for_a_run(message):
                self.cut_next_request.clear()
                self.run_requested.set()

        def to_page(message) -> None:
            if self.run_requested.is_set():  # the app is answering: cut before the tab sees it
                self.run_requested.clear()
                self._close(pair)
                return
            ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_page)

    def _close(self, pair) -> None:
        ws, server = pair
        if pair in self.live:
            self.live.remove(pair)
        ws.close(code=4000, reason="cut by the test")
        server.close()

    def cut(self) -> None:
        for pair in list(self.live):
            self._close(pair)

    def cut_after_next_run_request(self) -> None:
        self.cut_next_request.set()


def _asks_for_a_run(message) -> bool:
    return isinstance(message, bytes) and BackMsg.FromString(message).HasField("rerun_script")


def _note_form(page: Page):
    return page.get_by_test_id("stForm").filter(has_text="New status note")


def _open_note_form(page: Page, ui, url: str) -> None:
    ui.open_app(page, f"{url}/?as={EXEC}")
    ui.open_app(page, f"{url}/tenant?tenant={ALPHA}&section=notes&as={EXEC}")
    page.get_by_role("button", name="+ Add note").click()
    ui.wait_idle(page)
    expect(_note_form(page)).to_be_visible()


def _back(page: Page, cable: Cable, opened: int) -> None:
    """The tab has a new connection to the app."""
    for _ in range(300):  # waiting in Playwright lets it dispatch the route's events
        if cable.opened > opened and cable.live:
            break
        page.wait_for_timeout(100)
    assert cable.opened > opened and cable.live, "the tab did not connect again"


def test_typed_text_survives_a_cut_and_saves_once(run_app, fresh_db, page, ui):
    text = "Typed before the cut"
    with run_app(fresh_db) as url:
        cable = Cable(page)
        _open_note_form(page, ui, url)
        risks = _note_form(page).get_by_label("Risks")
        risks.fill(text)
        opened = cable.opened
        cable.cut()
        _back(page, cable, opened)
        ui.wait_idle(page)  # the app has answered on the new connection
        expect(risks).to_have_value(text)  # still typed: it was never sent
        _note_form(page).get_by_role("button", name="Save").click()
        ui.wait_idle(page)
        expect(page.get_by_text("Note saved.")).to_be_visible()
        expect(page.get_by_test_id("stText").get_by_text(text, exact=True)).to_have_count(1)
    db = Database(fresh_db)
    try:
        assert db.scalar("SELECT count(*) FROM notes WHERE risks = ?", [text]) == 1
    finally:
        db.close()


def test_a_save_in_flight_when_the_cut_comes_is_stored_once(run_app, fresh_db, page, ui):
    text = "Saved as the line dropped"
    with run_app(fresh_db) as url:
        cable = Cable(page)
        _open_note_form(page, ui, url)
        _note_form(page).get_by_label("Risks").fill(text)
        opened = cable.opened
        cable.cut_after_next_run_request()
        _note_form(page).get_by_role("button", name="Save").click()
        _back(page, cable, opened)
        # The tab is back on its session, but the answer to Save never reached it: it may
        # still show the page as it was before, or wait for that run's end (which went down
        # the cut connection). Opened again, the page lists the note once.
        ui.open_app(page, page.url)
        listed = page.get_by_test_id("stText").get_by_text(text, exact=True)
        expect(listed).to_have_count(1)
    db = Database(fresh_db)
    try:
        assert db.scalar("SELECT count(*) FROM notes WHERE risks = ?", [text]) == 1
        audited = db.scalar(
            "SELECT count(*) FROM audit WHERE action = 'note.add' AND after->>'risks' = ?", [text]
        )
        assert audited == 1
    finally:
        db.close()
