"""My work through AppTest, on the fixture database with the next actions of ``fill_work``
and FCU_TODAY at tests.fixtures.TODAY (2026-11-03): the first page after sign-in for anyone
with items, each section with its rows and links, the team view for admins and executives
only, a Report viewer's masking, the digest setting and the calendar download."""

from __future__ import annotations

import pytest

from fcu import digest, mail
from fcu.db import Database
from fcu.ui import keys
from tests.fixtures import (
    ADMIN,
    ADMIN_PAGE,
    ALPHA,
    BETA,
    CONTACT_EMAIL,
    DATA_PAGE,
    EXEC,
    MY_WORK_PAGE,
    NOROLE,
    REPORT,
    REPORT_M12,
    TENANTS_PAGE,
    TODAY,
    LocalSmtp,
    app_test,
    as_text,
)


@pytest.fixture
def work_env(work_db, app_env, monkeypatch):
    monkeypatch.setenv("FCU_TODAY", TODAY.isoformat())
    for key in ("FCU_SMTP_HOST", "FCU_MAIL_FROM", "FCU_BASE_URL"):
        monkeypatch.delenv(key, raising=False)
    return work_db


def tables(at) -> dict[str, list[dict]]:
    """Each section's heading -> its rows (tables follow their subheading in order)."""
    headings = [
        h.value for h in at.subheader if "(" in h.value and int(h.value.rsplit("(", 1)[1][:-1])
    ]
    return {h: f.value.to_dict("records") for h, f in zip(headings, at.dataframe, strict=True)}


def test_an_executive_lands_on_my_work_with_every_section(work_env):
    at = app_test(EXEC)
    assert not at.exception
    assert [t.value for t in at.title] == ["My work"]
    shown = tables(at)
    assert list(shown) == [
        "Next actions overdue (1)",
        "Next actions due in the next 7 days (1)",
        "Referrals to accept or decline (2)",
        "Claims waiting more than 30 days for approval (1)",
        "Tenants whose Usage % fell more than 10 points (1)",
    ]
    overdue = shown["Next actions overdue (1)"][0]
    assert overdue["tenant_name"] == "Alpha Corp" and overdue["owner"] == "unassigned"
    assert overdue["link"].startswith(f"tenant?tenant={ALPHA}&section=notes")
    assert shown["Next actions due in the next 7 days (1)"][0]["owner"] == "you"
    assert [r["link"].split("&as=")[0] for r in shown["Referrals to accept or decline (2)"]] == [
        "referrals?rfa=R1",
        "referrals?rfa=R3",
    ]
    claim = shown["Claims waiting more than 30 days for approval (1)"][0]
    assert claim["link"].startswith(f"tenant?tenant={BETA}&section=workloads")
    assert "potential earnings $2,000" in as_text(at)


def test_the_home_page_afterwards_and_addresses_are_followed_as_asked(work_env):
    at = app_test(EXEC)
    at.switch_page(TENANTS_PAGE).run()
    assert [t.value for t in at.title] == ["Tenants"]
    deep = app_test(EXEC, params={"tenant": ALPHA})  # a link with a query: no detour
    assert [t.value for t in deep.title] != ["My work"]


def test_someone_with_nothing_due_lands_on_tenants(work_env, monkeypatch):
    monkeypatch.setenv("FCU_TODAY", "2026-09-01")  # before C4 waited 30 days and R3 existed
    db = Database(work_env)
    db.execute("DELETE FROM feed_referrals")  # nothing to answer
    db.execute("UPDATE feed_partner_tenant SET usage_change_1m = NULL")  # and no fall
    db.close()
    at = app_test(REPORT_M12)
    assert [t.value for t in at.title] == ["Tenants"]
    at.switch_page(MY_WORK_PAGE).run()
    assert "Nothing is due for you today." in [s.value for s in at.success]


def test_a_report_viewer_sees_no_money_no_contact_email_and_no_team_view(work_env):
    at = app_test(REPORT)
    text = as_text(at)
    assert [t.value for t in at.title] == ["My work"]
    assert "$" not in text and CONTACT_EMAIL not in text and "Call ••• about the pilot" in text
    assert not [t for t in at.toggle if t.key == keys.WORK_TEAM]
    for frame in at.dataframe:
        assert not [c for c in frame.value.astype(str).to_numpy().ravel() if "@" in c]


def test_the_team_view_shows_every_owners_next_actions(work_env):
    at = app_test(ADMIN)
    assert "Next actions due in the next 7 days (0)" in [s.value for s in at.subheader]
    at.toggle(key=keys.WORK_TEAM).set_value(True).run()
    rows = tables(at)["Next actions due in the next 7 days (1)"]
    assert [(r["tenant_name"], r["owner"]) for r in rows] == [("Beta School", EXEC)]


def test_the_digest_setting_is_saved_for_the_user(work_env):
    at = app_test(REPORT)
    box = at.toggle(key=keys.WORK_DIGEST)
    assert box.value is True  # fill_work turned it on
    box.set_value(False).run()
    assert "Daily digest turned off." in [s.value for s in at.success]
    assert "Mail is not set up on this server yet" in as_text(at)
    db = Database(work_env)
    try:
        assert not digest.subscribed(db, REPORT)
        assert db.execute(
            "SELECT actor, action FROM audit WHERE action LIKE 'digest.%' ORDER BY audit_id"
        )[-1] == (REPORT, "digest.off")
    finally:
        db.close()
    at.toggle(key=keys.WORK_DIGEST).set_value(True).run()
    assert at.toggle(key=keys.WORK_DIGEST).value is True


def test_the_calendar_download_holds_the_users_next_actions(work_env, downloads):
    at = app_test(EXEC)
    assert "Download calendar (.ics)" in [b.label for b in at.get("download_button")]
    data = downloads[-1]()
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.count(b"BEGIN:VEVENT") == 2


def test_no_role_no_page(work_env):
    at = app_test(NOROLE)
    with pytest.raises(ValueError):
        at.switch_page(MY_WORK_PAGE)


def test_admins_see_who_gets_the_digest_and_the_sends_that_failed(work_env):
    with LocalSmtp() as server:
        settings = mail.settings(server.environ(), {})
    db = Database(work_env)  # the server has stopped: every send fails
    try:
        assert not digest.run(db, TODAY, config=settings).ok
        users_removed = digest.subscribers(db, "P1")
    finally:
        db.close()
    assert [u.email for u in users_removed] == sorted([EXEC, REPORT, REPORT_M12])
    at = app_test(ADMIN, DATA_PAGE)
    assert "3 of your users get the daily digest." in as_text(at)
    failed = [w.value for w in at.warning if "not sent" in w.value]
    assert len(failed) == 3 and all("could not be reached" in w for w in failed)
    assert f"Digest of 2026-11-03 to {EXEC} not sent (1 tries" in as_text(at)
    at.switch_page(ADMIN_PAGE).run()
    people = at.dataframe[0].value
    assert dict(zip(people["Email"], people["Daily digest"], strict=True))[REPORT] is True
    assert dict(zip(people["Email"], people["Daily digest"], strict=True))[ADMIN] is False
