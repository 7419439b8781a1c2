"""The Referrals page (AppTest): the list by role and scope, a referral's details, accept,
decline (a reason is required) and status. Known answers: tests/data/feed_small/README.md."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from fcu.referrals import AU_PENDING
from fcu.ui import keys
from tests.fixtures import ALPHA, EXEC, REFERRALS_PAGE, REPORT, app_test


def referrals_page(email: str) -> AppTest:
    return app_test(email, REFERRALS_PAGE)


def open_referral(at: AppTest, rfa_id: str) -> AppTest:
    return at.selectbox(key=keys.REFERRAL_OPEN).set_value(rfa_id).run()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


@pytest.mark.parametrize(
    "email, shown",
    [
        ("exec@northwind.example", ["Beta School", "Alpha Corp"]),
        ("report.m12@northwind.example", ["Beta School"]),
        ("exec.m11@northwind.example", ["Alpha Corp"]),
        ("admin@fabrikam.example", ["Delta Gov, Ministry"]),
    ],
)
def test_the_list_follows_partner_and_scope(app_env, email, shown):
    at = referrals_page(email)
    assert not at.exception and not at.error
    assert "requests for assistance" in at.caption[1].value
    assert at.dataframe[0].value["tenant_name"].tolist() == shown
    assert len(at.selectbox(key=keys.REFERRAL_OPEN).options) == len(shown)


def test_details_show_the_referral_and_where_au_is_not_known_yet(app_env):
    at = open_referral(referrals_page(EXEC), "R1")
    facts = at.text[0].value
    for line in (
        "Tenant: Alpha Corp",
        "Tenant domain: alpha.example",
        f"Tenant ID: {ALPHA}",
        "RFA ID: R1  ·  MPN ID: M11",
        "RFA workloads: Exchange Online, Microsoft Teams",
        "AU %: 45.5 %",
    ):
        assert line in facts
    at = open_referral(at, "R3")
    assert [i.value for i in at.main.info] == [AU_PENDING]
    links = at.get("page_link")
    assert [link.proto.label for link in links] == ["Open the tenant's usage"]


def test_decline_without_a_reason_is_refused_then_with_one_it_is_recorded(app_env):
    at = open_referral(referrals_page(EXEC), "R1")
    button(at, "Decline").click().run()
    assert "Give a reason for declining" in at.error[0].value
    assert at.dataframe[0].value.set_index("rfa_id").loc["R1", "acceptance"] == "Not answered yet"
    at.text_area(key=f"{keys.REFERRAL_REASON}_R1").input("No capacity in Seattle").run()
    button(at, "Decline").click().run()
    assert [s.value for s in at.success] == ["Referral R1 declined."]
    row = at.dataframe[0].value.set_index("rfa_id").loc["R1"]
    assert (row["acceptance"], row["status"]) == ("Declined", "Closed")
    assert "Decline reason: No capacity in Seattle" in at.text[0].value


def test_accept_then_keep_the_status_up_to_date(app_env):
    at = open_referral(referrals_page(REPORT), "R3")
    button(at, "Accept").click().run()
    assert [s.value for s in at.success] == ["Referral R3 accepted."]
    assert button(at, "Accept").disabled
    at.selectbox(key=f"{keys.REFERRAL_STATUS}_R3_1").set_value("in_progress").run()
    button(at, "Save status").click().run()
    row = at.dataframe[0].value.set_index("rfa_id").loc["R3"]
    assert (row["acceptance"], row["status"]) == ("Accepted", "In progress")


def test_filters_narrow_the_list(app_env):
    at = referrals_page(EXEC)
    at.text_input(key=keys.REFERRAL_SEARCH).input("alpha").run()
    assert at.dataframe[0].value["rfa_id"].tolist() == ["R1"]
    at.text_input(key=keys.REFERRAL_SEARCH).input("nothing like it").run()
    assert "No referral matches" in at.info[0].value


def test_a_referral_opens_from_its_address(app_env):
    at = app_test(EXEC, REFERRALS_PAGE, params={"rfa": "R1"})
    assert at.subheader[0].value == "Referral R1"


def test_a_report_viewer_sees_contacts_masked(app_env):
    from fcu import db as fcu_db

    database = fcu_db.Database(app_env)
    database.execute(
        "INSERT INTO contacts (partner_id, tenant_id, kind, name, email, services, created_by) "
        "VALUES ('P1', ?, 'customer', 'Pat Customer', 'pat@alpha.example', ['exchange'], 't')",
        [ALPHA],
    )
    database.close()
    shown = open_referral(referrals_page(REPORT), "R1").dataframe[1].value
    assert shown[["name", "email"]].values.tolist() == [["•••", "•••"]]
    shown = open_referral(referrals_page(EXEC), "R1").dataframe[1].value
    assert shown[["name", "email"]].values.tolist() == [["Pat Customer", "pat@alpha.example"]]
