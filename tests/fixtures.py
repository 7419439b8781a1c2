"""The fixture feed's names and IDs, the app's pages, and the one way tests build an AppTest.

The feed is tests/data/feed_small (its README lists the known answers); tests/conftest.py
loads it with ``FIXTURE_USERS`` into the database every test gets a copy of. Below the names:
helpers of that database (fingerprints, a filled workspace, killed processes, damaged files)
and the hostile workspace (markup and formulas in every text), shared by the unit, app and
e2e tiers. Import from here (``from tests.fixtures import ALPHA, EXEC, app_test``); pytest
fixtures are in the conftest.py files.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import warnings
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from fcu import claims, contacts, feed, intent, notes, referrals, service_status, users
from fcu.access import User, get_user
from fcu.contacts import ContactInput
from fcu.db import Database
from fcu.notes import NoteInput
from fcu.service_status import StatusRow

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_FEED = ROOT / "tests" / "data" / "feed_small"
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable

# -- the app --------------------------------------------------------------------------------
DASHBOARD = str(ROOT / "dashboard.py")
# Pages as AppTest.switch_page names them (relative to dashboard.py).
TENANTS_PAGE = "pages/tenants.py"
TENANT_PAGE = "pages/tenant.py"
REFERRALS_PAGE = "pages/referrals.py"
EARNINGS_PAGE = "pages/earnings.py"
DATA_PAGE = "pages/data.py"
ADMIN_PAGE = "pages/admin.py"
HELP_PAGE = "pages/help.py"
PAGE_FILES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))  # every page, new ones too
NOT_AVAILABLE = (
    "No tenant with this Tenant ID is available to you. Check the ID, or open the tenant "
    "from the Tenants page."
)

# -- the fixture feed (tests/data/feed_small) -----------------------------------------------
ALPHA = "aaaaaaaa-0000-0000-0000-000000000001"  # Alpha Corp: P1's (M11) and P2's
BETA = "aaaaaaaa-0000-0000-0000-000000000002"  # Beta School: P1's (M12), education
GAMMA = "aaaaaaaa-0000-0000-0000-000000000003"  # Gamma Small: 100 licences, not in FastTrack
DELTA = "aaaaaaaa-0000-0000-0000-000000000004"  # Delta Gov, Ministry: P2's
TENANT_NAMES = {
    ALPHA: "Alpha Corp",
    BETA: "Beta School",
    GAMMA: "Gamma Small",
    DELTA: "Delta Gov, Ministry",
}
NORTHWIND, FABRIKAM = "P1", "P2"  # Northwind Cloud Partners, Fabrikam Adoption Services
M11, M12, M21 = "M11", "M12", "M21"  # Northwind Seattle, Northwind London, Fabrikam Berlin
RFA_IDS = ("R1", "R2", "R3")  # R1 Alpha P1/M11, R2 Delta P2/M21, R3 Beta P1/M12

# -- its users (loaded by tests/conftest.py) ------------------------------------------------
ADMIN = "admin@northwind.example"  # P1 executive, admin, entire organisation
EXEC = "exec@northwind.example"  # P1 executive, entire organisation
REPORT = "report@northwind.example"  # P1 report viewer, entire organisation
EXEC_M11 = "exec.m11@northwind.example"  # P1 executive, MPN M11
REPORT_M12 = "report.m12@northwind.example"  # P1 report viewer, MPN M12
NOROLE = "norole@northwind.example"  # P1, no role
FABRIKAM_ADMIN = "admin@fabrikam.example"  # P2 executive, admin
FIXTURE_USERS = {
    u.email: u
    for u in [
        User(ADMIN, NORTHWIND, "executive", True, None, "Avery Admin"),
        User(EXEC, NORTHWIND, "executive", False, None, "Emery Executive"),
        User(REPORT, NORTHWIND, "report", False, None, "Riley Report"),
        User(EXEC_M11, NORTHWIND, "executive", False, (M11,), "Sam M11"),
        User(REPORT_M12, NORTHWIND, "report", False, (M12,), "Robin M12"),
        User(NOROLE, NORTHWIND, None, False, None, "Nico No-role"),
        User(FABRIKAM_ADMIN, FABRIKAM, "executive", True, None, "Fran Fabrikam"),
    ]
}
# R3 declined by an executive with a reason quoting a customer (the ``declined`` fixture).
DECLINED_CUSTOMER = "dana.secret@alpha.example"
DECLINE_REASON = f"The customer ({DECLINED_CUSTOMER}) asked us to wait until spring."


# -- an AppTest of the app --------------------------------------------------------------------
def app_test(
    email: str | None = None,
    page: str | None = None,
    *,
    params: dict[str, str] | None = None,
    alone: bool = False,
    auth: dict | None = None,
    user: dict | None = None,
    timeout: float = 30,
) -> AppTest:
    """FCU in an AppTest, run: signed in (demo mode) as ``email``, showing ``page`` with the
    query ``params``. Point the app at a database first (the ``app_env`` or ``app_on``
    fixture of tests/app/conftest.py).

    ``page`` opens as a person opens it: dashboard.py runs once, then the app switches to the
    page, whose run gets ``params``; without ``page``, the first run of dashboard.py gets them.
    ``alone`` runs the page's own script once instead, as Streamlit does for a server's first
    run when its URL names the page. ``auth`` is an ``[auth]`` secrets section (sign-in by
    OpenID Connect) and ``user`` what ``st.user`` gives. No developer's own
    .streamlit/secrets.toml is read.
    """
    from streamlit.testing.v1 import AppTest

    from fcu.ui import keys

    at = AppTest.from_file(str(ROOT / page) if alone else DASHBOARD, default_timeout=timeout)
    at.secrets["fcu_tests"] = "demo mode"  # any entry keeps a developer's own secrets.toml out
    if auth is not None:
        at.secrets["auth"] = auth
    if user is not None:
        at.user = user
    if email:
        at.session_state[keys.DEMO_EMAIL] = email
    if page and not alone:
        at.run()
        at.switch_page(page)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


# -- what an AppTest page shows ------------------------------------------------------------
MARKDOWN_KINDS = ("markdown", "caption", "title", "header", "subheader")
MARKDOWN_KINDS += ("info", "warning", "error", "success")
_ESCAPED = re.compile(r"\\(.)")


def markdown_shown(at: AppTest) -> list[str]:
    """Every string Streamlit renders as markdown: elements and the labels of containers."""
    out = [str(e.value) for kind in MARKDOWN_KINDS for e in getattr(at, kind)]
    out += [str(e.label) for e in at.expander]
    out += [str(e.label) for e in at.tabs]
    out += [str(e.label) for e in at.metric]
    return out


def as_text(at: AppTest) -> str:
    """Everything shown as text: text, code and table cells, and markdown with its escapes
    undone (an escaped ``\\*`` shows as ``*``)."""
    parts = [str(e.value) for e in at.text] + [str(e.value) for e in at.code]
    for frame in at.dataframe:
        value = frame.value
        parts += [str(v) for v in value.astype(str).to_numpy().ravel()]
        parts += [str(c) for c in value.columns]
    for kind in ("selectbox", "multiselect", "radio"):
        parts += [str(o) for e in getattr(at, kind) for o in e.options]
    parts += [str(e.value) for e in at.metric]
    parts += [_ESCAPED.sub(r"\1", m) for m in markdown_shown(at)]
    return "\n".join(parts)


# -- the database's state --------------------------------------------------------------------
# A table's fingerprint is its row count and the sum of its rows' hashes: equal fingerprints
# mean the same rows (in any order), which is what "the database is unchanged" means.
FEED_TABLES = tuple(f"feed_{name}" for name in feed.FINAL_TABLES)
LOAD_PREFIXES = ("stg_", "rej_", "rejscan_", "raw_")


def workspace_tables(db: Database) -> list[str]:
    """Every table that is not the feed and not the record of load attempts."""
    names = db.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name"
    )
    return [
        n
        for (n,) in names
        if not n.startswith("feed_") and n != "loads" and not n.startswith(LOAD_PREFIXES)
    ]


def fingerprints(db: Database, tables: list[str] | tuple[str, ...]) -> dict[str, tuple]:
    return {t: db.one(f'SELECT count(*), sum(hash(t)) FROM "{t}" AS t') for t in tables}


def leftover_load_tables(db: Database) -> list[str]:
    names = db.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary")
    return sorted(n for (n,) in names if n.startswith(LOAD_PREFIXES))


def fill_workspace(db: Database) -> None:
    """One record of every kind a partner writes, through the product's own functions."""
    exec_ = get_user(db, EXEC)
    notes.add_note(db, exec_, ALPHA, NoteInput(risks="Legacy proxy", next_actions="Pilot"))
    contacts.create_contact(
        db,
        exec_,
        ALPHA,
        ContactInput(
            kind="customer",
            name="Kim Lee",
            email="kim@alpha.example",
            country="United States",
            survey_language="English",
            services=("exchange",),
            survey_eligible=True,
        ),
    )
    service_status.save_status(db, exec_, ALPHA, "exchange", [StatusRow("Deployed", count=1000)], 0)
    intent.save_intent(db, exec_, ALPHA, "exchange", "No intent because of a merger freeze.")
    claims.claim_workload(db, exec_, ALPHA, "viva", "M11", today=date(2026, 11, 2))
    referrals.accept(db, exec_, "R1", 0)
    db.execute("CHECKPOINT")


def copy_db(source: Path, target: Path) -> Path:
    shutil.copy(source, target)
    wal = Path(f"{source}.wal")
    if wal.exists():
        shutil.copy(wal, Path(f"{target}.wal"))
    return target


def run_fcu(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m fcu ARGS` in a child process, as an operator would run it."""
    return subprocess.run(
        [PYTHON, "-m", "fcu", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


# -- processes killed part-way (SIGKILL) -----------------------------------------------------
# A load that reports each stage on stdout, so the test kills it at a known point.
LOADER = """
import sys
from fcu import feed
from fcu.db import Database
db = Database(sys.argv[1])
feed.load_feed(db, sys.argv[2], loaded_by="killed load",
               progress=lambda f, text: print(text, flush=True))
print("finished", flush=True)
"""
# A write of several rows (notes and their audit) that stops inside its transaction.
WRITER = """
import sys, time
from fcu.db import Database
db = Database(sys.argv[1])
commit_first = sys.argv[2] == "commit-first"
def insert(cur, text):
    cur.execute("INSERT INTO notes (partner_id, tenant_id, risks, author) "
                "VALUES ('P1', 'aaaaaaaa-0000-0000-0000-000000000001', ?, 'killer@x.example')",
                [text])
    cur.execute("INSERT INTO audit (actor, partner_id, action) VALUES ('killer@x.example', 'P1', ?)",
                ["note.add " + text])
if commit_first:
    db.write(lambda cur: insert(cur, "committed before the kill"))
    print("committed", flush=True)
def work(cur):
    for i in range(5):
        insert(cur, f"half-written {i}")
        if i == 2:
            print("inside", flush=True)
            time.sleep(600)
db.write(work)
"""


def kill_at(args: list[str], marker: str) -> list[str]:
    """Run ``python -c ARGS``, SIGKILL it once it prints ``marker``; return what it printed."""
    child = subprocess.Popen(
        [PYTHON, "-c", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    seen: list[str] = []
    try:
        for line in child.stdout:
            seen.append(line.strip())
            if marker in line:
                child.send_signal(signal.SIGKILL)
                break
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, (seen, child.stderr.read())
    assert any(marker in s for s in seen), (seen, child.stderr.read())
    return seen


# -- damaged and unusable database files -----------------------------------------------------
def _random_file(tmp_path: Path, template: Path) -> Path:
    path = tmp_path / "random.duckdb"
    path.write_bytes(os.urandom(256 * 1024))
    return path


def _damaged_header(tmp_path: Path, template: Path) -> Path:
    path = copy_db(template, tmp_path / "damaged.duckdb")
    with path.open("r+b") as fh:
        fh.seek(4096)
        fh.write(os.urandom(8192))
    return path


def _empty_file(tmp_path: Path, template: Path) -> Path:
    path = tmp_path / "empty.duckdb"
    path.write_bytes(b"")
    return path


def _folder_is_a_file(tmp_path: Path, template: Path) -> Path:
    (tmp_path / "not-a-folder").write_text("x")
    return tmp_path / "not-a-folder" / "fcu.duckdb"


def _path_is_a_folder(tmp_path: Path, template: Path) -> Path:
    path = tmp_path / "folder.duckdb"
    path.mkdir()
    return path


BAD_FILES = {
    "random bytes": _random_file,
    "damaged header": _damaged_header,
    "empty file": _empty_file,
    "folder is a file": _folder_is_a_file,
    "path is a folder": _path_is_a_folder,
}


def bad_database_file(kind: str, tmp_path: Path, template: Path) -> Path:
    """A database path of a ``BAD_FILES`` kind (``template``: the fixture database file)."""
    return BAD_FILES[kind](tmp_path, template)


def assert_one_sentence(text: str) -> None:
    """What FCU says of a bad database file: one line, no traceback."""
    assert text.strip(), "no message"
    assert "Traceback" not in text
    assert len(text.strip().splitlines()) == 1
    assert text.strip().startswith("The database file")


# -- the hostile workspace: markup and formulas in every text ---------------------------------
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
HOSTILE_RFA = FEED_KEYS["R1"]
HOSTILE_NOTE = NoteInput(
    onboarding_scope="[scope](javascript:alert(2)) _scope_",
    risks="<img src=x onerror=alert(3)> risk",
    next_actions="# Heading **next** `code`",
    next_action_owner="@SUM(A1)",
)
HOSTILE_CONTACT = ContactInput(
    kind="customer",
    name='=HYPERLINK("http://evil.example","name")',
    email="kim@alpha.example",
    # Free text from before the country list (the form now offers ISO countries only):
    # planted by hostile_workspace, kept as written for review (migration 007).
    country="<i>United States</i>",
    survey_language="English",
    services=("exchange",),
    survey_eligible=True,
)
HOSTILE_INTENT = "+SUM(1) <script>alert(4)</script> no intent because of a merger freeze."
HOSTILE_DECLINE = "-2+3 **declined** <u>not ours</u> [x](javascript:alert(5))"
HOSTILE_DISPLAY_NAME = "<script>alert('name')</script> Emery **Exec**"
# Payloads whose markup would change what is shown if rendered as markdown or HTML.
MARKUP = [
    *[v for v in FEED_TEXT.values() if not v.startswith("=")],
    *FEED_KEYS.values(),
    HOSTILE_NOTE.onboarding_scope,
    HOSTILE_NOTE.risks,
    HOSTILE_NOTE.next_actions,
    HOSTILE_CONTACT.country,
    HOSTILE_INTENT,
    HOSTILE_DECLINE,
    HOSTILE_DISPLAY_NAME,
]
FORMULAS = [FEED_TEXT[("referrals", "source", "FastTrack Center")], HOSTILE_CONTACT.name]
FORMULAS += [HOSTILE_INTENT, HOSTILE_NOTE.next_action_owner, HOSTILE_DECLINE]


def write_hostile_db(base: Path, template: Path) -> Path:
    """In folder ``base``: the fixture feed with markup in its text columns and keys, loaded
    over a copy of ``template``, and a workspace full of markup; returns the database file."""
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
    path = copy_db(template, base / "fcu.duckdb")
    db = Database(path)
    assert feed.load_feed(db, folder).ok
    exec_ = get_user(db, EXEC)
    users.save_user(db, "tests", User(EXEC, "P1", "executive", False, None, HOSTILE_DISPLAY_NAME))
    notes.add_note(db, exec_, ALPHA, HOSTILE_NOTE)
    contact_id = contacts.create_contact(db, exec_, ALPHA, replace(HOSTILE_CONTACT, country="US"))
    db.execute(
        "UPDATE contacts SET country = ? WHERE contact_id = ?",
        [HOSTILE_CONTACT.country, contact_id],
    )
    intent.save_intent(db, exec_, ALPHA, "exchange", HOSTILE_INTENT)
    referrals.decline(db, exec_, "R3", HOSTILE_DECLINE, 0)
    db.execute("CHECKPOINT")
    db.close()
    return path


# -- My work and the digest: a fixed day, next actions, a local SMTP server -------------------
TODAY = date(2026, 11, 3)  # the day "due" is counted from in the work-queue tests
MY_WORK_PAGE = "pages/my_work.py"
# A note's text quoting a customer contact's email: masked for a Report viewer everywhere.
CONTACT_EMAIL = "kim.contact@alpha.example"
ALPHA_ACTION = NoteInput(
    next_actions=f"Call {CONTACT_EMAIL} about the pilot",
    next_action_date=date(2026, 11, 1),  # two days overdue on TODAY, nobody's
)
BETA_ACTION = NoteInput(
    next_actions="Run the Teams workshop",
    next_action_date=date(2026, 11, 6),  # due in three days on TODAY, EXEC's
    next_action_owner=EXEC,
)
DIGEST_USERS = (EXEC, REPORT, REPORT_M12, NOROLE)  # those who turned the digest on
MAIL_FROM = "fcu@northwind.example"
BASE_URL = "https://fcu.northwind.example"


def fill_work(db: Database) -> None:
    """The next actions of the work-queue tests (Alpha's overdue and unassigned, Beta's due
    and EXEC's) and the digest turned on for ``DIGEST_USERS``."""
    from fcu import digest

    exec_ = get_user(db, EXEC)
    notes.add_note(db, exec_, ALPHA, ALPHA_ACTION)
    notes.add_note(db, exec_, BETA, BETA_ACTION)
    for email in DIGEST_USERS:
        digest.set_subscription(db, "tests", email, True)
    db.execute("CHECKPOINT")


class LocalSmtp:
    """An SMTP server on a free loopback port (aiosmtpd), keeping what it receives.

    ``login``: (user, password) it requires, else it takes mail from anyone.
    ``messages``: the messages received, parsed; ``by_recipient()`` maps each To address to
    its messages."""

    def __init__(self, login: tuple[str, str] | None = None):
        self.login = login
        self.messages: list = []
        self.port = _free_port()
        self._controller = None

    def __enter__(self) -> LocalSmtp:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        server = self

        class Keep:
            async def handle_DATA(self, smtp, session, envelope):
                from email import message_from_bytes, policy

                parsed = message_from_bytes(envelope.original_content, policy=policy.default)
                server.messages.append(parsed)
                return "250 OK"

        def authenticator(smtp, session, envelope, mechanism, data):
            if server.login is None:
                return AuthResult(success=True)
            given = tuple(v.decode() if isinstance(v, bytes) else v for v in data)
            return AuthResult(success=given == server.login, handled=False)

        options = {}
        if self.login is not None:
            options = {"authenticator": authenticator, "auth_require_tls": False}
            options["auth_required"] = True
        with warnings.catch_warnings():  # "AUTH without TLS": a loopback test server
            warnings.simplefilter("ignore")
            self._controller = Controller(Keep(), hostname="127.0.0.1", port=self.port, **options)
            self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()

    def by_recipient(self) -> dict[str, list]:
        out: dict[str, list] = {}
        for message in self.messages:
            out.setdefault(str(message["To"]), []).append(message)
        return out

    def environ(self, **extra: str) -> dict[str, str]:
        """The FCU_* settings that point at this server (plain SMTP, no STARTTLS)."""
        values = {
            "FCU_SMTP_HOST": "127.0.0.1",
            "FCU_SMTP_PORT": str(self.port),
            "FCU_SMTP_STARTTLS": "0",
            "FCU_MAIL_FROM": MAIL_FROM,
            "FCU_BASE_URL": BASE_URL,
        }
        if self.login is not None:
            values["FCU_SMTP_USER"], values["FCU_SMTP_PASSWORD"] = self.login
        return {**values, **extra}


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def text_of(message) -> tuple[str, str]:
    """The plain-text and HTML bodies of a received message."""
    plain = message.get_body(("plain",)).get_content()
    markup = message.get_body(("html",)).get_content()
    return plain, markup
