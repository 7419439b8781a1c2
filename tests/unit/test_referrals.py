"""Referrals on the fixture feed (tests/data/feed_small/README.md): R1 Alpha P1/M11 (AU
45.5 %), R2 Delta P2/M21 (no AU %), R3 Beta P1/M12 (no AU %)."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pytest

from fcu import export, referrals
from fcu.referrals import AU_PENDING, ReferralConflict, ReferralError, ReferralFilters
from tests.fixtures import ALPHA, BETA, DELTA, ROOT

pytestmark = pytest.mark.both_stores  # the same checks on the team store (fcu.team)

NOW = datetime(2026, 11, 25, 12, 0)


def rfa_ids(db, user, filters=None, now=NOW) -> list[str]:
    frame = referrals.referrals(db, user, filters or ReferralFilters(), now=now)
    return frame["rfa_id"].tolist()


@pytest.mark.parametrize(
    "email, expected",
    [
        ("admin@northwind.example", ["R3", "R1"]),  # newest assignment first
        ("report@northwind.example", ["R3", "R1"]),
        ("exec.m11@northwind.example", ["R1"]),
        ("report.m12@northwind.example", ["R3"]),
        ("admin@fabrikam.example", ["R2"]),
        ("norole@northwind.example", []),
    ],
)
def test_each_user_sees_the_referrals_of_their_partner_and_scope(db, user, email, expected):
    assert rfa_ids(db, user(email)) == expected


def test_list_shows_tenant_dates_workload_names_and_defaults(db, user):
    frame = referrals.referrals(db, user("exec@northwind.example"), now=NOW).set_index("rfa_id")
    r1 = frame.loc["R1"]
    assert r1["tenant_name"] == "Alpha Corp"
    assert r1["assigned_at"] == datetime(2026, 10, 20, 10, 0)
    assert r1["workloads"] == ["Exchange Online", "Microsoft Teams"]
    assert r1["au_pct"] == 45.5
    assert (r1["acceptance"], r1["status"]) == ("pending", "new")


def test_filters_search_acceptance_status_and_the_7_day_flag(db, user):
    exec_ = user("exec@northwind.example")
    assert rfa_ids(db, exec_, ReferralFilters(search="BETA")) == ["R3"]
    assert rfa_ids(db, exec_, ReferralFilters(search="r1")) == ["R1"]
    assert rfa_ids(db, exec_, ReferralFilters(search=ALPHA[-4:])) == ["R1"]
    # R1 was assigned 2026-10-20 10:00: unanswered, it is flagged once 7 days have passed.
    late = ReferralFilters(not_accepted_in_7_days=True)
    assert rfa_ids(db, exec_, late, now=datetime(2026, 10, 27, 9, 0)) == []
    assert rfa_ids(db, exec_, late, now=datetime(2026, 10, 27, 11, 0)) == ["R1"]
    referrals.accept(db, exec_, "R3", 0)
    assert rfa_ids(db, exec_, ReferralFilters(acceptance=("pending",))) == ["R1"]
    assert rfa_ids(db, exec_, ReferralFilters(acceptance=("accepted",))) == ["R3"]
    referrals.set_status(db, exec_, "R3", "contacted", 1)
    assert rfa_ids(db, exec_, ReferralFilters(statuses=("contacted",))) == ["R3"]


def test_accepted_late_stays_flagged_and_accepted_in_time_is_not(db, user):
    p1, p2 = user("exec@northwind.example"), user("admin@fabrikam.example")
    referrals.accept(db, p1, "R1", 0)  # assigned 2026-10-20, accepted today: late
    assert referrals.referral(db, p1, "R1").not_accepted_in_7_days
    # R2 was assigned 2026-11-20; accepted "now" in the database's clock, which the
    # tests cannot set, so only check it against its own decision time.
    referrals.accept(db, p2, "R2", 0)
    decided = db.scalar("SELECT decided_at FROM referral_state WHERE rfa_id = 'R2'")
    flagged = referrals.referral(db, p2, "R2", now=decided).not_accepted_in_7_days
    assert flagged == (decided > datetime(2026, 11, 27, 0, 0))


def test_details_of_a_referral(db, user):
    detail = referrals.referral(db, user("exec@northwind.example"), "R3", now=NOW)
    assert (detail.tenant_id, detail.tenant_domain, detail.mpn_id) == (BETA, "beta.example", "M12")
    assert detail.workloads == ("Microsoft Intune",)
    assert detail.au_pct is None
    assert detail.au_message == AU_PENDING
    assert "two to three days after" in AU_PENDING
    assert detail.usage_link == f"tenant?tenant={BETA}"  # P1 holds a claim on Beta
    assert "Tenant ID: " + BETA in detail.facts
    known = referrals.referral(db, user("exec@northwind.example"), "R1")
    assert known.au_pct == 45.5 and known.au_message is None


# The team store's feed is a read-only file per load: this test edits the embedded one.
@pytest.mark.parametrize("store", ["embedded"], indirect=True)
def test_no_usage_link_where_the_partner_has_no_claim(db, user):
    # P1 holds only a disassociated claim on Delta: a referral there has no usage to open.
    db.execute(
        "INSERT INTO feed_referrals VALUES ('R9', ?, 'P1', 'M11', TIMESTAMP '2026-11-24 09:00', "
        "['exchange'], NULL, 'Partner Center')",
        [DELTA],
    )
    detail = referrals.referral(db, user("exec@northwind.example"), "R9")
    assert detail.tenant_name == "Delta Gov, Ministry"
    assert detail.usage_link is None


@pytest.mark.parametrize(
    "email, rfa_id",
    [
        ("exec@northwind.example", "R2"),  # another partner's
        ("exec.m11@northwind.example", "R3"),  # out of scope
        ("norole@northwind.example", "R1"),  # no role
        ("exec@northwind.example", "R404"),  # unknown
    ],
)
def test_a_referral_out_of_reach_can_be_neither_read_nor_changed(db, user, email, rfa_id):
    assert referrals.referral(db, user(email), rfa_id) is None
    with pytest.raises(ReferralError):
        referrals.accept(db, user(email), rfa_id, 0)
    assert db.scalar("SELECT count(*) FROM referral_state") == 0
    assert db.scalar("SELECT count(*) FROM audit WHERE action LIKE 'referral.%'") == 0


def test_accept_is_recorded_and_audited(db, user):
    exec_ = user("exec@northwind.example")
    assert referrals.accept(db, exec_, "R1", 0) == 1
    detail = referrals.referral(db, exec_, "R1")
    assert (detail.acceptance, detail.status, detail.version) == ("accepted", "new", 1)
    row = db.one(
        "SELECT actor, partner_id, tenant_id, entity_key, before->>'acceptance', "
        "after->>'acceptance' FROM audit WHERE action = 'referral.accept'"
    )
    assert row == ("exec@northwind.example", "P1", ALPHA, "R1", "pending", "accepted")


def test_decline_needs_a_reason_and_closes_the_referral(db, user):
    exec_ = user("exec@northwind.example")
    for reason in ("", "   ", None):
        with pytest.raises(ReferralError, match="Give a reason for declining"):
            referrals.decline(db, exec_, "R1", reason, 0)
    assert db.scalar("SELECT count(*) FROM referral_state") == 0
    assert db.scalar("SELECT count(*) FROM audit WHERE action LIKE 'referral.%'") == 0
    with pytest.raises(ReferralError, match="under 1000 characters"):
        referrals.decline(db, exec_, "R1", "x" * 1001, 0)
    referrals.decline(db, exec_, "R1", "  No capacity in Seattle  ", 0)
    detail = referrals.referral(db, exec_, "R1")
    assert (detail.acceptance, detail.status) == ("declined", "closed")
    assert detail.decline_reason == "No capacity in Seattle"
    assert "Decline reason: No capacity in Seattle" in detail.facts
    after = db.scalar("SELECT after->>'decline_reason' FROM audit WHERE action='referral.decline'")
    assert after == "No capacity in Seattle"


def test_status_is_kept_up_to_date_and_checked(db, user):
    exec_ = user("exec@northwind.example")
    with pytest.raises(ReferralError, match="Choose a status"):
        referrals.set_status(db, exec_, "R1", "done", 0)
    version = 0
    for status in ("contacted", "in_progress", "completed"):
        version = referrals.set_status(db, exec_, "R1", status, version)
        assert referrals.referral(db, exec_, "R1").status == status
    assert version == 3
    assert db.scalar("SELECT count(*) FROM audit WHERE action = 'referral.status'") == 3


def test_a_change_from_a_stale_screen_is_refused(db, user):
    first, second = user("exec@northwind.example"), user("admin@northwind.example")
    seen = referrals.referral(db, first, "R1").version  # both open R1 at version 0
    referrals.accept(db, second, "R1", seen)
    with pytest.raises(ReferralConflict, match="Someone else changed referral R1"):
        referrals.decline(db, first, "R1", "Too far away", seen)
    detail = referrals.referral(db, first, "R1")
    assert (detail.acceptance, detail.version) == ("accepted", 1)
    assert db.scalar("SELECT count(*) FROM audit WHERE action LIKE 'referral.%'") == 1


def test_contacts_and_notes_are_the_partners_and_masked_for_a_report_viewer(db, user):
    for partner in ("P1", "P2"):
        db.execute(
            "INSERT INTO contacts (partner_id, tenant_id, kind, name, email, services, "
            "created_by) VALUES (?, ?, 'customer', ?, ?, ['exchange'], 'tests')",
            [partner, ALPHA, f"Pat {partner}", f"pat@{partner.lower()}.example"],
        )
        db.execute(
            "INSERT INTO notes (partner_id, tenant_id, risks, author) VALUES (?, ?, ?, ?)",
            [partner, ALPHA, f"Ask ceo@{partner.lower()}.example", "exec@northwind.example"],
        )
    detail = referrals.referral(db, user("exec@northwind.example"), "R1")
    assert detail.contacts[["name", "email"]].values.tolist() == [["Pat P1", "pat@p1.example"]]
    assert detail.notes["risks"].tolist() == ["Ask ceo@p1.example"]
    masked = referrals.referral(db, user("report@northwind.example"), "R1")
    assert masked.contacts[["name", "email"]].values.tolist() == [["•••", "•••"]]
    assert masked.notes["risks"].tolist() == ["Ask •••"]
    assert masked.notes["author"].tolist() == ["•••"]


def test_export_and_command_line(db, db_path, user):
    referrals.decline(db, user("exec@northwind.example"), "R1", "=HYPERLINK(x)", 0)
    text = export.render(db, user("report@northwind.example"), "referrals").decode()
    lines = text.splitlines()
    assert lines[0] == ",".join(referrals.EXPORT_COLUMNS)
    assert [line.split(",")[0] for line in lines[1:]] == ["R3", "R1"]
    assert "exec@northwind.example" not in text and "•••" in text  # updated_by masked
    assert "'=HYPERLINK(x)" in text  # neutralised for spreadsheets
    db.close()  # the command opens the file itself
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fcu",
            "--db",
            str(db_path),
            "export",
            "referrals",
            "--user",
            "exec.m11@northwind.example",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert [line.split(",")[0] for line in done.stdout.splitlines()] == ["rfa_id", "R1"]


def test_changes_made_at_once_from_the_same_screen_leave_one_winner(db, user):
    """Twenty people press Accept or Decline on R1 at once, all having seen version 0."""
    from concurrent.futures import ThreadPoolExecutor

    exec_ = user("exec@northwind.example")

    def press(i: int) -> str:
        try:
            if i % 2:
                referrals.accept(db, exec_, "R1", 0)
            else:
                referrals.decline(db, exec_, "R1", f"reason {i}", 0)
        except ReferralConflict:
            return "stale"
        return "saved"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(press, range(20)))
    assert outcomes.count("saved") == 1 and outcomes.count("stale") == 19
    assert referrals.referral(db, exec_, "R1").version == 1
    assert db.scalar("SELECT count(*) FROM audit WHERE entity_key = 'R1'") == 1
