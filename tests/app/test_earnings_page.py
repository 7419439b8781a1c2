"""The Earnings page (AppTest): charts, downloads and the what-if for executives; nothing at
all for a Report viewer, whether through the menu or the page's own address."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from fcu.ui import keys
from tests.fixtures import EARNINGS_PAGE, EXEC, FABRIKAM_ADMIN, app_test


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def top_tenants(at: AppTest):
    """The "Top tenants by opportunity" table (the charts' full tables come first)."""
    return next(d.value for d in at.dataframe if "tenant_name" in d.value.columns)


def test_an_executive_gets_charts_downloads_and_the_what_if(app_env):
    at = app_test(EXEC, EARNINGS_PAGE, timeout=60)
    assert not at.exception and not at.error
    assert "Potential earnings are the incentives" in " ".join(c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 4
    assert len(at.get("download_button")) == 5
    shown = metrics(at)
    assert shown["Potential earnings (USD)"] == "2,000"
    assert shown["Unclaimed opportunity (USD)"] == "0"
    assert shown["Claimed workloads at 80 % (USD)"] == "0"
    at.slider(key=keys.EARNINGS_TARGET).set_value(100).run()
    assert metrics(at)["Claimed workloads at 100 % (USD)"] == "2,000"
    assert top_tenants(at)["tenant_name"].tolist() == ["Alpha Corp"]


def test_another_partner_sees_its_own_figures(app_env):
    at = app_test(FABRIKAM_ADMIN, EARNINGS_PAGE, timeout=60)
    shown = metrics(at)
    assert (shown["Potential earnings (USD)"], shown["Unclaimed opportunity (USD)"]) == (
        "140",
        "5,000",
    )
    at.slider(key=keys.EARNINGS_TARGET).set_value(50).run()
    assert metrics(at)["Unclaimed workloads at 50 %, once claimed (USD)"] == "4,000"
    assert top_tenants(at)["tenant_name"].tolist() == ["Delta Gov, Ministry", "Alpha Corp"]


@pytest.mark.parametrize("email", ["report@northwind.example", "report.m12@northwind.example"])
def test_a_report_viewer_gets_no_earnings_by_any_route(app_env, email):
    at = app_test(email, timeout=60)
    with pytest.raises(ValueError):  # not in the menu, so no way to switch to it
        at.switch_page(EARNINGS_PAGE)
    # Running the page itself, as typing its address would: it refuses before any figure.
    page = app_test(email, EARNINGS_PAGE, alone=True)
    assert not page.exception
    assert [e.value for e in page.error] == ["This page is for Executive report viewers."]
    assert not page.metric and not page.get("plotly_chart") and not page.dataframe
    assert not page.get("download_button")
