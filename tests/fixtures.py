"""The fixture feed's names and IDs, the app's pages, and the one way tests build an AppTest.

The feed is tests/data/feed_small (its README lists the known answers); tests/conftest.py
loads it with ``FIXTURE_USERS`` into the database every test gets a copy of. Import from here
(``from tests.fixtures import ALPHA, EXEC, app_test``); pytest fixtures are in the
conftest.py files.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from fcu.access import User

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_FEED = ROOT / "tests" / "data" / "feed_small"

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


def copy_db(source: Path, target: Path) -> Path:
    shutil.copy(source, target)
    wal = Path(f"{source}.wal")
    if wal.exists():
        shutil.copy(wal, Path(f"{target}.wal"))
    return target
