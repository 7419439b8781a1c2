"""Tenant details (AppTest), opened by ?tenant=<Tenant ID>: figures, workloads, trend, and the
one message for every tenant a user may not see. Figures: tests/data/feed_small/README.md.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.fixtures import ALPHA, BETA, DELTA, GAMMA, NOT_AVAILABLE, TENANT_PAGE, app_test


def open_tenant(email: str, tenant: str) -> AppTest:
    return app_test(email, TENANT_PAGE, params={"tenant": tenant})


def workloads(at: AppTest) -> dict[str, dict]:
    """The claimed workloads' table, by workload."""
    return {row["Workload"]: row for row in at.dataframe[0].value.to_dict("records")}


def unclaimed(at: AppTest) -> list[str]:
    """The unclaimed workloads, each on a row with its own Claim workload button."""
    rows = [s.label.removeprefix("MPN location for ") for s in at.selectbox]
    assert len(rows) == len([b for b in at.button if b.label == "Claim workload"])
    return rows


def test_executive_sees_the_tenant_its_workloads_and_trend(app_env):
    at = open_tenant("exec@northwind.example", ALPHA)
    assert not at.exception and not at.error
    assert [h.value for h in at.header] == ["Alpha Corp"]
    assert [c.value for c in at.code] == [ALPHA]
    assert {m.label: m.value for m in at.metric} == {
        "Usage %": "50.7 %",
        "MAU": "760",
        "PAU": "1,500",
        "Potential earnings": "$2,000",
        "Unclaimed opportunity": "$0",
    }
    rows = workloads(at)
    assert list(rows) == ["Exchange Online"]
    exchange = rows["Exchange Online"]
    assert pd.isna(exchange.pop("Δ Usage % 3m"))  # no usage line in 2026-07
    assert pd.isna(exchange.pop("Δ MAU 3m"))
    assert exchange == {
        "Workload": "Exchange Online",
        "Claim": "C1 (Approved)",
        "MPN location": "M11",
        "Incentives available": "Yes",
        "Usage %": "70.0 %",
        "MAU": "700",
        "PAU": "1,000",
        "HWM": "800",
        "Δ Usage % 1m": pytest.approx(-10.0),  # 70 % now, 80 % in 2026-09
        "Δ MAU 1m": -100,
        "Potential earnings": "$2,000",
    }
    assert unclaimed(at) == ["Microsoft Intune", "Microsoft Viva"]
    texts = [t.value for t in at.text]
    assert texts[texts.index("Microsoft Intune") + 4] == "Yes"  # incentives available
    assert texts[texts.index("Microsoft Viva") + 4] == "No"
    assert len(at.get("plotly_chart")) == 2
    assert any("2026-10" in c.value for c in at.caption)


def test_pau_zero_has_no_usage_and_over_100_is_not_capped(app_env):
    at = open_tenant("exec@northwind.example", BETA)
    rows = workloads(at)
    assert rows["Exchange Online"]["Usage %"] == "120.0 %"
    assert rows["Exchange Online"]["Claim"] == "C4 (Submitted)"
    texts = [t.value for t in at.text]
    assert texts[texts.index("Microsoft Teams") + 1] == "—"  # unclaimed, PAU 0: no Usage %


def test_report_viewer_sees_no_revenue(app_env):
    at = open_tenant("report@northwind.example", ALPHA)
    assert [m.label for m in at.metric] == ["Usage %", "MAU", "PAU"]
    table = at.dataframe[0].value
    assert "Potential earnings" not in table.columns
    assert "$" not in table.to_csv()


def test_other_partner_sees_only_their_claim_and_unclaimed_workloads(app_env):
    rows = workloads(open_tenant("admin@fabrikam.example", ALPHA))
    assert rows["Microsoft Teams"]["Claim"] == "C2 (Approved)"
    assert rows["Microsoft Teams"]["Potential earnings"] == "$40"
    assert "Exchange Online" not in rows  # Northwind's claim is not listed


def test_claimed_tenant_under_150_licences_says_it_is_not_in_fasttrack(app_env):
    at = open_tenant("exec@northwind.example", GAMMA)
    assert [h.value for h in at.header] == ["Gamma Small"]
    assert "not in FastTrack" in at.info[0].value
    assert "fewer than 150 FastTrack-eligible licences" in at.info[0].value
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")


@pytest.mark.parametrize(
    ("email", "tenant"),
    [
        ("exec@northwind.example", DELTA),  # only another partner's (and a dead) claim
        ("exec@northwind.example", "bbbbbbbb-0000-0000-0000-000000000001"),  # unknown
        ("exec@northwind.example", "not-a-guid'; DROP TABLE users; --"),  # malformed
        ("exec@northwind.example", ""),  # no ID at all
        ("exec.m11@northwind.example", BETA),  # outside the user's MPN scope
        ("admin@fabrikam.example", BETA),  # another partner's tenant
        ("admin@fabrikam.example", GAMMA),  # another partner's, not in FastTrack
    ],
)
def test_every_unavailable_tenant_gets_the_same_message(app_env, email, tenant):
    at = open_tenant(email, tenant)
    assert not at.exception and not at.error
    assert [w.value for w in at.warning] == [NOT_AVAILABLE]
    assert not at.header and not at.code and not at.metric and not at.dataframe


def test_sections_are_reached_by_url_with_their_counts(app_env):
    at = open_tenant("exec@northwind.example", ALPHA)
    assert at.segmented_control[0].value == "workloads"
    assert [o.content for o in at.segmented_control[0].proto.options] == [
        "Workloads and usage (3)",
        "Status notes (0)",
        "Contacts (0)",
        "Service status (0)",
        "Intent notes (0)",
    ]
    assert [s.value for s in at.subheader][:1] == ["Claimed by your partner"]
    at = app_test(
        "exec@northwind.example", TENANT_PAGE, params={"tenant": ALPHA, "section": "contacts"}
    )
    assert [s.value for s in at.subheader] == ["Contacts"]
    assert not at.get("plotly_chart")  # only the chosen section is drawn
    # A click on a section shows it and writes it to the URL, for a link or a reload.
    at.segmented_control[0].set_value("notes").run()
    assert [s.value for s in at.subheader] == ["Status Note updates"]
    assert at.query_params["section"] == "notes"
    assert at.query_params["tenant"] == ALPHA


@pytest.mark.parametrize("section", ["nonsense", "", "<b>x</b>"])
def test_an_unknown_section_shows_the_first(app_env, section):
    params = {"tenant": ALPHA, "section": section}
    at = app_test("exec@northwind.example", TENANT_PAGE, params=params)
    assert not at.exception and not at.error
    assert at.segmented_control[0].value == "workloads"
    assert "Claimed by your partner" in [s.value for s in at.subheader]
