"""My work's items for each fixture user on a fixed day (tests.fixtures.TODAY, 2026-11-03),
with the next actions of ``fill_work``. Known answers (tests/data/feed_small/README.md):
R1 (Alpha, M11) was assigned 2026-10-20 and R3 (Beta, M12) 2026-11-01, both unanswered;
C4 (Beta exchange, M12) was submitted 2026-09-15 and is still 'submitted'; Alpha's Usage %
fell 29.3 points for P1 (80 % -> 50.7 %) and 40.7 for P2; Beta has no previous month."""

from __future__ import annotations

from datetime import date

import pytest

from fcu import notes, referrals, workqueue
from fcu.db import Database
from fcu.notes import NoteInput
from tests.fixtures import (
    ADMIN,
    ALPHA,
    BETA,
    CONTACT_EMAIL,
    EXEC,
    EXEC_M11,
    FABRIKAM_ADMIN,
    NOROLE,
    REPORT,
    REPORT_M12,
    TODAY,
)


@pytest.fixture
def wdb(work_db):
    database = Database(work_db)
    yield database
    database.close()


def shown(queue) -> dict[str, list[tuple[str, str]]]:
    """kind -> [(tenant name, when)] of a queue."""
    return {k: [(i.tenant_name, i.when) for i in queue.of(k)] for k in workqueue.KINDS}


def test_an_executive_gets_every_kind_with_its_numbers(wdb, user):
    queue = workqueue.work_queue(wdb, user(EXEC), TODAY)
    assert shown(queue) == {
        "overdue": [("Alpha Corp", "2026-11-01 (2 days overdue)")],
        "due": [("Beta School", "2026-11-06 (in 3 days)")],
        "referral": [
            ("Alpha Corp", "overdue: was due by 2026-10-27 (7 days ago)"),
            ("Beta School", "5 days left of 7 (by 2026-11-08)"),
        ],
        "claim": [("Beta School", "waiting 49 days")],
        "falling": [("Alpha Corp", "-29.3 points since last month")],
    }
    assert [i.owner for i in queue.of("overdue") + queue.of("due")] == ["", "you"]
    assert queue.of("falling")[0].what.endswith("potential earnings $2,000")
    assert CONTACT_EMAIL in queue.of("overdue")[0].what


def test_each_item_links_to_the_place_to_act(wdb, user):
    links = {
        i.kind + ":" + i.tenant_name: i.link
        for i in workqueue.work_queue(wdb, user(EXEC), TODAY).items
    }
    assert links["overdue:Alpha Corp"] == f"tenant?tenant={ALPHA}&section=notes"
    assert links["claim:Beta School"] == f"tenant?tenant={BETA}&section=workloads"
    assert links["falling:Alpha Corp"] == f"tenant?tenant={ALPHA}&section=workloads"
    assert [i.link for i in workqueue.work_queue(wdb, user(EXEC), TODAY).of("referral")] == [
        "referrals?rfa=R1",
        "referrals?rfa=R3",
    ]


@pytest.mark.parametrize(
    ("email", "tenants"),
    [
        (EXEC_M11, {"Alpha Corp"}),  # M11: Alpha's note, R1 and the fall; not Beta's C4 or R3
        (REPORT_M12, {"Beta School"}),  # M12: R3 and C4; Beta's next action is EXEC's
        (FABRIKAM_ADMIN, {"Alpha Corp", "Delta Gov, Ministry"}),  # P2: its fall and R2
        (NOROLE, set()),
    ],
)
def test_scope_and_partner_decide_the_items(wdb, user, email, tenants):
    queue = workqueue.work_queue(wdb, user(email), TODAY)
    assert {i.tenant_name for i in queue.items} == tenants
    if email == REPORT_M12:
        assert shown(queue)["due"] == [] and [i.what[:12] for i in queue.of("claim")] == [
            "Claim C4 on "
        ]
    if email == FABRIKAM_ADMIN:  # P1's notes never reach P2
        assert not queue.of("overdue") and not queue.of("due")


def test_a_report_viewer_gets_no_revenue_and_no_personal_data(wdb, user):
    queue = workqueue.work_queue(wdb, user(REPORT), TODAY)
    text = " ".join(f"{i.what} {i.when} {i.owner}" for i in queue.items)
    assert CONTACT_EMAIL not in text and "@" not in text
    assert "$" not in text and "earnings" not in text
    assert queue.of("overdue")[0].what == "Call ••• about the pilot"
    assert not queue.of("due")  # Beta's next action is EXEC's, not theirs


def test_the_team_view_is_for_admins_and_executives(wdb, user):
    exec_m11 = user(EXEC_M11)
    notes.add_note(
        wdb,
        user(EXEC),
        ALPHA,
        NoteInput(
            next_actions="Chase",
            next_action_date=TODAY,
            next_action_owner="someone@northwind.example",
        ),
    )
    mine = workqueue.work_queue(wdb, exec_m11, TODAY)
    team = workqueue.work_queue(wdb, exec_m11, TODAY, team=True)
    assert not mine.of("due") and not mine.of("overdue")  # someone else's now
    assert [(i.tenant_name, i.owner, i.when) for i in team.of("due")] == [
        ("Alpha Corp", "someone@northwind.example", "2026-11-03 (today)")
    ]
    admin_team = workqueue.work_queue(wdb, user(ADMIN), TODAY, team=True)
    assert {i.tenant_name for i in admin_team.of("due")} == {"Alpha Corp", "Beta School"}
    report_team = workqueue.work_queue(wdb, user(REPORT), TODAY, team=True)
    assert not report_team.team and not report_team.of("due")


def test_only_the_latest_note_of_a_tenant_counts_and_dates_beyond_7_days_wait(wdb, user):
    exec_ = user(EXEC)
    notes.add_note(wdb, exec_, ALPHA, NoteInput(risks="No next action any more"))
    notes.add_note(
        wdb, exec_, BETA, NoteInput(next_actions="Later", next_action_date=date(2026, 11, 11))
    )
    queue = workqueue.work_queue(wdb, exec_, TODAY)
    assert not queue.of("overdue") and not queue.of("due")
    assert [r.tenant_name for r in workqueue.next_actions(wdb, exec_).itertuples()] == [
        "Beta School"
    ]
    later = workqueue.work_queue(wdb, exec_, date(2026, 11, 4))
    assert [i.when for i in later.of("due")] == ["2026-11-11 (in 7 days)"]


def test_answered_referrals_and_young_claims_leave_the_queue(wdb, user):
    exec_ = user(EXEC)
    referrals.accept(wdb, exec_, "R1", 0)
    referrals.decline(wdb, exec_, "R3", "No capacity", 0)
    queue = workqueue.work_queue(wdb, exec_, date(2026, 10, 15))
    assert not queue.of("referral")
    assert not queue.of("claim")  # C4 is 30 days old on 2026-10-15: not yet "more than 30"
    assert [i.when for i in workqueue.work_queue(wdb, exec_, date(2026, 10, 16)).of("claim")] == [
        "waiting 31 days"
    ]


def test_today_comes_from_fcu_today_when_set():
    assert workqueue.today({"FCU_TODAY": "2026-11-03"}) == TODAY
    assert workqueue.today({"FCU_TODAY": "not a day"}) == workqueue.today({})
