"""Hostile users, in fcu and its configuration: formulas typed into every free-text field and
carried in the feed's text columns (the ``hostile_db`` workspace) are exported neutralised;
oversized input is refused with a sentence and changes nothing; XSRF protection and an upload
limit stay on. The pages: tests/app/test_hostile_users.py.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib

import pytest

from fcu import contacts, export, intent, notes, portfolio, referrals, users
from fcu.access import User, get_user
from fcu.contacts import ContactInput
from fcu.db import Database
from fcu.notes import NoteInput
from tests.fixtures import ALPHA, EXEC, FORMULAS, HOSTILE_CONTACT, ROOT

# -- exports --------------------------------------------------------------------------------
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def test_every_export_neutralises_formulas(hostile_db):
    db = Database(hostile_db)
    try:
        cells: set[str] = set()
        for name in sorted(export.TABLES):
            data = export.render(db, get_user(db, EXEC), name).decode("utf-8")
            for row in csv.reader(io.StringIO(data)):
                for cell in row:
                    if NUMBER.fullmatch(cell):  # a negative number is a number, not a formula
                        continue
                    assert not cell.startswith(export.FORMULA_START), (name, cell)
                    cells.add(cell)
        for payload in FORMULAS:
            assert "'" + payload in cells, payload  # kept whole, with a leading apostrophe
    finally:
        db.close()


# -- oversized input ------------------------------------------------------------------------
def _refused(call) -> str:
    with pytest.raises(ValueError) as raised:
        call()
    message = str(raised.value)
    assert message.strip() and "Traceback" not in message
    return message


def test_oversized_input_is_refused_with_a_sentence(db):
    exec_ = get_user(db, EXEC)
    before = db.one("SELECT (SELECT count(*) FROM notes), (SELECT count(*) FROM audit)")
    huge = "x" * 100_000
    said = [
        _refused(lambda: notes.add_note(db, exec_, ALPHA, NoteInput(risks=huge))),
        _refused(
            lambda: notes.add_note(db, exec_, ALPHA, NoteInput(risks="r", next_action_owner=huge))
        ),
        _refused(
            lambda: contacts.create_contact(
                db, exec_, ALPHA, ContactInput(**{**HOSTILE_CONTACT.__dict__, "name": huge})
            )
        ),
        _refused(lambda: intent.save_intent(db, exec_, ALPHA, "exchange", huge)),
        _refused(lambda: referrals.decline(db, exec_, "R1", huge, 0)),
        _refused(
            lambda: users.save_user(db, "tests", User(EXEC, "P1", "executive", False, None, huge))
        ),
    ]
    assert all("shorten" in s.lower() or "characters" in s.lower() for s in said), said
    after = db.one("SELECT (SELECT count(*) FROM notes), (SELECT count(*) FROM audit)")
    assert after == before  # a refused save changes nothing
    # A huge search is cut to its limit, not an error.
    found = portfolio.tenants(db, exec_, portfolio.TenantFilters(search=huge))
    assert len(found) == 0


# -- Streamlit's own protections -------------------------------------------------------------
def test_xsrf_protection_is_on_and_uploads_are_limited():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = config.get("server", {})
    assert server.get("enableXsrfProtection", True) is True
    assert server.get("enableCORS", True) is True  # turning CORS off weakens XSRF
    assert isinstance(server.get("maxUploadSize"), int) and 0 < server["maxUploadSize"] <= 4096
