"""The security review's cases that a page shows (AppTest): the Referrals page as a Report
viewer, a download made at the click, and the sign-in identity. The others, in fcu itself:
tests/unit/test_security_review.py (the numbers are the review's).
"""

from __future__ import annotations

from fcu import notes, referrals, users
from fcu.access import User, get_user
from fcu.db import Database
from fcu.notes import NoteInput
from tests.fixtures import (
    ALPHA,
    BETA,
    DECLINED_CUSTOMER,
    EXEC,
    PAGE_FILES,
    REFERRALS_PAGE,
    REPORT,
    as_text,
)

# The [auth] section of an app on this machine; AppTest's ``user`` stands in for the sign-in.
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-of-forty-characters!",
    "client_id": "fcu",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


# 1 and 3: the Referrals page and a referral's details, as a Report viewer -----------------
def test_the_referrals_page_sends_a_report_viewer_no_hidden_column(app_on, declined):
    at = app_on(declined, REPORT, REFERRALS_PAGE, params={"rfa": "R3"})
    assert not at.exception
    listed = at.dataframe[0].value  # the whole frame the browser receives, hidden or not
    assert list(listed.columns) == list(referrals.LIST_LABELS)
    shown = as_text(at)
    assert DECLINED_CUSTOMER not in shown and "asked us to wait" in shown  # masked, not dropped
    for frame in at.dataframe:
        cells = [str(c) for c in frame.value.to_numpy().ravel()]
        assert not [c for c in cells if "@" in c], "an email reached a Report viewer"


# 5: a deferred download re-checks its user --------------------------------------------------
def test_a_deferred_download_uses_the_users_rights_at_the_click(app_on, db_path, downloads):
    """Every download drawn as data-at-the-click (on any page) follows the rights of the
    moment: narrowed to M12, the Tenants and Referrals CSVs and the calendar of next actions
    hold Beta alone; removed, no tenant at all (each CSV its header alone)."""
    db = Database(db_path)
    for tenant in (ALPHA, BETA):  # next actions, for My work's calendar
        notes.add_note(
            db,
            get_user(db, EXEC),
            tenant,
            NoteInput(next_actions="Call", next_action_date="2026-11-05"),
        )
    db.close()
    at = app_on(db_path, EXEC)
    for page in PAGE_FILES:
        try:
            at.switch_page(f"pages/{page}")
        except ValueError:
            continue
        at.run()
    assert downloads, "no deferred download was drawn"

    def made() -> list[bytes]:
        return [d().replace(b"\r\n ", b"") for d in downloads]  # (.ics lines unfolded)

    before = made()
    assert len(before) >= 3 and all(ALPHA.encode() in b for b in before)
    headers = {b.split(b"\r\n", 1)[0].split(b"\n", 1)[0] for b in before}
    assert ",".join(referrals.EXPORT_COLUMNS).encode() in headers  # the Referrals CSV too
    db = Database(db_path)
    try:
        users.save_user(db, "tests", User(EXEC, "P1", "executive", False, ("M12",), "Emery"))
        narrowed = made()
        assert all(ALPHA.encode() not in b and BETA.encode() in b for b in narrowed)
        users.remove_user(db, "tests", EXEC)
        removed = made()
        assert all(ALPHA.encode() not in b and BETA.encode() not in b for b in removed)
        csvs = [b.decode() for b in removed if not b.startswith(b"BEGIN:VCALENDAR")]
        assert csvs and all(text.count("\n") == 1 for text in csvs)  # the header alone
    finally:
        db.close()


# 7: sign-in identity ----------------------------------------------------------------------
def _oidc_app(app_on, path, claims: dict, auth: dict | None = None):
    user = {"is_logged_in": True, "name": "Someone", **claims}
    return app_on(path, None, auth=auth or AUTH, user=user)


def test_a_user_record_is_bound_to_its_first_sign_in_account(app_on, db_path):
    first = _oidc_app(app_on, db_path, {"email": EXEC, "sub": "account-1"})
    assert not first.exception and "Alpha Corp" in as_text(first)
    again = _oidc_app(app_on, db_path, {"email": EXEC, "sub": "account-1"})
    assert "Alpha Corp" in as_text(again)
    other = _oidc_app(app_on, db_path, {"email": EXEC.upper(), "sub": "account-2"})
    shown = as_text(other)
    assert "Alpha Corp" not in shown and "another account" in shown
    db = Database(db_path)
    try:
        assert db.scalar("SELECT subject FROM users WHERE email = ?", [EXEC]) == "account-1"
        assert db.scalar("SELECT count(*) FROM audit WHERE action = 'user.bind_subject'") == 1
    finally:
        db.close()


def test_an_account_of_another_directory_is_refused(app_on, db_path):
    auth = {
        **AUTH,
        "server_metadata_url": "http://127.0.0.1:9/organizations/v2.0/"
        ".well-known/openid-configuration",
        "allowed_tenants": ["contoso-tid"],
    }
    stranger = _oidc_app(app_on, db_path, {"email": EXEC, "oid": "o-1", "tid": "evil"}, auth)
    assert "Alpha Corp" not in as_text(stranger)
    assert "organisation" in " ".join(e.value for e in stranger.error)
    member = _oidc_app(app_on, db_path, {"email": EXEC, "oid": "o-1", "tid": "Contoso-TID"}, auth)
    assert "Alpha Corp" in as_text(member)
