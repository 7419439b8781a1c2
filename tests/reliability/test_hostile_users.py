"""Hostile users: markup and formulas typed into every free-text field and carried in the
feed's text columns are shown as text and exported neutralised; oversized input is refused
with a sentence; every URL parameter is checked; XSRF protection and an upload limit stay on.
"""

from __future__ import annotations

import concurrent.futures
import csv
import io
import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from reliability_helpers import ALPHA, BETA, EXEC, ROOT, as_text, copy_db, markdown_shown

from fcu import contacts, export, feed, intent, notes, portfolio, referrals, users
from fcu.access import User, get_user
from fcu.contacts import ContactInput
from fcu.db import Database
from fcu.notes import NoteInput

FIXTURE_FEED = ROOT / "tests" / "data" / "feed_small"
DELTA = "aaaaaaaa-0000-0000-0000-000000000004"
ADMIN = "admin@northwind.example"

# One payload per place, each unique, so a page showing it can be told apart.
FEED_TEXT = {
    ("tenants", "tenant_name", "Alpha Corp"): "<script>alert('tenant')</script> Alpha",
    ("partners", "location_name", "Northwind Seattle"): "[Seattle](javascript:alert(1))",
    ("workloads", "display_name", "Exchange Online"): "**Exchange** <b>Online</b>",
    ("referrals", "source", "FastTrack Center"): '=HYPERLINK("http://evil.example","src")',
    (
        "partners",
        "partner_name",
        "Northwind Cloud Partners",
    ): "<a href='https://evil.example'>NW</a>",
    ("tenants", "tenant_domain", "beta.example"): "[beta](https://evil.example/domain)",
}
# Keys replaced in every file and list where they stand (MPN ID, RFA ID, claim ID).
FEED_KEYS = {
    "M12": "![m12](https://evil.example/m.png)M12",
    "R1": "[Sign in again](https://evil.example/R1)",
    "C1": "<a href='https://evil.example/c1'>C1</a>",
}
RFA = FEED_KEYS["R1"]
NOTE = NoteInput(
    onboarding_scope="[scope](javascript:alert(2)) _scope_",
    risks="<img src=x onerror=alert(3)> risk",
    next_actions="# Heading **next** `code`",
    next_action_owner="@SUM(A1)",
)
CONTACT = ContactInput(
    kind="customer",
    name='=HYPERLINK("http://evil.example","name")',
    email="kim@alpha.example",
    country="<i>United States</i>",
    survey_language="English",
    services=("exchange",),
    survey_eligible=True,
)
INTENT = "+SUM(1) <script>alert(4)</script> no intent because of a merger freeze."
DECLINE = "-2+3 **declined** <u>not ours</u> [x](javascript:alert(5))"
DISPLAY_NAME = "<script>alert('name')</script> Emery **Exec**"
# Payloads whose markup would change what is shown if rendered as markdown or HTML.
MARKUP = [
    *[v for v in FEED_TEXT.values() if not v.startswith("=")],
    *FEED_KEYS.values(),
    NOTE.onboarding_scope,
    NOTE.risks,
    NOTE.next_actions,
    CONTACT.country,
    INTENT,
    DECLINE,
    DISPLAY_NAME,
]
FORMULAS = [FEED_TEXT[("referrals", "source", "FastTrack Center")], CONTACT.name, INTENT]
FORMULAS += [NOTE.next_action_owner, DECLINE]


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory, fixture_db_template) -> Path:
    """The fixture feed with markup in its text columns, and a workspace full of it."""
    base = tmp_path_factory.mktemp("hostile_users")
    folder = base / "feed"
    shutil.copytree(FIXTURE_FEED, folder)
    for (name, column, old), new in FEED_TEXT.items():
        path = folder / f"{name}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        i = rows[0].index(column)
        for row in rows[1:]:
            if row[i] == old:
                row[i] = new
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        for row in rows[1:]:
            row[:] = [";".join(FEED_KEYS.get(item, item) for item in c.split(";")) for c in row]
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    path = copy_db(fixture_db_template, base / "fcu.duckdb")
    db = Database(path)
    assert feed.load_feed(db, folder).ok
    exec_ = get_user(db, EXEC)
    users.save_user(db, "tests", User(EXEC, "P1", "executive", False, None, DISPLAY_NAME))
    notes.add_note(db, exec_, ALPHA, NOTE)
    contacts.create_contact(db, exec_, ALPHA, CONTACT)
    intent.save_intent(db, exec_, ALPHA, "exchange", INTENT)
    referrals.decline(db, exec_, "R3", DECLINE, 0)
    db.execute("CHECKPOINT")
    db.close()
    return path


# -- what a page shows ----------------------------------------------------------------------
def _check_shownas_text(at, expected: list[str]) -> None:
    assert not at.exception, [e.message for e in at.exception]
    rendered = markdown_shown(at)
    for payload in MARKUP:
        for text in rendered:
            assert payload not in text, f"rendered as markdown: {payload!r} in {text!r}"
    shown = as_text(at)
    for payload in expected:
        assert payload in shown, f"not shown as text: {payload!r}"


def _open(app_for, path, email, page_file=None, **params):
    at = app_for(path, email)
    at.run()
    if page_file:
        at.switch_page(page_file)
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
    return at


def test_tenants_page_shows_markupas_text(app_for, hostile_db):
    at = _open(app_for, hostile_db, EXEC)
    _check_shownas_text(at, [FEED_TEXT[("tenants", "tenant_name", "Alpha Corp")]])


def test_tenant_page_shows_every_fieldas_text(app_for, hostile_db):
    at = _open(app_for, hostile_db, EXEC, "pages/tenant.py", tenant=ALPHA)
    expected = [
        FEED_TEXT[("tenants", "tenant_name", "Alpha Corp")],
        FEED_TEXT[("workloads", "display_name", "Exchange Online")],
        NOTE.risks,
        NOTE.next_actions,
        NOTE.onboarding_scope,
        INTENT,
    ]
    _check_shownas_text(at, expected)


def test_referrals_page_shows_source_and_reasonas_text(app_for, hostile_db):
    at = _open(app_for, hostile_db, EXEC, "pages/referrals.py", rfa="R3")
    _check_shownas_text(at, [DECLINE])
    at = _open(app_for, hostile_db, EXEC, "pages/referrals.py", rfa=RFA)
    _check_shownas_text(at, [FEED_TEXT[("referrals", "source", "FastTrack Center")], RFA])


def test_beta_shows_its_domain_and_mpn_id_as_text(app_for, hostile_db):
    at = _open(app_for, hostile_db, EXEC, "pages/tenant.py", tenant=BETA)
    _check_shownas_text(
        at, [FEED_TEXT[("tenants", "tenant_domain", "beta.example")], FEED_KEYS["M12"]]
    )


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_charts_show_feed_text_as_text(app_for, hostile_db):
    """Plotly renders a subset of HTML in labels, legends and hovers: none comes from the
    feed. Earnings (workload names, MPN IDs) and the Tenant details trends."""
    markup = [p for p in MARKUP if "<" in p]
    charts = []
    for page, params in (("pages/earnings.py", {}), ("pages/tenant.py", {"tenant": ALPHA})):
        at = _open(app_for, hostile_db, EXEC, page, **params)
        assert not at.exception
        charts += [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert charts
    strings = [s for chart in charts for s in _strings(chart["data"])]
    for payload in markup:
        assert not [s for s in strings if payload in s], payload
    assert any("&lt;b&gt;Online&lt;/b&gt;" in s for s in strings)  # there, as text


def test_admin_page_shows_display_namesas_text(app_for, hostile_db):
    at = _open(app_for, hostile_db, ADMIN, "pages/admin.py")
    _check_shownas_text(at, [DISPLAY_NAME])


def test_the_sidebar_shows_the_signed_in_nameas_text(app_for, hostile_db):
    at = _open(app_for, hostile_db, EXEC)
    _check_shownas_text(at, [DISPLAY_NAME])


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
                db, exec_, ALPHA, ContactInput(**{**CONTACT.__dict__, "name": huge})
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


# -- URL parameters -------------------------------------------------------------------------
ODD_TENANTS = [
    "aaaaaaaa-0000-0000-0000-00000000ffff",  # unknown
    DELTA,  # another partner's
    "not-a-guid",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "A" * 10_000,
    "",
    ALPHA.upper() + "x",
]


def test_odd_tenant_ids_give_one_answer(app_for, db_path):
    answers = set()
    for value in ODD_TENANTS:
        at = _open(app_for, db_path, EXEC, "pages/tenant.py", tenant=value)
        assert not at.exception, value
        answers.add(tuple(w.value for w in at.warning))
        assert not at.dataframe, value  # no figures of any tenant
    assert len(answers) == 1, answers
    assert all(answers.pop())


@pytest.mark.parametrize(
    "page_file, params",
    [
        ("pages/tenant.py", {"tenant": BETA, "rfa": "<script>", "x": "1" * 5000}),
        ("pages/referrals.py", {"rfa": "R2"}),  # another partner's referral
        ("pages/referrals.py", {"rfa": "' OR 1=1 --"}),
        ("pages/tenants.py", {"tenant": "junk", "page": "-1", "sort": "drop table"}),
        ("pages/earnings.py", {"target": "1e999"}),
        ("pages/tenant.py", {"as": "admin@fabrikam.example", "tenant": DELTA}),
    ],
)
def test_odd_query_strings_do_not_crash_or_leak(app_for, db_path, page_file, params):
    email = EXEC if "earnings" in page_file else "report@northwind.example"
    at = _open(app_for, db_path, email, page_file, **params)
    assert not at.exception
    shown = as_text(at)
    assert "Delta Gov" not in shown and "Fabrikam" not in shown
    assert "R2" not in [str(o) for e in at.selectbox for o in e.options]


# -- Streamlit's own protections -------------------------------------------------------------
def test_xsrf_protection_is_on_and_uploads_are_limited():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = config.get("server", {})
    assert server.get("enableXsrfProtection", True) is True
    assert server.get("enableCORS", True) is True  # turning CORS off weakens XSRF
    assert isinstance(server.get("maxUploadSize"), int) and 0 < server["maxUploadSize"] <= 4096


# -- in a real browser ----------------------------------------------------------------------
@pytest.mark.e2e
def test_the_browser_gets_no_injected_markup(hostile_db, tmp_path):
    """The Tenant details page of the hostile workspace in Chromium: the payloads are on the
    page as text, and no script, javascript: link or event handler came from them."""
    sync_api = pytest.importorskip("playwright.sync_api")
    import importlib.util

    spec = importlib.util.spec_from_file_location("e2e_harness", ROOT / "tests/e2e/conftest.py")
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    if not Path(harness.CHROMIUM).exists():
        pytest.skip(f"{harness.CHROMIUM} is not installed")
    path = copy_db(hostile_db, tmp_path / "fcu.duckdb")
    # In a thread of its own: the e2e tests' session-wide browser keeps Playwright's event
    # loop running on the main thread, where a second sync Playwright cannot start.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(_check_injected_markup, harness, sync_api, path).result()


def _check_injected_markup(harness, sync_api, path: Path) -> None:
    with harness.run_app(path) as url, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=harness.CHROMIUM, headless=True, args=harness.CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(harness.TIMEOUT_MS)
            harness.open_app(page, f"{url}/?as={EXEC}")
            harness.open_app(page, f"{url}/tenant?tenant={ALPHA}&as={EXEC}")
            text = page.get_by_test_id("stMain").inner_text()
            for payload in (
                NOTE.risks,
                INTENT,
                FEED_TEXT[("tenants", "tenant_name", "Alpha Corp")],
            ):
                assert payload in text, payload
            assert page.locator("script:has-text('alert(')").count() == 0
            assert page.locator("a[href^='javascript:' i]").count() == 0
            assert page.locator("[onerror], [onload]:not(body)").count() == 0
            assert page.locator("b:has-text('Online'), u:has-text('not ours')").count() == 0
        finally:
            browser.close()
