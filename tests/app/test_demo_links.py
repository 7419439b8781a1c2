"""Demo mode: a tenant link opened in a new tab (a new session) keeps the picked sample user."""

from __future__ import annotations

from fcu.ui import keys
from tests.fixtures import ADMIN, REPORT_M12, TENANTS_PAGE, app_test


def test_usage_links_carry_the_demo_user_and_a_new_session_honours_it(app_env):
    at = app_test(REPORT_M12, TENANTS_PAGE)
    links = list(at.dataframe[0].value["Usage %"])
    assert links and all("as=report.m12%40northwind.example" in link for link in links)

    fresh = app_test(params={"as": REPORT_M12})
    assert fresh.session_state[keys.DEMO_EMAIL] == REPORT_M12
    assert list(fresh.dataframe[0].value["Tenant name"]) == ["Beta School"]


def test_an_unknown_demo_user_in_the_link_falls_back_to_the_first_user(app_env):
    fresh = app_test(params={"as": "ghost@nowhere.example"})
    assert fresh.session_state[keys.DEMO_EMAIL] == ADMIN
