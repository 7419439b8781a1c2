"""Access, everywhere: every page, every export table and the export command, for every
fixture user (role × scope × partner), shows nothing that is not theirs.

- no tenant outside the user's partner and scope (name or Tenant ID);
- no revenue (earnings, opportunity, rates) for a Report viewer;
- no personal data (contact names and emails) for a Report viewer;
- no notes or contacts of another partner (or, for a scoped user, of a tenant outside scope);
- a user without a role sees nothing at all.
New export tables (``fcu.export.TABLES``) and pages (``fcu.ui.nav``) are picked up on their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_helpers import ALPHA, ROOT, as_text, copy_db

from fcu import cli, contacts, export, notes, referrals
from fcu.access import EMAIL_IN_TEXT, AccessDenied, User, get_user
from fcu.contacts import ContactInput
from fcu.db import Database
from fcu.notes import NoteInput

BETA = "aaaaaaaa-0000-0000-0000-000000000002"
DELTA = "aaaaaaaa-0000-0000-0000-000000000004"
TENANTS = {ALPHA: "Alpha Corp", BETA: "Beta School", DELTA: "Delta Gov"}
# Who may see which tenant (tests/data/feed_small/README.md).
VISIBLE = {
    "admin@northwind.example": {ALPHA, BETA},
    "exec@northwind.example": {ALPHA, BETA},
    "report@northwind.example": {ALPHA, BETA},
    "exec.m11@northwind.example": {ALPHA},
    "report.m12@northwind.example": {BETA},
    "norole@northwind.example": set(),
    "admin@fabrikam.example": {ALPHA, DELTA},
}
USERS = sorted(VISIBLE)
P1_SECRET, P2_SECRET = "NORTHWIND-ONLY note", "FABRIKAM-ONLY note"
P1_CONTACT = ("Kim Confidential", "kim.confidential@alpha.example")
P2_CONTACT = ("Fay Private", "fay.private@delta.example")
REVENUE_WORDS = ("Potential earnings", "Unclaimed opportunity", "rate_per_unit", "$")
# A referral declined with a reason that quotes a customer's email (R3: Beta, M12).
DECLINE_EMAIL = "dana.secret@beta.example"


@pytest.fixture(scope="module")
def access_db(tmp_path_factory, fixture_db_template) -> Path:
    path = copy_db(fixture_db_template, tmp_path_factory.mktemp("access") / "fcu.duckdb")
    db = Database(path)
    p1, p2 = get_user(db, "exec@northwind.example"), get_user(db, "admin@fabrikam.example")
    notes.add_note(db, p1, ALPHA, NoteInput(risks=P1_SECRET))
    notes.add_note(db, p2, ALPHA, NoteInput(risks=P2_SECRET))
    notes.add_note(db, p2, DELTA, NoteInput(risks=P2_SECRET + " on Delta"))
    for user, tenant, (name, email) in ((p1, ALPHA, P1_CONTACT), (p2, DELTA, P2_CONTACT)):
        contacts.create_contact(
            db,
            user,
            tenant,
            ContactInput(kind="partner", name=name, email=email, services=("teams",)),
        )
    referrals.decline(db, p1, "R3", f"Customer {DECLINE_EMAIL} asked us to wait.", 0)
    db.execute("CHECKPOINT")
    db.close()
    return path


def forbidden(user: User | None, email: str) -> list[str]:
    """Strings this user must never be shown."""
    out = []
    for tenant, name in TENANTS.items():
        if tenant not in VISIBLE[email]:
            out += [tenant, name]
    partner = user.partner_id if user else None
    if partner != "P1" or ALPHA not in VISIBLE[email] or not user.has_access:
        out += [P1_SECRET, *P1_CONTACT]
    if partner != "P2" or not user.has_access:
        out += [P2_SECRET, *P2_CONTACT]
    if user is None or not user.sees_personal_data:
        out += [*P1_CONTACT, *P2_CONTACT, DECLINE_EMAIL]
    return out


def _check(text: str, user: User | None, email: str, where: str) -> None:
    for word in forbidden(user, email):
        assert word not in text, f"{where}: {email} was shown {word!r}"
    if user is None or not user.sees_revenue:
        for word in REVENUE_WORDS:
            assert word not in text, f"{where}: {email} was shown revenue ({word!r})"


@pytest.mark.parametrize("table", sorted(export.TABLES))
@pytest.mark.parametrize("email", USERS)
def test_export_tables_and_the_command_leak_nothing(access_db, email, table, capsysbinary):
    db = Database(access_db)
    try:
        user = get_user(db, email)
        try:
            data = export.render(db, user, table).decode("utf-8")
        except AccessDenied:
            data = ""  # refused outright: nothing shown
        _check(data, user, email, f"export {table}")
        if not user.has_access:
            assert data.count("\n") <= 1  # a header at most
    finally:
        db.close()
    capsysbinary.readouterr()
    code = cli.main(["--db", str(access_db), "export", table, "--user", email])
    out, err = capsysbinary.readouterr()
    assert code in (0, 1)
    if code == 0:
        assert out.decode("utf-8") == data  # the command gives what the export gives
    else:
        assert out == b"" and err.strip() and b"Traceback" not in err
    _check(out.decode("utf-8"), user, email, f"python -m fcu export {table}")


ALL_PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("page", ALL_PAGES)
@pytest.mark.parametrize("email", USERS)
def test_every_page_leaks_nothing(app_for, access_db, email, page):
    """Each page as each user: opened when the navigation offers it (every Tenant ID for the
    details page), else it must not be reachable and the page shown instead is checked."""
    db = Database(access_db)
    try:
        user = get_user(db, email)
    finally:
        db.close()
    at = app_for(access_db, email)
    at.run()
    try:
        at.switch_page(f"pages/{page}")
    except ValueError:  # not among this user's pages: Streamlit cannot open it
        reachable = False
    else:
        reachable = True
    if page in ("data.py", "admin.py") and reachable:
        assert user.is_admin, (email, page)
    if page == "earnings.py" and reachable:
        assert user.sees_revenue, (email, page)
    opens = [{}]
    if page == "tenant.py" and reachable:
        opens = [{"tenant": t} for t in TENANTS]
    if page == "referrals.py" and reachable:
        opens = [{"rfa": r} for r in ("R1", "R2", "R3")]
    for params in opens:
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, (email, page, [e.message for e in at.exception])
        _check(as_text(at), user, email, f"page {page} {params}")
        if not user.sees_personal_data:  # every frame the browser receives, hidden or not
            for frame in at.dataframe:
                cells = [str(c) for c in frame.value.to_numpy().ravel()]
                emails = [c for c in cells if EMAIL_IN_TEXT.search(c)]
                assert not emails, (email, page, params, emails[:3])


def test_the_markers_are_shown_to_those_allowed(app_for, access_db):
    """The checks above are not vacuous: owners do see their notes, contacts and money."""
    db = Database(access_db)
    try:
        exec_, fabrikam = (
            get_user(db, "exec@northwind.example"),
            get_user(db, "admin@fabrikam.example"),
        )
        assert P1_SECRET in export.render(db, exec_, "notes").decode()
        assert P1_CONTACT[1] in export.render(db, exec_, "contacts").decode()
        assert P2_SECRET in export.render(db, fabrikam, "notes").decode()
        assert "potential_earnings" in export.render(db, exec_, "tenants").decode()
    finally:
        db.close()
    at = app_for(access_db, "exec@northwind.example")
    at.run()
    at.switch_page("pages/tenant.py")
    at.query_params["tenant"] = ALPHA
    at.run()
    shown = as_text(at)
    assert P1_SECRET in shown and "Alpha Corp" in shown and "$" in shown
